"""Program-wide results computed once per snapshot, and sessions arriving meanwhile sharing them (ui.warm,
ui.cache.single_flight; issue 17). No timing: the order of events is forced with events."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from conftest import app_test, row, write_export

from dashboard import metrics, warehouse
from dashboard.filters import Filters
from dashboard.ingest import ingest
from dashboard.programs import programs
from dashboard.ui import cache, warm

PROGRAM = "test-intake"


@pytest.fixture(autouse=True)
def warm_up_on(monkeypatch):
    """On here, as on a server (conftest turns it off for the other tests' one-off warehouses)."""
    monkeypatch.setenv("DASHBOARD_WARM", "1")


def test_a_session_arriving_during_the_computation_waits_for_it_and_gets_the_same_rows(shared_basic_warehouse,
                                                                                          monkeypatch):
    started, release, waiting = threading.Event(), threading.Event(), threading.Event()
    calls = []
    original = metrics.METRICS["cap_status"]

    def slow(f: Filters, **kwargs) -> pd.DataFrame:
        calls.append(f)
        started.set()
        release.wait(60)
        return original(f, **kwargs)

    class Watched(threading.Event):
        def wait(self, timeout=None):
            waiting.set()
            return super().wait(timeout)

    monkeypatch.setitem(metrics.METRICS, "cap_status", slow)
    monkeypatch.setattr(cache._Flight, "new_event", Watched)
    f = Filters(PROGRAM, as_of=pd.Timestamp("2023-07-16T15:00:01Z").to_pydatetime())  # a key no other test has
    got = {}
    warmer = threading.Thread(target=lambda: got.update(warm=cache.run_metric("cap_status", f)))
    warmer.start()
    assert started.wait(60)
    # a session (the filters narrowed: cap_status is program-wide, so it is the same computation)
    narrowed = Filters(PROGRAM, as_of=f.as_of, countries=("IND",))
    session = threading.Thread(target=lambda: got.update(session=cache.run_metric("cap_status", narrowed)))
    session.start()
    assert waiting.wait(60)  # the session waits for the warm-up's computation instead of starting its own
    release.set()
    warmer.join(60)
    session.join(60)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(got["session"], got["warm"])
    assert int(got["session"]["counted"].iloc[0]) == 5  # P1, P2, P3, P4, P5 by 11:00 EDT


def test_the_warm_up_runs_once_per_snapshot_and_covers_the_first_runs(basic_warehouse):
    warm.clear()
    with cache._front_lock:
        cache.unfiltered_asked.clear()
    key = f"{basic_warehouse}/{warehouse.current_snapshot(basic_warehouse).name}"
    first = app_test()  # the first session: the warm-up starts, the run waits for its metrics
    assert not first.exception
    second = app_test("views/time_to_cap.py")
    for view in ("views/velocity.py", "views/countries.py"):
        second.switch_page(view).run()
    assert not second.exception
    warehouse.reader().pin()
    warm.ensure()[0].result(60)  # the forecasts too
    assert warm.runs.count(key) == 1
    # what the first runs of the main pages asked with the filters untouched is what the warm-up computes
    program = programs()[PROGRAM]
    seeded = {(n, tuple(sorted(kw.items()))) for n, kw in warm._seed(program)}
    asked = {(n, kw) for n, p, kw in cache.unfiltered_asked if p == PROGRAM and not dict(kw).get("at")}
    assert asked - seeded == set()
    # and Time to cap's forecasts are kept for everyone: asking again computes nothing and waits for nothing
    assert warm.forecast_result("projection", program, None, wait=0) is not None
    assert warm.forecast_result("history", program, None, wait=0) is not None


def test_while_a_forecast_is_being_computed_time_to_cap_says_so_and_shows_the_rest(basic_warehouse, monkeypatch):
    release = threading.Event()
    original = dict(warm.KINDS)

    def held(kind):
        def compute(*args):
            release.wait(60)
            return original[kind](*args)
        return compute

    for kind in ("projection", "history"):
        monkeypatch.setitem(warm.KINDS, kind, held(kind))
    monkeypatch.setenv("DASHBOARD_FORECAST_WAIT_SECONDS", "0")
    try:
        at = app_test("views/time_to_cap.py")
        assert not at.exception
        infos = [i.value for i in at.info]
        assert any("The forecast is being computed" in i for i in infos)
        assert any("forecasts made along the way are being replayed" in i for i in infos)
        assert "What if the cap had been different?" in [s.value for s in at.subheader]  # the rest is drawn
    finally:
        release.set()
    program = programs()[PROGRAM]
    assert warm.forecast_result("projection", program, None, wait=60) is not None  # then it is there for everyone


def test_a_session_told_a_forecast_is_being_computed_does_not_wait_for_it_again(basic_warehouse, monkeypatch):
    """Its next runs (a filter change that leaves the forecast as it is) ask without waiting; once the forecast
    is done the page shows it, and the session would wait again for another snapshot's."""
    warm.clear()
    release = threading.Event()
    original = dict(warm.KINDS)
    for kind in ("projection", "history"):
        monkeypatch.setitem(warm.KINDS, kind, lambda *args, kind=kind: (release.wait(60), original[kind](*args))[1])
    monkeypatch.setenv("DASHBOARD_FORECAST_WAIT_SECONDS", "0.2")
    asked = []
    forecast_result = warm.forecast_result

    def watched(kind, program, as_of, *, wait=None, **kwargs):
        if kwargs.get("in_background", True):  # a page's run (the warm-up's own thread computes in place)
            asked.append((kind, wait))
        return forecast_result(kind, program, as_of, wait=wait, **kwargs)

    monkeypatch.setattr(warm, "forecast_result", watched)
    try:
        at = app_test("views/time_to_cap.py", filters_open=True)
        assert any("The forecast is being computed" in i.value for i in at.info)
        first = [a for a in asked if a[1] != 0]  # the page's projection and history, the band's projection
        assert {k for k, _ in first} == {"projection", "history"}
        asked.clear()
        at.multiselect(key="f_role").select("spouse").run()  # Time to cap's forecasts stay as they were
        assert not at.exception
        assert any("The forecast is being computed" in i.value for i in at.info)
        assert {k for k, _ in asked} == {"projection", "history"}
        assert all(wait == 0 for _, wait in asked), asked
    finally:
        release.set()
    program = programs()[PROGRAM]
    assert warm.forecast_result("projection", program, None, wait=60) is not None
    assert warm.forecast_result("history", program, None, wait=60) is not None
    at.run()
    assert not at.exception
    assert not any("being computed" in i.value or "being replayed" in i.value for i in at.info)
    assert at.session_state["forecasts_pending"] == {}  # done: another snapshot's would be waited for again


def test_a_new_snapshot_s_first_run_does_not_wait_behind_the_old_snapshot_s_warm_up(basic_warehouse, tmp_path,
                                                                                   monkeypatch):
    """After an ingest, the old snapshot's warm-up may still be in a long forecast: the new snapshot's first
    run computes what it needs itself rather than wait behind it, and the old warm-up stops at its next step."""
    warm.clear()
    release, started, warmed = threading.Event(), threading.Event(), []

    def held(root, name, metrics_done):
        warmed.append(name)
        if len(warmed) == 1:  # the old snapshot's: busy (a forecast made along the way, say)
            started.set()
            release.wait(60)
            warmed.append(("superseded", warm._superseded(root, name)))
        metrics_done.set()

    monkeypatch.setattr(warm, "_warm", held)
    old = warehouse.reader().pin()
    warm.ensure()
    assert started.wait(60)
    ingest([write_export(tmp_path / "more.csv", [row("N9", "2023-07-16T12:00:00")])], root=basic_warehouse)
    new = warehouse.reader().pin()
    assert new != old
    assert warm.loading(lambda block: pytest.fail("the first run waited behind the old warm-up")) is False
    release.set()
    warm.ensure()[0].result(60)  # the new snapshot's warm-up still runs, after the old one stopped
    assert warmed == [old, ("superseded", True), new]


OPEN_ROWS = [row("P1", "2023-07-16T09:05:00"), row("P2", "2023-07-16T09:20:00", citizenship="CHN"),
             row("P3", "2023-07-16T09:50:00")]  # cap 5: still open


def _when_full(at) -> tuple[str, list[str]]:
    line = next(m.value for m in at.markdown if "**When full:**" in m.value)
    return line, [c.value for c in at.caption]


def test_the_band_shows_the_forecast_made_before_while_a_new_snapshot_s_is_computed(warehouse_dir, tmp_path,
                                                                                     monkeypatch):
    """During an intake every ingest brings a new forecast: the band neither waits for it nor goes blank, it
    shows the one made on the data before, saying so; it is Time to cap's own forecast (one per snapshot)."""
    monkeypatch.setenv("DASHBOARD_FORECAST_WAIT_SECONDS", "60")
    warm.clear()
    ingest([write_export(tmp_path / "a.csv", OPEN_ROWS)], root=warehouse_dir, now=pd.Timestamp("2023-07-16T14:30Z"))
    at = app_test()
    assert not at.exception
    line, captions = _when_full(at)
    assert "being computed" not in line and not any("Forecast on the data of" in c for c in captions)
    program = programs()[PROGRAM]
    assert warm.forecast_result("projection", program, None, wait=0) is not None  # the page's own, shared

    release = threading.Event()
    original = warm.KINDS["projection"]
    monkeypatch.setitem(warm.KINDS, "projection", lambda *a: (release.wait(60), original(*a))[1])
    ingest([write_export(tmp_path / "b.csv", [row("P4", "2023-07-16T10:35:00")])], root=warehouse_dir,
           now=pd.Timestamp("2023-07-16T14:45Z"))
    try:
        held = app_test()
        assert not held.exception
        held_line, captions = _when_full(held)
        assert held_line == line  # the range made on the data of 10:30, not "being computed"
        assert any("Forecast on the data of Sun 16 Jul 2023, 10:30 EDT; the new one shows on the next refresh."
                   in c for c in captions), captions
    finally:
        release.set()
    warehouse.reader().pin()
    assert warm.forecast_result("projection", program, None, wait=60) is not None
    later = app_test()
    assert not any("Forecast on the data of" in c for c in _when_full(later)[1])


def test_a_queued_forecast_is_skipped_once_newer_data_s_is_asked(warehouse_dir, tmp_path):
    """Snapshots can come faster than forecasts (a live replay): the forecast thread computes the newest."""
    warm.clear()
    ingest([write_export(tmp_path / "a.csv", OPEN_ROWS)], root=warehouse_dir, now=pd.Timestamp("2023-07-16T14:30Z"))
    program = programs()[PROGRAM]
    busy = threading.Event()
    warm._forecasts.submit(busy.wait, 60)  # the forecast thread is busy with something else
    try:
        warehouse.reader().pin()
        assert warm.forecast_result("projection", program, None, wait=0) is None  # queued
        ingest([write_export(tmp_path / "b.csv", [row("P4", "2023-07-16T10:35:00")])], root=warehouse_dir,
               now=pd.Timestamp("2023-07-16T14:45Z"))
        warehouse.reader().pin()
        assert warm.forecast_result("projection", program, None, wait=0) is None  # queued behind the older
    finally:
        busy.set()
    newer = warm.forecast_result("projection", program, None, wait=60)
    assert newer is not None
    made, latest = warm.latest_forecast("projection", program, None)
    assert latest is newer and made == pd.Timestamp("2023-07-16T14:45Z")
    assert len(warm._results) == 1  # the older snapshot's was never computed


def test_a_forecast_is_not_skipped_for_another_warehouse_s_newer_data(warehouse_dir, tmp_path, monkeypatch):
    """One process may read several warehouses (a test run does): newer data of the same program in another
    warehouse does not make this one's forecast "superseded" (the clean-clone run of session 8 caught it)."""
    warm.clear()
    other = tmp_path / "other"
    ingest([write_export(tmp_path / "b.csv", OPEN_ROWS)], root=other, now=pd.Timestamp("2023-07-16T14:45Z"))
    ingest([write_export(tmp_path / "a.csv", OPEN_ROWS)], root=warehouse_dir, now=pd.Timestamp("2023-07-16T14:30Z"))
    program = programs()[PROGRAM]
    monkeypatch.setenv("DASHBOARD_WAREHOUSE", str(other))
    warehouse.reader().pin()
    assert warm.forecast_result("projection", program, None, wait=60) is not None
    monkeypatch.setenv("DASHBOARD_WAREHOUSE", str(warehouse_dir))
    warehouse.reader().pin()
    assert warm.forecast_result("projection", program, None, wait=60) is not None
    made, _ = warm.latest_forecast("projection", program, None)
    assert made == pd.Timestamp("2023-07-16T14:30Z")
