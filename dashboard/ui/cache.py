"""Cached metrics: a metric's rows per filters and per published snapshot, and what the run stands on."""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import pandas as pd
import streamlit as st

from dashboard import extract, metrics, warehouse
from dashboard.filters import Filters
from dashboard.programs import Program

T = TypeVar("T")

# The frames themselves, shared by every session of this process (the only copy: st.cache_data, once
# behind it, hashed its arguments and unpickled a copy of the frame on every hit, ~10 % of the server's
# time under 20 sessions (py-spy, docs/performance.md "Many sessions"), and pickled every new frame a
# second time into memory: 18 MB for counting_times at 10M rows; issue 17). Each caller gets a shallow
# copy (pandas copy-on-write: changing it never changes the shared frame; attrs are copied).
_FRONT_ENTRIES = 512
_front: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_front_lock = threading.Lock()


# Metrics that read the program and the as-of moment only (their SQL binds no other filter: tests/
# test_figure_cache.py checks the files): cached once per program and moment, not once per filter setting
# (the Overview and Velocity asked cap_status again on every filter change, ~10 ms of DuckDB each).
PROGRAM_WIDE = frozenset({"cap_status", "counting_times", "counting_arrivals"})


class _Flight:
    """One computation under way, which other threads asking for the same thing wait for."""

    __slots__ = ("done", "error", "value")
    new_event = threading.Event  # (a test watches who waits)

    def __init__(self):
        self.done = self.new_event()
        self.value = None
        self.error: BaseException | None = None


_flights: dict[tuple, _Flight] = {}
_flights_lock = threading.Lock()


def single_flight(key: tuple, compute: Callable[[], T], lookup: Callable[[], T | None] = lambda: None) -> T:
    """compute() once for `key`, however many threads ask for it at the same time: the first computes,
    the others wait for it and get the same value (twenty people arriving together on a cold server ran
    the same query twenty times: issue 17). `lookup()` gives the value if it is already kept, so a thread
    arriving just after the computation ended finds it instead of computing again; `compute` keeps it
    before returning. If the computation fails, a waiting thread tries on its own (and meets its own error)."""
    with _flights_lock:
        flight = _flights.get(key)
        owner = flight is None
        if owner:
            flight = _flights[key] = _Flight()
    if not owner:
        flight.done.wait()
        return flight.value if flight.error is None else compute()
    try:
        kept = lookup()
        flight.value = kept if kept is not None else compute()
        return flight.value
    except BaseException as exc:
        flight.error = exc
        raise
    finally:
        with _flights_lock:
            _flights.pop(key, None)
        flight.done.set()


def in_flight(key: tuple) -> bool:
    with _flights_lock:
        return key in _flights


def metric_key(name: str, f: Filters, kwargs: dict) -> tuple[tuple, Filters]:
    """run_metric's cache key for the snapshot this thread reads, and the filters the metric runs with."""
    if name in PROGRAM_WIDE:
        f = Filters(f.program_id, as_of=f.as_of)
    return (name, f.key(), _snapshot_key(), tuple(sorted(kwargs.items()))), f


def _front_get(key: tuple) -> pd.DataFrame | None:
    with _front_lock:
        hit = _front.get(key)
        if hit is not None:
            _front.move_to_end(key)
        return hit


def _front_put(key: tuple, frame: pd.DataFrame) -> pd.DataFrame:
    with _front_lock:
        _front[key] = frame
        while len(_front) > _FRONT_ENTRIES:
            _front.popitem(last=False)
    return frame


# What sessions asked with the filters untouched (a program and nothing else): the warm-up of the next
# snapshot computes the same (ui.warm), beside its own list. Bounded: the most recent kept.
_UNFILTERED_KEPT = 64
unfiltered_asked: OrderedDict[tuple[str, str, tuple], None] = OrderedDict()


def run_metric(name: str, f: Filters, **kwargs) -> pd.DataFrame:
    """A metric's rows, cached per filters and per published snapshot (a new ingest invalidates).
    Computed once for everyone: a session asking while another (or the warm-up, ui.warm) is computing
    the same rows waits for them. No streamlit: ui.warm's thread calls it too."""
    key, f = metric_key(name, f, kwargs)
    hit = _front_get(key)
    if hit is None:
        hit = single_flight(("metric", *key), lambda: _front_put(key, metrics.METRICS[name](f, **kwargs)),
                            lambda: _front_get(key))
    if f == Filters(f.program_id) and f.program_id:
        with _front_lock:
            unfiltered_asked[(name, f.program_id, key[3])] = None
            unfiltered_asked.move_to_end((name, f.program_id, key[3]))
            while len(unfiltered_asked) > _UNFILTERED_KEPT:
                unfiltered_asked.popitem(last=False)
    return hit.copy(deep=False)


def clear_front() -> None:
    """Forget the metrics' frames kept (st.cache_data.clear() does not reach them)."""
    with _front_lock:
        _front.clear()


def _snapshot_key() -> str:
    """The snapshot this run reads, as a cache key: a new ingest invalidates what was cached."""
    r = warehouse.reader()
    return f"{r.root}/{r.snapshot_name}"


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_preview(name: str, key: tuple, snapshot: str | None, limit: int, kwargs: tuple,
                    _f: Filters) -> tuple[pd.DataFrame, int]:
    return metrics.preview(name, _f, limit, **dict(kwargs))


def run_preview(name: str, f: Filters, limit: int, **kwargs) -> tuple[pd.DataFrame, int]:
    """A metric's first `limit` rows and its number of rows (metrics.preview), cached like run_metric."""
    return _cached_preview(name, f.key(), _snapshot_key(), limit, tuple(sorted(kwargs.items())), f)


SNAPSHOT_SHOWN = "snapshot_shown"


def pin_snapshot(name: str | None = None) -> None:
    """Make the rest of this script run read the snapshot that is current now, or snapshot `name` (the
    page's, in a fragment's own rerun; see warehouse.Reader.pin); the page's live parts read the same one
    (ui.page.live)."""
    with contextlib.suppress(warehouse.NoWarehouse):
        st.session_state[SNAPSHOT_SHOWN] = warehouse.reader().pin(name)


def data_version(program_id: str) -> dict:
    return extract.data_version(program_id, run_metric("data_freshness", Filters(program_id)))


def refresh_seconds() -> float:
    """How often open pages re-read their headline figures by themselves, so that an ingest shows up
    without a reload (DASHBOARD_REFRESH_SECONDS, default 10)."""
    try:
        return max(1.0, float(os.environ.get("DASHBOARD_REFRESH_SECONDS", "10")))
    except ValueError:
        return 10.0


def data_moment(f: Filters, program: Program) -> datetime:
    """The moment the figures stand at: the "as of" moment, or with the latest data the moment the data
    are complete up to (the last ingest, never later than now), in the program's zone. The Overview's
    status and the forecast both stand there, so "open, 3 h since opening" and the forecast agree."""
    now = warehouse.now_utc().astimezone(program.tz)
    if f.as_of is not None:
        return min(f.as_of, now)
    row = run_metric("data_freshness", Filters(program.id)).iloc[0]
    known = [v.to_pydatetime() for v in (row["last_ingest_at"], row["latest_submission"]) if not pd.isna(v)]
    return min(max(known), now).astimezone(program.tz) if known else now


def data_digest(df: pd.DataFrame) -> str:
    """A short fingerprint of a frame's rows, to key a cache on what the data are."""
    return f"{len(df)}-{int(pd.util.hash_pandas_object(df, index=False).sum()) & 0xFFFFFFFFFFFF:x}"
