"""Cached metrics: a metric's rows per filters and per published snapshot, and what the run stands on."""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import extract, metrics, warehouse
from dashboard.filters import Filters
from dashboard.programs import Program


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_metric(name: str, key: tuple, snapshot: str | None, kwargs: tuple, _f: Filters) -> pd.DataFrame:
    return metrics.METRICS[name](_f, **dict(kwargs))


# In front of st.cache_data, the frames themselves, shared by every session of this process: a hit in
# st.cache_data hashes its arguments and unpickles a copy of the frame on every call, ~10 % of the
# server's time under 20 sessions (py-spy, docs/performance.md "Many sessions"). Each caller gets a
# shallow copy (pandas copy-on-write: changing it never changes the shared frame; attrs are copied).
_FRONT_ENTRIES = 512
_front: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_front_lock = threading.Lock()


# Metrics that read the program and the as-of moment only (their SQL binds no other filter: tests/
# test_figure_cache.py checks the files): cached once per program and moment, not once per filter setting
# (the Overview and Velocity asked cap_status again on every filter change, ~10 ms of DuckDB each).
PROGRAM_WIDE = frozenset({"cap_status", "counting_times", "counting_arrivals"})


def run_metric(name: str, f: Filters, **kwargs) -> pd.DataFrame:
    """A metric's rows, cached per filters and per published snapshot (a new ingest invalidates)."""
    if name in PROGRAM_WIDE:
        f = Filters(f.program_id, as_of=f.as_of)
    key = (name, f.key(), _snapshot_key(), tuple(sorted(kwargs.items())))
    with _front_lock:
        hit = _front.get(key)
        if hit is not None:
            _front.move_to_end(key)
    if hit is None:
        hit = _cached_metric(*key, f)
        with _front_lock:
            _front[key] = hit
            while len(_front) > _FRONT_ENTRIES:
                _front.popitem(last=False)
    return hit.copy(deep=False)


def clear_front() -> None:
    """Forget the frames kept in front of st.cache_data (st.cache_data.clear() does not reach them)."""
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


def pin_snapshot() -> None:
    """Make the rest of this script run read the snapshot that is current now (see warehouse.Reader.pin);
    the page's live parts read the same one (ui.page.live)."""
    with contextlib.suppress(warehouse.NoWarehouse):
        st.session_state[SNAPSHOT_SHOWN] = warehouse.reader().pin()


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
