"""Program-wide results computed once per snapshot, in one background thread, for every session (issue 17).

Twenty people arriving within seconds on a server whose caches were cold each ran the first queries of
their page at the same time, and each its own Time to cap forecast: at 10M application rows every first
run passed a minute. Now, when a server process sees a new snapshot (its first run, an ingest published,
or at start-up: dashboard/serve.py's lifespan watches the warehouse folder), one thread of the process
computes what every first run needs with the filters untouched, once:

    the metrics of SEED for each program with data, and those sessions asked unfiltered on the snapshot
    before (ui.cache.unfiltered_asked), into the cache ui.run_metric reads; then Time to cap's
    forecasts (the headline band's, the page's, the forecasts made along the way) at the moment the data
    stand at.

A session arriving meanwhile waits for the same computation (ui.cache.single_flight) under a spinner
(app.py: loading()), never starting its own. A forecast is computed off the request path, once per
(snapshot, program, as-of, moment): forecast_result() waits for it at most DASHBOARD_FORECAST_WAIT_SECONDS
(default 10; the history, which redraws itself when done, at most 5 s) and otherwise gives None, so the page
says it is being computed and shows the rest. The headline band and the Time to cap page read the same
forecast; the band does not wait for a new snapshot's: latest_forecast() gives the one made on the data
before, which the band shows with its moment. A forecast still queued when a newer one of the same kind,
program and filters is asked is not computed (during a live replay, snapshots come faster than forecasts).
DASHBOARD_WARM=0 turns the warm-up off (forecasts are still computed off the request path).
No streamlit here: the thread has no script run (ui.cache.run_metric, which the thread calls, uses none).
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from pathlib import Path

from dashboard import disclosure, forecast, signin, warehouse
from dashboard.filters import Filters
from dashboard.metrics import milestone_step
from dashboard.programs import Program, programs
from dashboard.ui import cache

log = logging.getLogger("dashboard")

# What the first run of each main page asks with the filters untouched (tests/test_warm.py checks that an
# Overview, Velocity, Country and Time to cap visit asks nothing else unfiltered): name, keyword arguments.
SEED: tuple[tuple[str, dict], ...] = (
    ("data_freshness", {}), ("countries_present", {}), ("cap_status", {}), ("counting_times", {}),
    ("cumulative_principals", {}), ("applications_by_role_status", {}), ("arrivals_by_interval", {"minutes": 60}),
    ("applications_by_citizenship", {"top_n": 3}), ("applications_by_citizenship", {"top_n": 10}),
    ("arrival_rate", {}), ("milestones", {}), ("tables_present", {}),
)


def _seed(program: Program) -> list[tuple[str, dict]]:
    """SEED, and the milestones as the Velocity page asks them in publication mode (real records)."""
    return [*SEED, ("milestones", {"step": disclosure.publishable_step(milestone_step(program.cap))})]
FAN_POINTS = 24  # the Time to cap page's fan chart

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-warm")
# The forecasts a page asks for run on their own thread, never queued behind a warm-up (an old snapshot's
# forecasts made along the way can take many seconds, and cannot be stopped halfway).
_forecasts = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-forecast")
_lock = threading.Lock()
_warmups: OrderedDict[str, tuple[Future, threading.Event]] = OrderedDict()  # snapshot key -> (all, metrics done)
# The snapshot whose warm-up is wanted now: a warm-up of any other (an older snapshot of this warehouse, or, in
# a test process, another test's warehouse) stops at its next step, and one still queued never starts, so a
# new snapshot's first runs never wait behind an old snapshot's forecasts.
_current: list[str] = [""]
_KEPT = 16
runs: list[str] = []  # the snapshots warmed in this process, in order (tests count them)


def enabled() -> bool:
    return os.environ.get("DASHBOARD_WARM", "1").strip().lower() not in {"0", "false", "no", "off"}


def wait_seconds(kind: str = "projection") -> float:
    """How long a page run waits for a forecast still being computed before saying so."""
    try:
        wait = max(0.0, float(os.environ.get("DASHBOARD_FORECAST_WAIT_SECONDS", "10")))
    except ValueError:
        wait = 10.0
    return min(wait, 5.0) if kind == "history" else wait


def ensure() -> tuple[Future, threading.Event] | None:
    """Start warming the snapshot this thread reads, unless this process has already (once per snapshot)."""
    if not enabled():
        return None
    r = warehouse.reader()
    name = r.snapshot_name
    if name is None:
        return None
    key = f"{r.root}/{name}"
    with _lock:
        got = _warmups.get(key)
        if got is None:
            _current[0] = key
            for older, (fut, _done) in _warmups.items():
                if older != key:
                    fut.cancel()  # queued, not started: never runs (a running one stops: _superseded)
            metrics_done = threading.Event()
            got = _warmups[key] = (_executor.submit(_warm, r.root, name, metrics_done), metrics_done)
            while len(_warmups) > _KEPT:
                _warmups.popitem(last=False)
    return got


def loading(wait: Callable[[Callable[[], None]], None] = lambda block: block(), timeout: float = 120.0) -> bool:
    """Start the warm-up of this run's snapshot if it is new, and if its metrics are still being computed,
    wait for them (at most `timeout`) inside `wait` (app.py passes a spinner). True if it waited."""
    got = ensure()
    if got is None or got[1].is_set() or got[0].cancelled():
        return False
    with _lock:
        behind = any(fut.running() for fut, _done in _warmups.values() if fut is not got[0])
    if behind:  # queued behind another snapshot's warm-up (it stops at its next step): the run computes its own
        return False
    wait(lambda: got[1].wait(timeout))
    return True


def _superseded(root: Path, name: str) -> bool:
    return _current[0] != f"{root}/{name}"


def _warm(root: Path, name: str, metrics_done: threading.Event) -> None:
    started, cpu = time.perf_counter(), time.thread_time()
    try:
        reader = warehouse.reader(root)
        reader.pin(name)
        signin.all_records_synthetic()  # the gate of every first run asks it
        loaded = cache.run_metric("programs_loaded", Filters(""))["program_id"].tolist()
        known = programs()
        wanted = [(p, n, dict(kw)) for p in loaded if p in known for n, kw in _seed(known[p])]
        with cache._front_lock:
            wanted += [(p, n, dict(kw)) for n, p, kw in cache.unfiltered_asked if p in loaded]
        done = set()
        for p, n, kw in wanted:
            if _superseded(root, name):
                return
            if (p, n, tuple(sorted(kw.items()))) in done:
                continue
            done.add((p, n, tuple(sorted(kw.items()))))
            try:
                cache.run_metric(n, Filters(p), **kw)
            except Exception:  # noqa: BLE001 - a session asking it meets the error itself
                log.exception("warm-up of %s for %s failed", n, p)
        metrics_done.set()
        for p in loaded:
            if p in known:
                for kind in ("projection", "history"):
                    if _superseded(root, name):
                        return
                    try:
                        forecast_result(kind, known[p], None, in_background=False)
                    except Exception:  # noqa: BLE001
                        log.exception("warm-up of the %s forecast for %s failed", kind, p)
        runs.append(f"{root}/{name}")
        log.info("warmed snapshot %s in %.1f s (%.1f s CPU)", name, time.perf_counter() - started,
                 time.thread_time() - cpu)
    finally:
        metrics_done.set()


def watch(every: float = 2.0) -> threading.Thread:
    """A thread that warms each snapshot as soon as it is published (the server's start-up: serve.py)."""
    def loop() -> None:
        while True:
            try:
                warehouse.reader().pin()  # this thread reads the current snapshot
                ensure()
            except warehouse.NoWarehouse:
                pass
            except Exception:  # noqa: BLE001 - watching goes on
                log.exception("watching for new snapshots failed")
            time.sleep(every)

    thread = threading.Thread(target=loop, name="dashboard-warm-watch", daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------- forecasts off the request path

def _times(program: Program, f: Filters):
    return cache.run_metric("counting_times", f)["submitted_at"]


def _projection(program: Program, f: Filters, moment: datetime) -> forecast.CapProjection:
    return forecast.project_cap(_times(program, f), program.cap, moment, opens_at=program.opens_at,
                                closes_at=program.closes_at, fan_points=FAN_POINTS, accepts=program.accepts)


def _history(program: Program, f: Filters, moment: datetime) -> list[tuple[datetime, forecast.CapProjection]]:
    return forecast.forecast_history(_times(program, f), program.cap, moment, opens_at=program.opens_at,
                                     closes_at=program.closes_at, accepts=program.accepts)


KINDS: dict[str, Callable] = {"projection": _projection, "history": _history}
_results: OrderedDict[tuple, object] = OrderedDict()
_pending: dict[tuple, Future] = {}
# (kind, program, filters) -> the latest moment asked for, and the last forecast made: (moment, result)
_asked: OrderedDict[tuple, datetime] = OrderedDict()
_latest: OrderedDict[tuple, tuple[datetime, object]] = OrderedDict()
_RESULTS_KEPT = 64


def forecast_result(kind: str, program: Program, as_of: datetime | None, *, wait: float | None = None,
                    in_background: bool = True):
    """The Time to cap forecast of `kind` (projection: the page's and the headline band's, with its fan;
    history: the forecasts made along the way) for the program at the "as of" filter `as_of`, computed
    once per snapshot and moment for everyone, off the request path: None if it is still being computed
    after `wait` seconds (default wait_seconds(kind)). Errors in the computation are raised here."""
    f = Filters(program.id, as_of=as_of)
    moment = cache.data_moment(f, program)
    key = (kind, cache._snapshot_key(), program.id, f.key(), moment.isoformat())
    with _lock:
        series = _series(key)
        if series not in _asked or moment > _asked[series]:
            _asked[series] = moment
            _asked.move_to_end(series)
            _keep(_asked)
        if key in _results:
            _results.move_to_end(key)
            return _results[key]
        fut = _pending.get(key)
        owner = fut is None
        if owner:
            fut = _pending[key] = Future()
    if owner:
        if in_background:
            _forecasts.submit(contextvars.copy_context().run, _fill, fut, key, kind, program, f, moment)
        else:
            _fill(fut, key, kind, program, f, moment)
    try:
        return fut.result(timeout=wait_seconds(kind) if wait is None else wait)
    except FutureTimeout:
        return None


def _series(key: tuple) -> tuple:
    """What a forecast's key names but the snapshot and the moment: kind, warehouse, program, filters (one
    process may read several warehouses: a test run does). The warehouse is the snapshot key's folder
    (cache._snapshot_key: "<root>/<snapshot>"), so forecast_result and latest_forecast agree on it."""
    return key[0], key[1].rpartition("/")[0], key[2], key[3]


def _keep(kept: OrderedDict) -> None:
    while len(kept) > _RESULTS_KEPT:
        kept.popitem(last=False)


def latest_forecast(kind: str, program: Program, as_of: datetime | None) -> tuple[datetime, object] | None:
    """The last forecast of `kind` made for the program and "as of" filter on any snapshot, with the moment
    its data stood at (the band shows it while the current snapshot's is computed), or None."""
    with _lock:
        return _latest.get(_series((kind, cache._snapshot_key(), program.id, Filters(program.id, as_of=as_of).key())))


def _fill(fut: Future, key: tuple, kind: str, program: Program, f: Filters, moment: datetime) -> None:
    with _lock:
        superseded = _asked.get(_series(key), moment) > moment
        if superseded:  # newer data's is wanted: whoever waits for this one meets None, as for a slow one
            _pending.pop(key, None)
    if superseded:
        fut.set_result(None)
        return
    try:
        value = KINDS[kind](program, f, moment)
    except BaseException as exc:  # noqa: BLE001 - given to whoever waits for it
        with _lock:
            _pending.pop(key, None)
        fut.set_exception(exc)
        return
    with _lock:
        _results[key] = value
        series = _series(key)
        if series not in _latest or _latest[series][0] <= moment:
            _latest[series] = (moment, value)
            _latest.move_to_end(series)
            _keep(_latest)
        while len(_results) > _RESULTS_KEPT:
            _results.popitem(last=False)
        _pending.pop(key, None)
    fut.set_result(value)


def clear() -> None:
    """Forget the warm-ups and forecasts of this process (tests)."""
    with _lock:
        for fut, _done in _warmups.values():
            fut.cancel()
        _current[0] = ""  # a warm-up still running stops at its next step
        _warmups.clear()
        _results.clear()
        _asked.clear()
        _latest.clear()
        runs.clear()
