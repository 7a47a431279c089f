"""Figures built once and reused: a rerun that changed nothing builds no plotly figure.

Building a figure through plotly's graph_objects (validation of every property, add_vline's shapes,
update_layout) was about two thirds of an Overview rerun's server time (issue 17). A figure is
determined by the snapshot the run reads, the filters, the language, publication mode and the page's
own choices (grain, countries shown, year...), so it is cached on exactly those and built once.

    fig = ui.figure("cumulative", lambda: charts.cumulative_chart(...), top_n)   # extra key parts

What is cached is the figure as plain JSON (a FrozenFigure): Streamlit's st.plotly_chart only calls
a figure's to_dict() and then serialises it without validation, so a cached figure costs a rerun one
json.dumps of plain lists and strings, no deep copy and no validation. The cache is process-wide
(every session shares it: two people on the same filters see the same figure), bounded in memory
(DASHBOARD_FIGURE_CACHE_MB, default 64, estimated from each figure's JSON), least recently used out first.
DASHBOARD_FIGURE_CACHE=0 turns it off (bench/rerun.py measures the rerun with and without it).
ui.memo keeps other things a page derives from its rows the same way (a table of formatted times).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dashboard.filters import Filters
from dashboard.i18n import language
from dashboard.ui.cache import _snapshot_key
from dashboard.ui.publication import publication
from dashboard.ui.state import current_filters


class FrozenFigure(go.Figure):
    """A built figure kept as its JSON: to_dict() returns it as is (no deep copy, no validation).

    Read-only: it is shared by every session that shows it. Its layout and data attributes are empty;
    use to_dict() to inspect it."""

    def __init__(self, spec: dict):
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec


_lock = threading.Lock()
T = TypeVar("T")
_figures: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
_size = 0
builds: Counter[str] = Counter()  # figures built, by name (tests count them; a hit builds nothing)


def enabled() -> bool:
    return os.environ.get("DASHBOARD_FIGURE_CACHE", "1").strip().lower() not in {"0", "false", "no", "off"}


def budget_bytes() -> int:
    try:
        return max(1, int(float(os.environ.get("DASHBOARD_FIGURE_CACHE_MB", "64")) * 1024 * 1024))
    except ValueError:
        return 64 * 1024 * 1024


# The memory a figure's JSON takes once loaded as Python lists and dicts, per character of the JSON
# (tracemalloc: 3.0 for the demo's cumulative chart of 1,818 points).
JSON_TO_MEMORY = 3


def freeze(fig: go.Figure) -> tuple[FrozenFigure, int]:
    """The figure as plain JSON (lists, strings, numbers: NaN as null) and its estimated memory in bytes."""
    text = pio.to_json(fig, validate=False)
    return FrozenFigure(json.loads(text)), JSON_TO_MEMORY * len(text)


def figure(name: str, build: Callable[[], go.Figure], *parts: Hashable, f: Filters | None = None) -> go.Figure:
    """The figure `build()` makes, built once per (snapshot, filters, language, publication mode, name,
    parts). `parts` are whatever else the figure depends on (a grain, a year, how many countries);
    `f` the filters its rows were read with, when not the sidebar's (a program-wide chart)."""
    return _cached(name, lambda: freeze(build()), parts, f)


def memo(name: str, build: Callable[[], T], *parts: Hashable, f: Filters | None = None) -> T:
    """Like figure() for anything else a page derives from its rows and shows as is (a table of
    formatted text, say): built once per the same key, shared by every session, so never to be changed."""
    return _cached(name, lambda: _sized(build()), parts, f)


def _sized(value) -> tuple[object, int]:
    if isinstance(value, pd.DataFrame):
        return value, int(value.memory_usage(deep=True).sum())
    return value, sys.getsizeof(value)


def _cached(name: str, build: Callable[[], tuple[object, int]], parts: tuple, f: Filters | None):
    global _size
    if not enabled():
        builds[name] += 1
        value, _ = build()
        return value
    key = (name, _snapshot_key(), (f or current_filters()).key(), language(), publication(), parts)
    with _lock:
        hit = _figures.get(key)
        if hit is not None:
            _figures.move_to_end(key)
            return hit[0]
    builds[name] += 1
    value, size = build()
    with _lock:
        if key not in _figures:
            _figures[key] = (value, size)
            _size += size
        budget = budget_bytes()
        while _size > budget and len(_figures) > 1:
            _, (_, dropped) = _figures.popitem(last=False)
            _size -= dropped
    return value


def clear() -> None:
    """Forget every cached figure (bench/rerun.py's "new filters" case; tests)."""
    global _size
    with _lock:
        _figures.clear()
        _size = 0


def cached_bytes() -> int:
    return _size
