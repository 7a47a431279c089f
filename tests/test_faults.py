"""Short versions of the fault trials (`make reliability` runs the long ones: bench/reliability.py, and
the tests marked slow here). `make test` runs a smoke version of each, sized by counts, not by time.

- Crash safety: SIGKILL an ingest at random moments; the warehouse opens and holds the snapshot
  before or the one after, never a mix, and takes the next ingest.
- Ingest while people view: browsers keep reloading while ingests run; no page shows an error or
  half an ingest (its headline numbers all belong to one snapshot).
- Load: a few websocket-protocol sessions change filters on one server; none fails.
"""

from __future__ import annotations

import pytest

from bench import reliability
from bench.load import run_load


@pytest.mark.parametrize("trials", [pytest.param(1, id="smoke"), pytest.param(2, marks=pytest.mark.slow, id="two")])
def test_killing_an_ingest_at_random_moments_leaves_a_whole_snapshot(tmp_path, trials):
    summary = reliability.crash_trials(trials, base_principals=100, batch_principals=30, parent=tmp_path,
                                       log=lambda _: None)
    outcomes = [(r["outcome"], r["opens"]) for r in summary["results"]]
    # `trials` kills of a running ingest; an ingest that ended before its kill is an attempt more (it failed
    # here as a second outcome, "assert 2 == 1", when the first kill came after the ingest had finished)
    assert summary["killed"] == trials
    assert summary["attempts"] == len(outcomes) == trials + sum(r["phase"] == "finished" for r in summary["results"])
    assert all(o in {("before", True), ("after", True)} for o in outcomes), summary["results"]
    assert summary["mixed_or_unopenable"] == 0
    assert summary["ingest_afterwards_exit_code"] == 0
    assert summary["leftovers_after_next_ingest"] == []


def test_killing_a_bench_intake_ingest_leaves_before_or_after(tmp_path):
    """The 10M trial of `make reliability` (crash-big), at 2,000 rows and two kills: the bench intake
    goes through the engine path (DuckDB reads it), so a kill lands in its read, its checks or its merge."""
    summary = reliability.big_crash_trials(2_000, 2, work=tmp_path, log=lambda _: None)
    assert summary["killed"] + sum(r["phase"] == "finished" for r in summary["results"]) == summary["attempts"] >= 2
    assert all((r["outcome"], r["opens"]) in {("before", True), ("after", True)} for r in summary["results"])
    assert summary["mixed_or_unopenable"] == 0
    assert summary["ingest_afterwards_exit_code"] == 0
    assert summary["leftovers_after_next_ingest"] == []


@pytest.mark.browser
@pytest.mark.parametrize("sessions, ingests", [pytest.param(1, 2, id="smoke"),
                                               pytest.param(2, 3, marks=pytest.mark.slow, id="two-by-three")])
def test_pages_drawn_during_ingests_show_whole_snapshots_and_no_error(tmp_path, sessions, ingests):
    # no pause after an ingest (gap_s): the next one waits on the condition instead, every session having
    # drawn the page since; the pause only added page loads while no ingest ran
    summary = reliability.ingest_while_viewing(sessions, ingests, gap_s=0.0, parent=tmp_path, log=lambda _: None)
    assert (summary["ingest_failures"], summary["error_count"], summary["went_back"]) == (0, 0, 0), summary["errors"]
    assert summary["loads"] >= sessions
    assert summary["states_seen"] and set(summary["states_seen"]) <= set(range(ingests + 1))


def _load(tmp_path, **kwargs) -> dict:
    with reliability.site(tmp_path) as s:
        base = reliability.write_csv(s.folder / "base.csv",
                                     reliability.batch("B", 50, 20, reliability.OPENS, reliability.random.Random(1)))
        assert reliability.run_ingest(s, base).returncode == 0
        with reliability.server(s) as srv:
            return run_load(srv.url, srv.proc.pid, seed=1, warmup=2, **kwargs)


def test_concurrent_sessions_changing_filters_do_not_fail_smoke(tmp_path):
    """Two sessions, two filter changes each: a fixed amount of work, however fast the machine is."""
    result = _load(tmp_path, sessions=2, seconds=300, think=(0.05, 0.2), changes=2)
    assert result["failed_sessions"] == 0, result["failures"]
    assert result["filter_changes"] == 4
    assert result["pages_visited"] == ["overview", "velocity"]  # each session starts on another main page
    assert result["memory_peak_mb"] > 0


@pytest.mark.slow
def test_concurrent_sessions_changing_filters_do_not_fail(tmp_path):
    result = _load(tmp_path, sessions=3, seconds=8, think=(0.2, 0.6))
    assert result["failed_sessions"] == 0, result["failures"]
    assert result["filter_changes"] > 0
    assert result["memory_peak_mb"] > 0
