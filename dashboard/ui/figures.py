"""Figures built once and reused: a rerun that changed nothing builds no plotly figure.

Building a figure through plotly's graph_objects (validation of every property, add_vline's shapes,
update_layout) was about two thirds of an Overview rerun's server time (issue 17). A figure is
determined by the snapshot the run reads, the filters, the language, publication mode and the page's
own choices (grain, countries shown, year...), so it is cached on exactly those and built once.

    fig = ui.figure("cumulative", lambda: charts.cumulative_chart(...), top_n)   # extra key parts

What is cached is the figure's JSON text (a FrozenFigure): Streamlit's st.plotly_chart calls a figure's
to_dict() and then plotly.io.to_json(that dict, validate=False); the dict a FrozenFigure gives is marked,
and plotly.io.to_json gives back the text it was made from instead of encoding it again (plotly's encoder
makes up to three passes over the JSON: a 550 KB chart cost 20-50 ms on every rerun). So a cached figure
costs a rerun no validation, no deep copy and no encoding. The cache is process-wide
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

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64

from dashboard import charts
from dashboard.filters import Filters
from dashboard.i18n import language
from dashboard.ui.cache import _snapshot_key, single_flight
from dashboard.ui.publication import publication
from dashboard.ui.state import current_filters


class _Spec(dict):
    """A frozen figure's JSON as dicts, with the text it was parsed from (`text`)."""

    __slots__ = ("text",)


class FrozenFigure(go.Figure):
    """A built figure kept as its JSON text: to_dict() returns it parsed (once, no copy afterwards, no
    validation), and plotly.io.to_json() of that dict returns the text itself.

    Read-only: it is shared by every session that shows it. It is not a working graph_objects figure
    (plotly's constructor, which copies the default template, is never run: ~1 ms, and more under load);
    use to_dict() to inspect it."""

    def __init__(self, text: str):  # noqa: D107 - go.Figure.__init__ deliberately not called (see above)
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_spec", None)

    def to_dict(self) -> dict:
        if self._spec is None:
            spec = _Spec(json.loads(self._text))
            spec.text = self._text
            object.__setattr__(self, "_spec", spec)
        return self._spec

    def to_plotly_json(self) -> dict:
        return self.to_dict()

    def to_json(self, *args, **kwargs) -> str:
        return self._text if not args and not kwargs else _plotly_to_json(self.to_dict(), *args, **kwargs)

    def __repr__(self) -> str:
        return f"FrozenFigure({len(self._text):,} characters of JSON)"


_plotly_to_json = pio.to_json


def _to_json(fig, validate=True, pretty=False, remove_uids=True, engine=None):
    """plotly.io.to_json, giving a frozen figure's own text back (what st.plotly_chart would encode again)."""
    if type(fig) is _Spec and not pretty and engine is None:
        return fig.text
    return _plotly_to_json(fig, validate=validate, pretty=pretty, remove_uids=remove_uids, engine=engine)


pio.to_json = _to_json  # st.plotly_chart calls plotly.io.to_json(fig.to_dict(), validate=False) on every run


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
    """The figure as its JSON text (NaN as null) and its estimated memory in bytes (the text, and the dicts
    it is parsed into when Streamlit asks for them)."""
    text = _plotly_to_json(_json_ready(fig), validate=False)
    return FrozenFigure(text), (JSON_TO_MEMORY + 1) * len(text)


def _json_ready(fig: go.Figure) -> dict:
    """What fig.to_dict() gives, without changing the figure: to_dict() deep-copies every trace's
    arrays and the default template and walks the template for arrays to encode, which was a third of the cost
    of freezing a figure (issue 17). Here the dicts and lists are copied (plotly's base64 encoding replaces
    arrays inside them), arrays and values are shared, and the template, which holds no array, is put back
    as it is, in its place (the same JSON text: tests/test_figure_cache.py)."""
    if not isinstance(fig, go.Figure) or type(fig) is FrozenFigure:
        return fig
    data = [_structure(trace) for trace in fig._data]
    rest = {k: _structure(v) for k, v in fig._layout.items() if k != "template"}
    convert_to_base64(data)
    convert_to_base64(rest)
    _dates_as_text(data, {})
    spec = {"data": data, "layout": {k: fig._layout[k] if k == "template" else rest[k] for k in fig._layout}}
    if fig._frame_objs:
        spec["frames"] = frames = [_structure(frame._props) for frame in fig._frame_objs]
        convert_to_base64(frames)
    return spec


def _dates_as_text(value, seen: dict) -> None:
    """Replace each datetime64 array inside `value` by the ISO text plotly's encoder writes for it
    (numpy.datetime_as_string, PlotlyJSONEncoder.encode_as_numpy), converting equal arrays once: the traces
    of a chart often share their x values (Velocity's two series of 8,600 hours: 5.6 ms a conversion)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, v in items:
        if isinstance(v, np.ndarray) and v.dtype.kind == "M":
            digest = (v.dtype.str, v.shape, v.tobytes())
            if digest not in seen:
                seen[digest] = np.datetime_as_string(v).tolist()
            value[key] = seen[digest]
        elif isinstance(v, dict | list):
            _dates_as_text(v, seen)


def _structure(value):
    """The dicts, lists and tuples of `value` copied; anything else shared."""
    if isinstance(value, dict):
        return {k: _structure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_structure(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_structure(v) for v in value)
    return value


def figure(name: str, build: Callable[[], go.Figure], *parts: Hashable, f: Filters | None = None) -> go.Figure:
    """The figure `build()` makes, built once per (snapshot, filters, language, publication mode, name,
    parts). `parts` are whatever else the figure depends on (a grain, a year, how many countries);
    `f` the filters its rows were read with, when not the sidebar's (a program-wide chart)."""
    def frozen() -> tuple[FrozenFigure, int]:
        with charts.trusted_layouts():
            return freeze(build())

    return _cached(name, frozen, parts, f)


def memo(name: str, build: Callable[[], T], *parts: Hashable, f: Filters | None = None) -> T:
    """Like figure() for anything else a page derives from its rows and shows as is (a table of
    formatted text, say): built once per the same key, shared by every session, so never to be changed."""
    return _cached(name, lambda: _sized(build()), parts, f)


def _sized(value) -> tuple[object, int]:
    return value, _size_of(value)


def _size_of(value) -> int:
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True).sum())
    if isinstance(value, tuple | list):
        return sys.getsizeof(value) + sum(_size_of(v) for v in value)
    return sys.getsizeof(value)


def _cached(name: str, build: Callable[[], tuple[object, int]], parts: tuple, f: Filters | None):
    if not enabled():
        builds[name] += 1
        value, _ = build()
        return value
    key = (name, _snapshot_key(), (f or current_filters()).key(), language(), publication(), parts)

    def kept():
        with _lock:
            hit = _figures.get(key)
            if hit is not None:
                _figures.move_to_end(key)
            return hit

    def built():
        global _size
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
        return value, size

    hit = kept()
    # built once however many sessions ask at the same moment (twenty first loads at once: issue 17)
    return (hit or single_flight(("figure", *key), built, kept))[0]


def clear() -> None:
    """Forget every cached figure (bench/rerun.py's "new filters" case; tests)."""
    global _size
    with _lock:
        _figures.clear()
        _size = 0


def cached_bytes() -> int:
    return _size
