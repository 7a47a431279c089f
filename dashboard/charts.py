"""Pure functions DataFrame -> plotly Figure, with one colour scheme and the cap drawn the same way.

No streamlit here. Every figure carries its source (and "synthetic demo data" where it is) in an
annotation, so a PNG saved from plotly's toolbar stands alone.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import html
import re
import textwrap
from collections.abc import Iterable, Iterator
from datetime import date, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.basedatatypes import BasePlotlyType, BaseTraceType

from dashboard.disclosure import SUPPRESSED_MARK as SUPPRESSED  # where a chart writes a suppressed count
from dashboard.i18n import N_, date_tickformatstops, plotly_separators, t, tn, zone_name
from dashboard.programs import Event, Program

# Okabe-Ito's first four, then indigo and brown in place of its orange and sky blue (2.3:1 on white,
# under the 3:1 that WCAG 1.4.11 asks of chart marks), then dark grey. Every colour passes 3:1 on
# white and every pair stays apart under simulated protanopia, deuteranopia and tritanopia
# (tests/test_palette.py checks both).
PALETTE = {
    "principal": "#0072B2",  # blue
    "family": "#D55E00",  # vermillion
    "forecast": "#009E73",  # bluish green
    "reference": "#CC79A7",  # reddish purple
    "neutral": "#595959",  # dark grey
    "accent": "#6F4E37",  # brown
}
SEQUENCE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#332288", "#6F4E37", "#595959"]
CAP_LINE = {"color": "#222222", "width": 2, "dash": "dash"}
TEXT = "#222222"  # axis labels and titles: 15.9:1 on white (Streamlit's chart theme greys them to 3.7:1)
EVENT_LINE = "#767676"  # the lightest grey with 4.5:1 on white
# So that colour is never the only carrier of meaning: traces that share a chart differ in pattern
# (bars), dash (lines) or symbol (markers) too, in this order, unless a chart sets its own.
PATTERNS = ["", "/", ".", "x", "-", "\\", "+", "|"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross", "star"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"  # system fonts only: no web fonts


def source_note(program: Program | None, extra: str = "", *, lang: str) -> str:
    """The source line for figures of application data."""
    if program is not None and program.synthetic:
        base = t("Source: synthetic demo data (not real applications), calibrated to published facts", lang)
    else:
        base = t("Source: application records in the warehouse", lang)
    return f"{base}. {extra}".strip() if extra else base


def local_naive(series: pd.Series, tz: str) -> pd.Series:
    """UTC instants as wall-clock times in `tz`, for axes that name the zone."""
    return series.dt.tz_convert(tz).dt.tz_localize(None)


def base_layout(fig: go.Figure, *, source: str, title: str | None = None, height: int = 420, lang: str) -> go.Figure:
    """The house style, in `lang`: numbers and dates in its format (plotly's locale
    itself comes with the chart's config, ui.plotly_config), readable axis text, traces told apart
    by more than colour, and the source at the foot of the figure.

    The layout is changed as plain dicts and given back to the figure in one assignment (`relayout`):
    the same result as update_layout/update_xaxes/update_yaxes/add_annotation, which cost ~1 ms of
    plotly's machinery per property and made base_layout a fifth of the server's time under 20
    sessions (docs/performance.md, "Many sessions")."""
    source = phone_wrapped(source)
    layout = _layout_dict(fig)
    title_lines = _wrap_axis_titles(layout)
    # the note's and the x axis title's extra lines below the axis
    top, bottom = (50 if title else 20), 100 + 14 * source.count("<br>") + 16 * title_lines
    axis_text = {"color": TEXT}
    axis = {"showgrid": True, "gridcolor": "#e5e5e5", "linecolor": "#595959", "tickfont": axis_text,
            "title": {"font": axis_text}, "separatethousands": True, "exponentformat": "none"}
    if title:
        layout["title"] = {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16, "color": TEXT}}
    else:  # (an empty title: {} would be written out unvalidated; plotly's validation drops it)
        layout.pop("title", None)
    _merge(layout, {
        "height": height,
        "font": {"family": FONT, "size": 13, "color": TEXT},
        "colorway": SEQUENCE,
        "separators": plotly_separators(lang),
        "margin": {"l": 60, "r": 20, "t": top, "b": bottom},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0,
                   "font": {"color": TEXT}},
        "hovermode": "x unified",
        "plot_bgcolor": "white",
    })
    for name in _axes(layout, "x"):
        _merge(layout.setdefault(name, {}), axis)
    for name in _axes(layout, "y"):
        _merge(layout.setdefault(name, {}), {**axis, "rangemode": "tozero"})
    _localize_date_axes(layout, fig.data, lang)
    _keep_moment_labels_inside(layout, fig.data)
    # At the foot of the figure whatever its height (paper units are relative to the plot area).
    plot_height = max(height - top - bottom, 1)
    layout.setdefault("annotations", []).append({
        "text": source, "xref": "paper", "yref": "paper", "x": 0, "y": -bottom / plot_height, "yshift": 4,
        "showarrow": False, "xanchor": "left", "yanchor": "bottom", "align": "left",
        "font": {"size": 11, "color": "#595959"}})
    _set_layout(fig, layout)
    distinguish_traces(fig)
    for tr in fig.data:  # legend entries that fit a phone's width
        if isinstance(tr.name, str) and tr.showlegend is not False:
            tr.name = _broken(tr.name, LEGEND_CHARS)
    return fig


AXIS_TITLE_CHARS = 36  # an x axis title's lines wrap at this many characters (a phone's plot is 200-280 px wide)
LEGEND_CHARS = 40  # a legend entry's lines wrap at this many characters


def _wrap_axis_titles(layout: dict) -> int:
    """Break long x axis titles onto lines of AXIS_TITLE_CHARS (one holding markup is kept whole); the most
    extra lines one got."""
    extra = 0
    for name in _axes(layout, "x"):
        title = layout.get(name, {}).get("title")
        text = title.get("text") if isinstance(title, dict) else None
        if isinstance(text, str):
            title["text"] = _broken(text, AXIS_TITLE_CHARS)
            extra = max(extra, title["text"].count("<br>"))
    return extra


def _broken(text: str, width: int) -> str:
    """`text` broken onto lines of at most `width` characters (a long word stays whole) with plotly's <br>;
    text holding markup (already broken, or <i>) is kept whole. Plotly wraps no text itself."""
    if len(text) <= width or "<" in text:
        return text
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False)) or text


SOURCE_CHARS = 44  # a source note's lines wrap at this many characters: on a phone (390 px) the plot is 200-280 px wide


def phone_wrapped(source: str) -> str:
    """A source note broken onto lines of at most SOURCE_CHARS characters, so that a phone does not cut it
    short (plotly wraps no text itself). Lines it already has are kept; one holding markup (<i>) is kept whole."""
    return "<br>".join(_broken(line, SOURCE_CHARS) for line in source.split("<br>"))


@contextlib.contextmanager
def drafting(fig: go.Figure) -> Iterator[go.Figure]:
    """Within the block, relayout, add_marks, base_layout... change one plain-dict draft of the layout, given
    to the figure once at the end: every assignment of a layout costs plotly a copy of the default template
    and a validation of the whole layout (a few ms each). Only these helpers may change the layout inside
    (a figure's update_* methods would be overwritten by the draft)."""
    fig._draft = _layout_dict(fig)
    try:
        yield fig
    finally:
        draft, fig._draft = fig._draft, None
        _assign_layout(fig, draft)


_trusted = contextvars.ContextVar("charts_trusted_layouts", default=False)


@contextlib.contextmanager
def trusted_layouts() -> Iterator[None]:
    """Within the block, a layout drafted here (drafting(), relayout...) is given to its figure without
    plotly's validation: it is the same plain JSON either way (tests/test_figure_cache.py builds every main
    page's figures both ways and compares them), and validating it was a quarter of building an Overview
    figure (issue 17). ui.figure builds inside it; anything else (tests, the brief's PDF) gets plotly's
    validated figures, which is what catches a misspelt property."""
    token = _trusted.set(True)
    try:
        yield
    finally:
        _trusted.reset(token)


def _assign_layout(fig: go.Figure, layout: dict) -> None:
    if not _trusted.get():
        fig.layout = layout
        return
    # What the layout setter does (plotly.basedatatypes.BaseFigure.layout), with the layout kept unvalidated:
    # plotly stores its properties as given and builds its objects only if they are read. And without the
    # setter's two copies: the old layout object is dropped, not kept readable as an orphan (nothing holds it
    # inside ui.figure's build), and the default template the figure already has is kept as it is instead of
    # being validated and deep-copied again (it is the same template: a drafted layout never sets one).
    new = go.Layout(layout, _validate=False)
    old = fig._layout_obj
    template = fig._layout.get("template") if isinstance(fig._layout, dict) else None
    if old is not None:
        old._parent = None
    fig._layout = dict(new._props)  # (the orphan's own dict is emptied below)
    if template is not None:
        fig._layout["template"] = template
    new._parent = fig
    new._orphan_props.clear()
    fig._layout_obj = new
    fig._initialize_layout_template()  # (a no-op when the template was kept)


class _Figure(go.Figure):
    """A go.Figure whose traces, inside trusted_layouts(), are validated once: add_bar/add_scatter build a
    validated trace, and plotly's add_traces then builds it a second time from its properties and deep-copies
    them (half of adding a trace, and most of the cost of a 9,000-point series). Here the trace's own validated
    properties become the figure's (nothing else holds the trace). The same JSON (tests/test_figure_cache.py);
    outside trusted_layouts() it is plotly's own add_traces."""

    def _initialize_layout_template(self):
        """The default template, as plotly gives every figure it (a deep copy of its validated properties, ~2 ms a
        figure), shared instead: nothing changes a figure's template inside trusted_layouts()."""
        template = _default_template() if _trusted.get() and self._layout.get("template") is None else None
        if template is None:
            return super()._initialize_layout_template()
        self._layout["template"] = template

    def add_traces(self, data, rows=None, cols=None, secondary_ys=None, exclude_empty_subplots=False):
        traces = list(data) if isinstance(data, list | tuple) else [data]
        if (not _trusted.get() or rows is not None or cols is not None or secondary_ys is not None
                or exclude_empty_subplots or not all(isinstance(tr, BaseTraceType) and tr._parent is None
                                                     and type(tr).__name__ != "Histogram2dcontour" for tr in traces)):
            return super().add_traces(data, rows, cols, secondary_ys, exclude_empty_subplots)
        for trace in traces:
            props, trace._orphan_props = trace._orphan_props, {}
            trace._trace_ind = len(self._data)
            self._data.append(props)
            trace._parent = self
        self._data_defaults = self._data_defaults + [{} for _ in traces]
        self._data_objs = self._data_objs + type(self._data_objs)(traces)
        return self


_templates: dict[int, tuple[object, dict]] = {}


def _default_template() -> dict | None:
    """The properties plotly puts in a new figure's layout as its template (pio.templates.default: Streamlit
    makes it its own), computed once per template object."""
    default = pio.templates.default
    if default is None:
        return None
    template = default if isinstance(default, BasePlotlyType) else pio.templates[default]
    kept = _templates.get(id(template))
    if kept is None or kept[0] is not template:
        kept = _templates[id(template)] = (template, go.Figure()._layout.get("template"))
    return kept[1]


def figure(*traces: BaseTraceType) -> go.Figure:
    """go.Figure(traces) for the charts that ui.figure builds (see _Figure)."""
    fig = _Figure()
    for trace in traces:
        fig.add_trace(trace)
    return fig


def _set_layout(fig: go.Figure, layout: dict) -> None:
    if getattr(fig, "_draft", None) is not None:
        fig._draft = layout
    else:
        _assign_layout(fig, layout)


def _layout_dict(fig: go.Figure) -> dict:
    """The figure's layout as plain dicts, without its template (plotly puts the default one back when
    the layout is assigned; validating a template again costs ~25 ms); inside drafting(), the draft itself."""
    if getattr(fig, "_draft", None) is not None:
        return fig._draft
    props = fig.layout._props  # plotly's own dict of what the layout sets (to_plotly_json() deep-copies the template too)
    return {k: copy.deepcopy(v) for k, v in props.items() if k != "template"}


def relayout(fig: go.Figure, patch: dict) -> go.Figure:
    """fig.update_layout(patch) with nested dicts (no magic underscores), in one assignment (base_layout)."""
    layout = _layout_dict(fig)
    _merge(layout, patch)
    _set_layout(fig, layout)
    return fig


def _merge(into: dict, patch: dict) -> dict:
    """update_layout's merge: dicts merged key by key, anything else replaces, None removes."""
    for key, value in patch.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = _copy(value)
    return into


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _axes(layout: dict, letter: str) -> list[str]:
    """The x or y axes update_xaxes/update_yaxes reach: the first always, and every other one the layout has."""
    pattern = re.compile(rf"{letter}axis\d*")
    return [f"{letter}axis", *sorted(k for k in layout if k != f"{letter}axis" and pattern.fullmatch(k))]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _is_dates(values) -> bool:
    if values is None or len(values) == 0:
        return False
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return True
    first = values[0]
    return isinstance(first, date | np.datetime64) or (isinstance(first, str) and bool(_ISO_DATE.match(first)))


def localize_date_axes(fig: go.Figure, *, lang: str) -> go.Figure:
    """Date axes write times of day in the language's style ("14 h 05" in French), unless a chart set
    its own tick format."""
    if date_tickformatstops(lang):
        layout = _layout_dict(fig)
        _localize_date_axes(layout, fig.data, lang)
        _set_layout(fig, layout)
    return fig


def _localize_date_axes(layout: dict, data, lang: str) -> None:
    stops = date_tickformatstops(lang)
    if not stops:
        return
    axes = {name for name, value in layout.items() if re.fullmatch(r"[xy]axis\d*", name)
            and isinstance(value, dict) and value.get("type") == "date"}
    for trace in data:
        for letter in ("x", "y"):
            if letter in trace and _is_dates(trace[letter]):
                ref = trace[f"{letter}axis"] if f"{letter}axis" in trace else None
                axes.add(f"{letter}axis{(ref or letter)[1:]}")
    for name in axes:
        axis = layout.setdefault(name, {})
        if not axis.get("tickformat") and not axis.get("tickformatstops"):
            axis["tickformatstops"] = _copy(stops)


def distinguish_traces(fig: go.Figure) -> go.Figure:
    """Give traces that share a chart a pattern, dash or symbol each (where the chart set none), so
    that colour is never the only way to tell them apart."""
    shown = [tr for tr in fig.data if tr.showlegend is not False]
    bars = [tr for tr in shown if tr.type == "bar"]
    lines = [tr for tr in shown if tr.type in ("scatter", "scattergl") and "lines" in (tr.mode or "lines")]
    dots = [tr for tr in shown if tr.type in ("scatter", "scattergl") and tr.mode and "lines" not in tr.mode]
    if len(bars) > 1:
        for i, tr in enumerate(bars):
            if tr.marker.pattern.shape is None:
                tr.marker.pattern.shape = PATTERNS[i % len(PATTERNS)]
    if len(lines) > 1:
        for i, tr in enumerate(lines):
            if tr.line.dash is None:
                tr.line.dash = DASHES[i % len(DASHES)]
    if len(dots) > 1:
        for i, tr in enumerate(dots):
            if tr.marker.symbol is None:
                tr.marker.symbol = SYMBOLS[i % len(SYMBOLS)]
    return fig


def add_marks(fig: go.Figure, shapes: Iterable[dict] = (), annotations: Iterable[dict] = ()) -> go.Figure:
    """fig.add_shape(**s) for each shape and fig.add_annotation(**a) for each annotation, in one assignment
    of the layout (each add_* call cost 7-9 ms of plotly's machinery, issue 17)."""
    layout = _layout_dict(fig)
    for key, items in (("shapes", shapes), ("annotations", annotations)):
        items = [_copy(item) for item in items]
        if items:
            layout[key] = [*layout.get(key, ()), *items]
    _set_layout(fig, layout)
    return fig


def _vline(x, line: dict) -> dict:
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line}


def vline(fig: go.Figure, x, line: dict) -> go.Figure:
    """fig.add_vline(x=x, line=line) on a one-subplot figure, the same shape added directly: add_vline first
    works out the subplots the line spans, which made it the costliest step of building a figure (issue 17)."""
    return add_marks(fig, [_vline(x, line)])


def hline(fig: go.Figure, y, line: dict, label: str, font: dict) -> go.Figure:
    """fig.add_hline(y=y, line=line, annotation_text=label, annotation_position="top left",
    annotation_font=font) on a one-subplot figure, added directly (see vline)."""
    return add_marks(fig, [{"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y",
                            "line": line}],
                     [{"text": label, "x": 0, "xref": "x domain", "xanchor": "left", "y": y, "yref": "y",
                       "yanchor": "bottom", "showarrow": False, "font": font}])


def add_cap_line(fig: go.Figure, cap: int, label: str | None = None, *, lang: str) -> go.Figure:
    """The cap, drawn the same way on every chart: a dark dashed horizontal line, labelled."""
    from dashboard.i18n import fmt_int

    hline(fig, cap, CAP_LINE, label or t("Cap: {cap}", lang).format(cap=fmt_int(cap, lang=lang)), {"color": "#222222"})
    return fig


def add_moment(fig: go.Figure, when: datetime, label: str, tz: str) -> go.Figure:
    """A vertical marker at a moment (shown in the program's zone)."""
    x = pd.Timestamp(when).tz_convert(tz).tz_localize(None)
    return add_marks(fig, [_vline(x, {"color": PALETTE["neutral"], "width": 1, "dash": "dot"})],
                     [{"x": x, "y": 1, "yref": "paper", "text": label, "showarrow": False, "xanchor": "left",
                       "yanchor": "top", "font": {"size": 11, "color": "#222222"}, "bgcolor": "rgba(255,255,255,0.85)",
                       "name": MOMENT_LABEL}])


MOMENT_LABEL = "moment-label"  # the name of the annotations that label a vertical line (add_moment, add_events)


def keep_moment_labels_inside(fig: go.Figure) -> go.Figure:
    """Labels of vertical lines sit right of their line in the left half of the x range and left of it in
    the right half, so that the figure's edge never cuts them (base_layout calls it, once the range is set)."""
    layout = _layout_dict(fig)
    if _keep_moment_labels_inside(layout, fig.data):
        _set_layout(fig, layout)
    return fig


def _keep_moment_labels_inside(layout: dict, data) -> bool:
    """keep_moment_labels_inside on a layout dict; whether it changed anything."""
    labels = [a for a in layout.get("annotations", ()) if a.get("name") == MOMENT_LABEL]
    if not labels:
        return False
    dates = isinstance(labels[0].get("x"), date | str | np.datetime64)
    if layout.get("xaxis", {}).get("range"):
        values = list(layout["xaxis"]["range"])
    else:
        values = []
        for tr in data:
            xs = getattr(tr, "x", None)
            if xs is None or tr.xaxis not in (None, "x"):
                continue
            if dates and isinstance(xs, np.ndarray) and xs.dtype.kind == "M" and xs.ndim == 1:
                # only the span's ends matter below: a series' first and last moment stand for all of its
                # moments (Velocity's 8,600 hours, one by one, were a fifth of building its chart)
                known = xs[~np.isnat(xs)]
                values += [known.min(), known.max()] if len(known) else list(xs[:1])
            else:
                values += [v for v in xs if v is not None]
    if not values:
        return False
    convert = (lambda v: pd.to_datetime(pd.Series(v), errors="coerce")) if dates else \
        (lambda v: pd.to_numeric(pd.Series(v), errors="coerce"))
    span = convert(values).dropna()
    if span.empty or span.min() == span.max():
        return False
    lo, hi = span.min(), span.max()
    changed = False
    for a in labels:
        x = convert([a.get("x")]).iloc[0]
        if pd.notna(x) and (x - lo) / (hi - lo) > 0.5:
            a["xanchor"] = "right"
            changed = True
    return changed


DAY_SCALE = pd.Timedelta(days=4)  # a chart spanning this long reads in days: an event known by its date is a band


def event_moment(ev: Event) -> pd.Timestamp | None:
    """When an event happened, as a wall-clock time in the program's zone; None when only its date is known."""
    return None if ev.time is None else pd.Timestamp(datetime.combine(ev.day, ev.time))


def dated_only(events: Iterable[Event], x_min, x_max) -> list[Event]:
    """The events known by their date only whose day meets [x_min, x_max]."""
    return [ev for ev in events if ev.time is None and x_min is not None
            and pd.Timestamp(ev.day) <= x_max and pd.Timestamp(ev.day) + pd.Timedelta(days=1) > x_min]


def _cumulative_x(df: pd.DataFrame, program: Program) -> pd.Series:
    """The cumulative chart's x values: wall-clock interval ends, from the opening (the curve starts at zero)."""
    x = local_naive(df["interval_end"], program.time_zone) if len(df) else pd.Series([], dtype="datetime64[ns]")
    start = pd.Timestamp(program.opens_at).tz_convert(program.time_zone).tz_localize(None)
    return pd.concat([pd.Series([start]), x], ignore_index=True) if len(df) and x.min() > start else x


def events_not_drawn(df: pd.DataFrame, program: Program) -> list[Event]:
    """The events of the cumulative chart's span that it does not draw: known by their date only, on a chart
    that reads in hours (the page lists them under the chart instead)."""
    x = _cumulative_x(df, program)
    if x.empty or x.max() - x.min() >= DAY_SCALE:
        return []
    return dated_only(program.events, x.min(), x.max())


def add_events(fig: go.Figure, events: Iterable[Event], program: Program, x_min, x_max, *, lang: str,
               days: bool = True) -> go.Figure:
    """The program's events inside the x range, labelled: an event with a time as a dotted line at that
    moment; one known by its date only as a light band over its day when the chart reads in days (`days`),
    and not at all on an hour-scale chart: a line at an invented hour would contradict the data."""
    shapes, labels = [], []
    for i, ev in enumerate(events):
        moment = event_moment(ev)
        if moment is None and not days:
            continue
        x = moment if moment is not None else pd.Timestamp(ev.day)
        end = x if moment is not None else x + pd.Timedelta(days=1)
        if x_min is not None and (end < x_min or x > x_max):
            continue
        if moment is not None:
            shapes.append(_vline(x, {"color": EVENT_LINE, "width": 1, "dash": "dot"}))
        else:
            shapes.append({"type": "rect", "x0": x, "x1": end, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                           "layer": "below", "line": {"width": 0}, "fillcolor": "rgba(118,118,118,0.12)"})
        labels.append({"x": x, "y": 0.86 - 0.07 * (i % 3), "yref": "paper", "yanchor": "top",
                       "text": plain([ev.label(lang)])[0], "showarrow": False, "xanchor": "left",
                       "font": {"size": 11, "color": "#444444"}, "bgcolor": "rgba(255,255,255,0.8)",
                       "name": MOMENT_LABEL})
    return add_marks(fig, shapes, labels) if shapes else fig


def cumulative_chart(df: pd.DataFrame, program: Program, cap_reached_at: datetime | None, *, lang: str) -> go.Figure:
    """Cumulative applications counting toward the cap, with the cap line, the cap moment and events."""
    x = _cumulative_x(df, program)
    # the curve starts from zero at the opening
    y = pd.concat([pd.Series([0]), df["cumulative"]], ignore_index=True) if len(x) > len(df) else df["cumulative"]
    fig = figure(go.Scatter(
        x=x, y=y, mode="lines", name=t("Principal applications (cumulative)", lang),
        line={"color": PALETTE["principal"], "width": 3},
        hovertemplate="%{y:,}<extra></extra>",
    ))
    with drafting(fig):
        add_cap_line(fig, program.cap, lang=lang)
        if cap_reached_at is not None:
            add_moment(fig, cap_reached_at, t("Cap reached", lang), program.time_zone)
        xaxis = {"title": {"text": t("Time ({zone})", lang).format(zone=zone_name(program.time_zone, lang))}}
        if len(df):
            # The x range follows the data, never the events: from the opening to the last point, a little margin.
            first, last = x.min(), x.max()
            relayout(fig, {"xaxis": {"range": [first, last + max((last - first) * 0.02, pd.Timedelta(minutes=5))]}})
            add_events(fig, program.events, program, first, last, lang=lang, days=last - first >= DAY_SCALE)
        relayout(fig, {"xaxis": xaxis,
                       "yaxis": {"title": {"text": t("Applications counted toward the cap", lang)},
                                 "range": [0, max(program.cap * 1.1, float(df["cumulative"].max()) * 1.05 if len(df) else 0)]}})
        return base_layout(fig, source=source_note(program, lang=lang), lang=lang)


def _largest(df: pd.DataFrame, columns: Iterable[str]):
    """The largest number in `columns` (empty cells skipped; NaN when there is none): what
    pd.to_numeric(df[columns].stack(), errors="coerce").max() gives, column by column (stack() alone took
    ~3 ms for Velocity's 8,600 intervals)."""
    tops = [top for top in (pd.to_numeric(df[c], errors="coerce").max() for c in columns) if pd.notna(top)]
    return max(tops) if tops else np.nan


LABEL_CHARS = 18  # a ranked chart's country labels wrap at this many characters


def wrapped(labels: Iterable[object], width: int = LABEL_CHARS) -> list[str]:
    """Category labels broken onto lines of at most `width` characters (a long word stays whole), as plain
    text: on a phone a one-line "All other applicant countries (105)" took the plot's width for itself."""
    return ["<br>".join(plain(textwrap.wrap(str(v), width, break_long_words=False)) or [""]) for v in labels]


def _ranked_height(rows: int, per_row: int) -> int:
    return 170 + per_row * max(rows, 1)


def _source_under_axis(fig: go.Figure, source: str) -> go.Figure:
    """Keep base_layout's source note (its last annotation) a fixed distance under the x axis title, so a
    tall chart does not push it out of the figure; the bottom margin grows with its lines.
    """
    # hung from its top: a note of several lines grows downward, never up into the axis title
    layout = _layout_dict(fig)
    note = layout["annotations"][-1]
    title = layout.get("xaxis", {}).get("title")
    below = 16 * (title.get("text") or "").count("<br>") if isinstance(title, dict) else 0  # a wrapped axis title
    note.update(y=0, yshift=-58 - below, yanchor="top", align="left")
    # its lines as drawn (phone_wrapped)
    _merge(layout, {"margin": {"b": 72 + below + 16 * (note["text"].count("<br>") + 1)}})
    _set_layout(fig, layout)
    return fig


def citizenship_chart(df: pd.DataFrame, *, source: str, lang: str) -> go.Figure:
    """Applications by citizenship, largest first, principal and family as two bars per country.

    `df` (one row per country, ranked; the last may be "all others"): label, code ("" when the row groups
    several countries), principal, family, principal_share, family_share. The code rides in customdata,
    so a click on a bar names the country.
    """
    from dashboard.i18n import fmt_int, fmt_pct

    fig = figure()
    for col, name, colour, pattern in (("principal", t("Principal applicants", lang), PALETTE["principal"], ""),
                                       ("family", t("Family members", lang), PALETTE["family"], "/")):
        # an empty count is one publication mode suppressed: "--", as in its table
        shares = [SUPPRESSED if pd.isna(n) else fmt_pct(float(s), lang=lang) if pd.notna(s) else "—"
                  for n, s in zip(df[col], df[f"{col}_share"], strict=True)]
        fig.add_bar(
            name=name, y=wrapped(df["label"]), x=df[col], orientation="h", customdata=df["code"],
            text=shares, textposition="outside", cliponaxis=False,
            marker={"color": colour, "pattern": {"shape": pattern}},
            hovertext=[f"{SUPPRESSED if pd.isna(n) else fmt_int(n, lang=lang)} ({s})" for n, s in zip(df[col], shares, strict=True)],
            hovertemplate="%{y}: %{hovertext}<extra>" + name + "</extra>",
        )
    with drafting(fig):
        top = _largest(df, ("principal", "family")) if len(df) else 0.0
        top = 0.0 if pd.isna(top) else float(top)
        relayout(fig, {"barmode": "group", "hovermode": "closest", "bargap": 0.25, "clickmode": "event+select",
                       "yaxis": {"autorange": "reversed", "showgrid": False},
                       "xaxis": {"title": {"text": t("Applications (share of their group beside each bar)", lang)},
                                 "range": [0, max(top, 1) * 1.12]}})
        base_layout(fig, source=source, height=_ranked_height(len(df), 52), lang=lang)
        relayout(fig, {"yaxis": {"rangemode": "normal"}})
        return _source_under_axis(fig, source)


def representation_chart(df: pd.DataFrame, *, year: int, source: str, uscis_label: str | None, lang: str) -> go.Figure:
    """Each country's share of principal applicants beside its share of US H-1B visas issued in `year`
    (and of USCIS approvals by country of birth where published), with the ratio at the right.

    `df` (ranked): label, code, applicant_share, h1b_share, uscis_share (NaN where not published), ratio.
    """
    from dashboard.i18n import fmt_num, fmt_pct

    def pct(values: pd.Series) -> list[str]:
        return [fmt_pct(float(v), lang=lang) if pd.notna(v) else "" for v in values]

    series = [("applicant_share", t("Share of principal applicants", lang), PALETTE["principal"], ""),
              ("h1b_share", t("Share of US H-1B visas issued in {year}", lang).format(year=year), PALETTE["reference"], "x")]
    if uscis_label and df["uscis_share"].notna().any():
        series.append(("uscis_share", uscis_label, PALETTE["neutral"], "."))
    fig = figure()
    for col, name, colour, pattern in series:
        fig.add_bar(
            name=name, y=wrapped(df["label"]), x=df[col], orientation="h", customdata=df["code"],
            text=pct(df[col]), textposition="outside", cliponaxis=False,
            marker={"color": colour, "pattern": {"shape": pattern}},
            hovertemplate="%{y}: %{x:.1%}<extra>" + name + "</extra>",
        )
    with drafting(fig):
        add_marks(fig, annotations=[
            *({"x": 1.0, "xref": "paper", "xanchor": "left", "xshift": 12, "y": label, "yref": "y", "showarrow": False,
               "text": fmt_num(float(ratio), 2, lang=lang) if pd.notna(ratio) else "—",
               "font": {"size": 13, "color": "#222222"}} for label, ratio in zip(wrapped(df["label"]), df["ratio"], strict=True)),
            {"x": 1.0, "xref": "paper", "xanchor": "left", "xshift": 12, "y": 1.0, "yref": "paper", "yanchor": "bottom",
             "showarrow": False, "text": "<b>" + t("Ratio", lang) + "</b>", "font": {"size": 12, "color": "#222222"}}])
        top = max([float(df[col].max()) for col, *_ in series if df[col].notna().any()] or [0.0])
        relayout(fig, {"barmode": "group", "hovermode": "closest", "bargap": 0.2, "clickmode": "event+select",
                       "yaxis": {"autorange": "reversed", "showgrid": False},
                       "xaxis": {"title": {"text": t("Share", lang)}, "tickformat": ".0%", "range": [0, max(top, 0.01) * 1.12]}})
        base_layout(fig, source=source, height=_ranked_height(len(df), 22 * (len(series) + 1)), lang=lang)
        relayout(fig, {"yaxis": {"rangemode": "normal", "separatethousands": False}, "margin": {"r": 70}})
        return _source_under_axis(fig, source)


def selected_codes(selection) -> list[str]:
    """The codes in customdata of the points a chart selection (st.plotly_chart's) names, in order, once each;
    points without one (an "all others" bar) are skipped.
    """
    codes: list[str] = []
    for point in (selection or {}).get("points", []):
        code = point.get("customdata")
        code = code[0] if isinstance(code, list | tuple) and code else code
        if isinstance(code, str) and code and code not in codes:
            codes.append(code)
    return codes
# ---------------------------------------------------------------- velocity

BARS_UP_TO = 240  # more intervals than this draw as step lines: bars thinner than a pixel say nothing


def principal_focus(df: pd.DataFrame, share: float = 0.25) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """(first interval_start, last interval_end) of the intervals with principal applications, when they
    take up less than `share` of the series (a long tail of family applications would flatten the
    surge to a sliver); None otherwise."""
    busy = df[df["principal"] > 0]
    if busy.empty or len(df) < 2:
        return None
    span = df["interval_end"].iloc[-1] - df["interval_start"].iloc[0]
    focus = (df["interval_start"].iloc[0], busy["interval_end"].iloc[-1])
    return focus if focus[1] - focus[0] < share * span else None


def arrivals_chart(df: pd.DataFrame, program: Program, cap_reached_at: datetime | None,
                   interval_label: str, focus: tuple[pd.Timestamp, pd.Timestamp] | None = None, *, lang: str) -> go.Figure:
    """Applications per interval, principal and family as two series side by side (never stacked), with
    the cap-reached moment marked. `df` has interval_start, interval_end (UTC), principal, family. With
    `focus` (UTC), the chart opens on that span; Autoscale shows the whole series."""
    tz = program.time_zone
    start = local_naive(df["interval_start"], tz)
    end = local_naive(df["interval_end"], tz)
    fig = figure()
    series = (("principal", t("Principal applicants", lang)), ("family", t("Spouses and dependants", lang)))
    if len(df) <= BARS_UP_TO:  # two bars inside each interval: [start, end) on the time axis
        ms = ((end - start) / pd.Timedelta(milliseconds=1)).to_numpy()
        for i, (col, name) in enumerate(series):
            fig.add_bar(x=start, y=df[col], width=ms * 0.42, offset=ms * (0.06 + 0.46 * i), name=name,
                        marker={"color": PALETTE[col], "pattern": {"shape": ["", "/"][i]}},
                        hovertemplate="%{x|%Y-%m-%d %H:%M}: %{y:,}<extra>" + name + "</extra>")
        relayout(fig, {"barmode": "overlay", "xaxis": {"range": [start.min(), end.max()]}})  # plotly pads as if bars were centred on x
    else:  # a step per interval, closed at the last interval's end
        x = pd.concat([start, end.tail(1)], ignore_index=True)
        for col, name in series:
            y = pd.concat([df[col], df[col].tail(1)], ignore_index=True)
            fig.add_scatter(x=x, y=y, mode="lines", line={"shape": "hv", "color": PALETTE[col],
                            "width": 2 if col == "principal" else 1.5, "dash": "solid" if col == "principal" else "dot"},
                            name=name, hovertemplate="%{x|%Y-%m-%d %H:%M}: %{y:,}<extra>" + name + "</extra>")
    with drafting(fig):
        if cap_reached_at is not None and len(df) and df["interval_start"].min() <= cap_reached_at <= df["interval_end"].max():
            add_moment(fig, cap_reached_at, t("Cap reached", lang), tz)
        patch = {"xaxis": {"title": {"text": t("Time ({zone})", lang).format(zone=zone_name(tz, lang))}},
                 "yaxis": {"title": {"text": t("Applications per interval ({interval})", lang).format(interval=interval_label)}}}
        top = _largest(df, ("principal", "family")) if len(df) else None
        if len(df) and (pd.isna(top) or top < 10):  # (every count suppressed: publication mode)
            patch["yaxis"]["dtick"] = 1  # counts: no half applications on the axis
        if focus is not None:
            lo, hi = (pd.Timestamp(m).tz_convert(tz).tz_localize(None) for m in focus)
            patch["xaxis"]["range"] = [lo, hi + (hi - lo) * 0.03]
        relayout(fig, patch)
        return base_layout(fig, source=source_note(program, lang=lang), lang=lang)


def elapsed_curves(curves: Iterable[tuple[Program, pd.DataFrame]]) -> pd.DataFrame:
    """Cumulative applications counting toward each program's cap by hours since its opening, from 0 at
    the opening: program_id, elapsed_hours, cumulative, share_of_cap (0.42 = 42 % of that program's cap).
    Each frame is cumulative_principals' (interval_end, cumulative)."""
    parts = []
    for program, df in curves:  # (numpy throughout: pandas' per-call overhead was ~10 ms a Velocity run, issue 17)
        opening = pd.Timestamp(program.opens_at).as_unit("us").asm8.astype("int64")
        ends = df["interval_end"].to_numpy(dtype="datetime64[us]").astype("int64")
        elapsed = np.concatenate([[0.0], (ends - opening) / 3.6e9])
        cumulative = np.concatenate([[0], df["cumulative"].to_numpy(dtype="int64")])
        elapsed, cumulative = elapsed[elapsed >= 0], cumulative[elapsed >= 0]
        _, last = np.unique(elapsed[::-1], return_index=True)  # of equal elapsed times, the last one
        keep = np.sort(len(elapsed) - 1 - last)
        parts.append(pd.DataFrame({"program_id": [program.id] * len(keep), "elapsed_hours": elapsed[keep],
                                   "cumulative": cumulative[keep], "share_of_cap": cumulative[keep] / program.cap}))
    columns = ["program_id", "elapsed_hours", "cumulative", "share_of_cap"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


COMPARISON_CHARS = 34  # the comparison's program names wrap at this many characters: its legend fits 390 px


def comparison_chart(df: pd.DataFrame, programs: dict[str, Program], share: bool, *, lang: str) -> go.Figure:
    """Each program's cumulative curve (elapsed_curves) by time since its opening (hours, or days beyond
    three days), in applications or as a share of its cap; each cap drawn the same way.

    Programs' names are long ("Home Care Worker Immigration Pilot: Home Support Workers (2025)"): the legend's
    names and the source note are broken onto short lines and the caps' labels name only the cap, so that on a
    phone (390 px) the legend fits and no label runs off the figure (plotly wraps no text itself)."""
    days = len(df) > 0 and df["elapsed_hours"].max() > 72
    shown = [programs[pid] for pid in df["program_id"].unique()]  # in order of appearance
    # each program's rows as numpy arrays: the same values plotly would take from the frame's columns, without
    # pandas' boolean indexing of a text column (a third of building this chart, issue 17)
    ids = df["program_id"].to_numpy(dtype=object)
    hours = df["elapsed_hours"].to_numpy()
    values = df["share_of_cap"].to_numpy() * 100 if share else df["cumulative"].to_numpy()
    fig = figure()
    with drafting(fig):
        for i, program in enumerate(shown):
            rows = ids == program.id
            x = hours[rows] / 24 if days else hours[rows]
            y = values[rows]
            fig.add_scatter(x=x, y=y, mode="lines", name=wrapped([program.name(lang)], COMPARISON_CHARS)[0],
                            line={"color": SEQUENCE[i % len(SEQUENCE)], "width": 3 if i == 0 else 2,
                                  "dash": ["solid", "dash", "dot", "dashdot"][i % 4]},
                            hovertemplate=("%{y:.1f} %<extra></extra>" if share else "%{y:,}<extra></extra>"))
            if not share:  # "Cap: 10,000": the legend names the program (its name over the curve hid it)
                add_cap_line(fig, program.cap, lang=lang)
        if share:
            add_cap_line(fig, 100, t("Cap (100 %)", lang), lang=lang)
        relayout(fig, {"xaxis": {"title": {"text": t("Days since opening", lang) if days else t("Hours since opening", lang)},
                                 "rangemode": "tozero"},
                       "yaxis": {"title": {"text": t("Share of the cap (%)", lang) if share
                                           else t("Applications counted toward the cap", lang)}}})
        synthetic = next((p for p in shown if p.synthetic), None)
        source = wrapped([source_note(synthetic or (shown[0] if shown else None), lang=lang)], COMPARISON_CHARS + 4)[0]
        base_layout(fig, source=source, height=460, lang=lang)
        return _source_under_axis(fig, source)
# ---------------------------------------------------------------- US H-1B context (reference statistics)

def reference_note(publisher: str, period: str, width: int = 90, *, lang: str) -> str:
    """The source annotation of a reference figure (publisher and period, translated), wrapped for plotly."""
    import textwrap

    text = t("Source: {publisher}; {period}.", lang).format(publisher=t(publisher, lang), period=t(period, lang))
    return markdown_italics("<br>".join(textwrap.wrap(text, width)))


def plain(values: Iterable[object]) -> list[str]:
    """Text from outside (employer names of a reference file, event labels) as plotly shows it literally: plotly reads
    a subset of HTML in tick labels, hover and legend text (<a href>, <b>, <br>), so `&`, `<` and `>` are
    written as the entities that it turns back into those characters."""
    return [html.escape(str(v), quote=False) for v in values]


def markdown_italics(text: str) -> str:
    """Titles set in Markdown italics (*H-1B Employer Data Hub*, as source texts cite publications) in
    plotly's markup (<i>...</i>); a title that a <br> breaks is closed before it and reopened after."""
    lines, italic = [], False
    for line in text.split("<br>"):
        out = "<i>" if italic else ""
        for i, piece in enumerate(line.split("*")):
            if i:
                italic = not italic
                out += "<i>" if italic else "</i>"
            out += piece
        lines.append(out + ("</i>" if italic else ""))
    return "<br>".join(lines)


def _reference_layout(fig: go.Figure, source: str, height: int, *, lang: str) -> go.Figure:
    """base_layout, with the source note a fixed distance below the axis whatever the height."""
    base_layout(fig, source=source, height=height, lang=lang)
    return _source_under_axis(fig, source)


# Marker shapes that have an open form and stay apart at 9 px, for lines that need a shape each.
LINE_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "triangle-down", "pentagon", "hexagon", "star"]


def issuances_chart(df: pd.DataFrame, *, value: str, y_title: str, source: str, lang: str) -> go.Figure:
    """Visas issued per calendar year, one line per nationality (df: year, months, label, rank, `value`).

    Each nationality has its own marker shape besides its colour; years the source covers only in part
    (months < 12) are drawn with the open form of that shape.
    """
    fig = go.Figure()
    for i, (name, rows) in enumerate(df.groupby("label", sort=False)):
        other = rows["rank"].isna().all()
        colour = PALETTE["neutral"] if other else SEQUENCE[i % (len(SEQUENCE) - 1)]
        shape = LINE_SYMBOLS[i % len(LINE_SYMBOLS)]
        partial = rows["months"] < 12
        fig.add_scatter(
            x=rows["year"], y=rows[value], name=name, mode="lines+markers",
            line={"color": colour, "width": 2, "dash": "dot" if other else "solid"},
            marker={"size": 9, "color": colour, "symbol": [f"{shape}-open" if p else shape for p in partial]},
            customdata=rows["months"], hovertemplate="%{y:,} (%{customdata}/12)<extra>" + name + "</extra>",
        )
    fig.update_xaxes(title=t("Calendar year", lang), dtick=1)
    fig.update_yaxes(title=y_title)
    fig.update_layout(hovermode="closest")
    _reference_layout(fig, source, 440, lang=lang)
    return fig.update_xaxes(tickformat="d", separatethousands=False)  # years as years: 2017, not 2,017


def ratio_chart(df: pd.DataFrame, *, source: str, lang: str) -> go.Figure:
    """H-4 visas per H-1B visa by nationality, largest H-1B nationality at the top (df: label, h4_per_h1b)."""
    from dashboard.i18n import fmt_num

    fig = go.Figure(go.Bar(
        y=df["label"], x=df["h4_per_h1b"], orientation="h", marker={"color": PALETTE["family"]},
        text=[fmt_num(v, 2, lang=lang) for v in df["h4_per_h1b"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{x:.2f}<extra>%{y}</extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=t("H-4 visas issued per H-1B visa issued", lang))
    fig.update_layout(hovermode="closest", showlegend=False)
    return _reference_layout(fig, source, 140 + 34 * len(df), lang=lang)


def approvals_chart(df: pd.DataFrame, *, label: str, source: str, lang: str) -> go.Figure:
    """Initial and continuing approvals, one pair of horizontal bars per row of df (first row at the top)."""
    fig = go.Figure()
    for i, (col, name) in enumerate((("initial_approvals", t("Initial approvals", lang)),
                                     ("continuing_approvals", t("Continuing approvals", lang)))):
        fig.add_bar(y=plain(df[label]), x=df[col], name=name, orientation="h",
                    marker={"color": SEQUENCE[i], "pattern": {"shape": ["", "/"][i]}},
                    hovertemplate="%{x:,}<extra>" + name + "</extra>")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=t("Petitions approved", lang))
    fig.update_layout(barmode="group", hovermode="closest")
    return _reference_layout(fig, source, 160 + 38 * len(df), lang=lang)


def approvals_by_year_chart(df: pd.DataFrame, *, source: str, lang: str) -> go.Figure:
    """Initial and continuing approvals per fiscal year, stacked (df: year_label, initial_approvals,
    continuing_approvals)."""
    fig = go.Figure()
    for i, (col, name) in enumerate((("initial_approvals", t("Initial approvals", lang)),
                                     ("continuing_approvals", t("Continuing approvals", lang)))):
        fig.add_bar(x=df["year_label"], y=df[col], name=name,
                    marker={"color": SEQUENCE[i], "pattern": {"shape": ["", "/"][i]}},
                    hovertemplate="%{y:,}<extra>" + name + "</extra>")
    fig.update_xaxes(title=t("Fiscal year of the decision", lang), type="category")
    fig.update_yaxes(title=t("Petitions approved", lang))
    fig.update_layout(barmode="stack", hovermode="closest", legend_traceorder="normal")
    return _reference_layout(fig, source, 380, lang=lang)


def lottery_chart(df: pd.DataFrame, *, cap: int | None, cap_label: str, source: str, lang: str) -> go.Figure:
    """Registrations, selections and petitions filed per cap year, grouped bars, with the US annual cap
    drawn as the cap line (df: year_label, eligible_registrations, selected_registrations,
    i129_receipts_from_registrations)."""
    fig = go.Figure()
    series = (("eligible_registrations", t("Eligible registrations (FOIA count)", lang)),
              ("selected_registrations", t("Registrations selected (as announced)", lang)),
              ("i129_receipts_from_registrations", t("Petitions filed from selected registrations", lang)))
    for i, (col, name) in enumerate(series):
        fig.add_bar(x=df["year_label"], y=df[col], name=name,
                    marker={"color": SEQUENCE[i], "pattern": {"shape": ["", "/", "."][i]}},
                    hovertemplate="%{y:,}<extra>" + name + "</extra>")
    if cap:
        add_cap_line(fig, cap, cap_label, lang=lang)
    fig.update_xaxes(title=t("Cap year (the lottery runs the March before it starts)", lang), type="category")
    fig.update_yaxes(title=t("Registrations or petitions", lang))
    fig.update_layout(barmode="group", hovermode="closest")
    return _reference_layout(fig, source, 420, lang=lang)

def _local(when: datetime, tz: str) -> pd.Timestamp:
    return pd.Timestamp(when).tz_convert(tz).tz_localize(None)


def _local_all(when: pd.Series, tz: str) -> list:
    """[_local(v, tz) for v in when], converted at once (one by one it was most of the fan chart's cost)."""
    return local_naive(when, tz).tolist() if len(when) else []


def cap_forecast_chart(arrivals: pd.Series, fan: pd.DataFrame, program: Program, as_of: datetime,
                       reached_at: datetime | None, p50: datetime | None, cap: int | None = None,
                       observed: pd.DataFrame | None = None, *, lang: str) -> go.Figure:
    """The cumulative count of applications toward the cap, and the forecast fan (P10 to P90, with the
    median) from `as_of` up to the cap. `arrivals`: submission times (UTC), sorted; `fan`: rows of
    count, p10, p50, p90 (aware datetimes, NaT where after close). `observed` (publication mode): rows of
    interval_end (UTC) and cumulative, drawn instead of the arrivals one by one; where it has none (every
    total suppressed), the count at `as_of` is not drawn, nor the fan's start from it."""
    tz = program.time_zone
    cap = cap or program.cap
    n: int | None
    if observed is not None:
        x = [_local(program.opens_at, tz)] + [_local(v, tz) for v in observed["interval_end"]]
        y = [0] + observed["cumulative"].tolist()
        n = None
        if len(observed):
            n = int(observed["cumulative"].iloc[-1])
            end = observed["interval_end"].iloc[-1] if reached_at is not None else as_of
            x, y = x + [_local(end, tz)], y + [n]
    else:
        n = len(arrivals)
        every = max(1, n // 2000)
        pick = list(range(every - 1, n, every)) + ([n - 1] if n and (n - 1) % every else [])
        # after the cap the curve ends with the last arrival; before it, at the forecast moment
        end = arrivals.iloc[-1] if reached_at is not None and n else as_of
        x = [_local(program.opens_at, tz)] + _local_all(arrivals.iloc[pick], tz) + [_local(end, tz)]
        y = [0] + [i + 1 for i in pick] + [n]
    fig = figure(go.Scatter(x=x, y=y, mode="lines", line={"color": PALETTE["principal"], "width": 3, "shape": "hv"},
                               name=t("Applications counted toward the cap", lang), hovertemplate="%{y:,}<extra></extra>"))
    if len(fan):
        edge = program.closes_at
        start = _local(as_of, tz)

        first = [] if n is None else [start]  # the fan starts from the count at the forecast moment, if shown

        def xs(col: str) -> list:
            return first + [_local(v, tz) if pd.notna(v) else (_local(edge, tz) if edge else None) for v in fan[col]]

        ys = ([] if n is None else [n]) + fan["count"].tolist()
        if n is None:  # no count to start from: the range of the cap moment alone, as a band along the cap line
            lo, hi, half = xs("p10")[-1], xs("p90")[-1], cap * 0.04
            fig.add_trace(go.Scatter(x=[lo, hi, hi, lo, lo], y=[cap - half, cap - half, cap + half, cap + half,
                                     cap - half], fill="toself", mode="lines", line={"width": 0},
                                     fillcolor="rgba(0,158,115,0.35)", hoverinfo="skip",
                                     name=t("Forecast: 80 % range (P10 to P90)", lang)))
        else:
            fig.add_trace(go.Scatter(x=xs("p10") + xs("p90")[::-1], y=ys + ys[::-1], fill="toself", mode="lines",
                                     line={"width": 0}, fillcolor="rgba(0,158,115,0.22)", hoverinfo="skip",
                                     name=t("Forecast: 80 % range (P10 to P90)", lang)))
            fig.add_trace(go.Scatter(x=xs("p50"), y=ys, mode="lines", line={"color": PALETTE["forecast"], "width": 2,
                                     "dash": "dot"}, name=t("Forecast: median (P50)", lang),
                                     hovertemplate="%{x|%a %d %b %H:%M}: %{y:,}<extra></extra>"))
        vline(fig, start, {"color": PALETTE["neutral"], "width": 1, "dash": "dot"})
        fig.add_annotation(x=start, y=0.02, yref="paper", text=t("Forecast made", lang), showarrow=False, xanchor="left",
                           yanchor="bottom", font={"size": 11, "color": "#222222"}, bgcolor="rgba(255,255,255,0.85)",
                           name=MOMENT_LABEL)
    add_cap_line(fig, cap, lang=lang)
    if reached_at is not None:
        add_moment(fig, reached_at, t("Cap reached", lang), tz)
    elif p50 is not None:
        fig.add_trace(go.Scatter(x=[_local(p50, tz)], y=[cap], mode="markers", name=t("Median cap moment", lang),
                                 marker={"color": PALETTE["forecast"], "size": 11, "symbol": "diamond"},
                                 hovertemplate="%{x|%a %d %b %H:%M}<extra></extra>"))
    fig.update_xaxes(title=t("Time ({zone})", lang).format(zone=zone_name(tz, lang)))
    fig.update_yaxes(title=t("Applications counted toward the cap", lang), range=[0, max(cap, n or 0) * 1.08])
    return base_layout(fig, source=source_note(program, lang=lang), lang=lang)


def forecast_history_chart(history: pd.DataFrame, program: Program, actual: datetime | None, *, lang: str) -> go.Figure:
    """What the forecast said at each moment it was made: the P10-P90 range of the cap moment and its
    median against the moment the cap was in fact reached. `history`: made_at, p10, p50, p90 (aware)."""
    tz = program.time_zone
    made = [_local(v, tz) for v in history["made_at"]]

    def col(name: str) -> list:
        return [_local(v, tz) if pd.notna(v) else None for v in history[name]]

    fig = figure()
    fig.add_trace(go.Scatter(x=made + made[::-1], y=col("p10") + col("p90")[::-1], fill="toself", mode="lines",
                             line={"width": 0}, fillcolor="rgba(0,158,115,0.22)", hoverinfo="skip",
                             name=t("Forecast: 80 % range (P10 to P90)", lang)))
    fig.add_trace(go.Scatter(x=made, y=col("p50"), mode="lines+markers", name=t("Forecast: median (P50)", lang),
                             line={"color": PALETTE["forecast"], "width": 2}, marker={"size": 5},
                             hovertemplate="%{y|%a %d %b %H:%M}<extra></extra>"))
    if actual is not None:
        hline(fig, _local(actual, tz), CAP_LINE, t("Cap reached", lang), {"color": "#222222"})
    fig.update_xaxes(title=t("Forecast made at ({zone})", lang).format(zone=zone_name(tz, lang)))
    fig.update_yaxes(title=t("Expected cap moment ({zone})", lang).format(zone=zone_name(tz, lang)), rangemode="normal",
                     separatethousands=False)
    base_layout(fig, source=source_note(program, lang=lang), lang=lang)
    fig.update_yaxes(rangemode="normal")
    return fig


# ---------------------------------------------------------------- after the cap: decisions, arrivals, places
# Pure functions of published (or raw) rows, the language and the program: no global state read.

STAGES = ("submitted", "in_review", "approved", "refused", "withdrawn", "arrived")
STAGE_LABELS = {"submitted": N_("Submitted"), "in_review": N_("In review"), "approved": N_("Approved"),
                "refused": N_("Refused"), "withdrawn": N_("Withdrawn"), "arrived": N_("Arrived in Canada")}
OUTCOME_COLOURS = {"approved": "#009E73", "refused": "#D55E00", "withdrawn": "#595959"}
ROLE_LABELS = {"principal": N_("Principal applicants"), "family": N_("Family members")}
# Light to dark blue (ColorBrewer Blues, its lightest step dropped): ordered by lightness, so it reads in
# grey and under every colour-vision deficiency; places with none are the light grey of NO_DATA.
MAP_SCALE = [[0.0, "#c6dbef"], [0.25, "#9ecae1"], [0.5, "#6baed6"], [0.75, "#2171b5"], [1.0, "#08306b"]]
NO_DATA = "#eeeeee"
MAP_EDGE = "#ffffff"


def _count_text(n, lang: str) -> str:
    from dashboard.i18n import fmt_int

    return SUPPRESSED if n is None or pd.isna(n) else fmt_int(n, lang)


def funnel_chart(df: pd.DataFrame, *, lang: str, program: Program, source: str) -> go.Figure:
    """The stages top to bottom as they are read, principal applicants and family members side by side, each
    bar labelled with its count and the share of submitted applications that reached the stage.

    `df`: processing_funnel's rows (stage, principal, family), published or not (an empty count is a
    suppressed one and has no bar).
    """
    from dashboard.i18n import fmt_pct

    rows = df.set_index("stage").reindex(list(STAGES))
    labels = wrapped((t(STAGE_LABELS[s], lang) for s in STAGES), 12)  # narrow on a phone: the bars get the width
    fig = go.Figure()
    for i, col in enumerate(("principal", "family")):
        values = pd.to_numeric(rows[col], errors="coerce")
        base = values.get("submitted")
        shares = [fmt_pct(float(v) / float(base), lang=lang) if pd.notna(v) and pd.notna(base) and base else "—"
                  for v in values]
        text = [f"{_count_text(v, lang)} ({s})" for v, s in zip(values, shares, strict=True)]
        name = t(ROLE_LABELS[col], lang)
        # "auto": inside a bar long enough to hold it, outside a short one (on a phone the longest bar's label
        # ran off the chart's edge)
        fig.add_bar(y=labels, x=values, orientation="h", name=name, text=text, textposition="auto",
                    cliponaxis=False, marker={"color": PALETTE[col], "pattern": {
                        # the family bar's own colour under a dark hatch, so white text inside it reads (Streamlit's
                        # theme otherwise draws the hatch on white)
                        "shape": ["", "/"][i], "fgcolor": "#8A3D00", "bgcolor": PALETTE[col], "fillmode": "replace"}},
                    hovertext=text, hovertemplate="%{y}: %{hovertext}<extra>" + name + "</extra>")
    top = pd.to_numeric(rows[["principal", "family"]].stack(), errors="coerce").max()
    fig.update_layout(barmode="group", hovermode="closest", bargap=0.25)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    title = t("Applications (share of those submitted beside each bar)", lang)  # narrower than a phone's plot
    fig.update_xaxes(title=wrapped([title], 26)[0],
                     range=[0, max(float(top) if pd.notna(top) else 0.0, 1.0) * 1.22])
    base_layout(fig, source=source, height=_ranked_height(len(STAGES), 56), lang=lang)
    fig.update_yaxes(rangemode="normal")
    return _source_under_axis(fig, source)


def _days(df: pd.DataFrame, program: Program) -> pd.Series:
    return local_naive(df["interval_start"], program.time_zone)


def decisions_chart(df: pd.DataFrame, *, lang: str, program: Program, role: str, source: str) -> go.Figure:
    """Decisions made each day (approved, refused, withdrawn stacked) and the backlog of open applications
    at each day's end on a second axis, for one role. `df`: decisions_by_day's rows (any roles)."""
    rows = df[df["role"] == role]
    x = _days(rows, program)
    fig = go.Figure()
    for i, outcome in enumerate(("approved", "refused", "withdrawn")):
        name = t(STAGE_LABELS[outcome], lang)
        fig.add_bar(x=x, y=rows[outcome], name=name, marker={"color": OUTCOME_COLOURS[outcome],
                    "pattern": {"shape": ["", "/", "."][i]}}, hovertemplate="%{y:,}<extra>" + name + "</extra>")
    backlog = t("Open applications (backlog, right axis)", lang)
    fig.add_scatter(x=x, y=rows["open"], name=backlog, mode="lines", yaxis="y2",
                    line={"color": "#332288", "width": 2.5}, hovertemplate="%{y:,}<extra>" + backlog + "</extra>")
    fig.update_layout(barmode="stack", bargap=0.1, yaxis2={
        "overlaying": "y", "side": "right", "rangemode": "tozero", "showgrid": False, "separatethousands": True,
        "title": {"text": t("Open applications", lang)}})
    fig.update_xaxes(title=t("Day ({zone})", lang).format(zone=zone_name(program.time_zone, lang)))
    fig.update_yaxes(title=t("Decisions per day", lang), selector={"side": None})
    _whole_counts(fig, rows[["approved", "refused", "withdrawn"]].sum(axis=1), "yaxis")
    _whole_counts(fig, rows["open"], "yaxis2")
    return base_layout(fig, source=source, lang=lang)


def _whole_counts(fig: go.Figure, values: pd.Series, axis: str) -> None:
    """No half applications on a count axis whose counts are small."""
    top = pd.to_numeric(values, errors="coerce").max()
    if pd.isna(top) or top < 10:
        fig.layout[axis].dtick = 1


def decision_times_chart(df: pd.DataFrame, *, lang: str, program: Program, source: str) -> go.Figure:
    """Days from submission to decision by outcome, a marker at the median and a bar from the 10th to the
    90th percentile, principal applicants and family members apart. `df`: decision_times' rows."""
    from dashboard.i18n import fmt_num

    fig = go.Figure()
    for i, role in enumerate(("principal", "family")):
        rows = df[df["role"] == role]
        labels = [t(STAGE_LABELS[o], lang) for o in rows["outcome"]]
        med = pd.to_numeric(rows["median_days"], errors="coerce")
        lo = med - pd.to_numeric(rows["p10_days"], errors="coerce")
        hi = pd.to_numeric(rows["p90_days"], errors="coerce") - med
        text = [tn("median {median} days (P10 {p10}, P90 {p90}); {n} decision",
                   "median {median} days (P10 {p10}, P90 {p90}); {n} decisions", n, lang).format(
            median=fmt_num(m, 1, lang), p10=fmt_num(a, 1, lang), p90=fmt_num(b, 1, lang), n=_count_text(n, lang))
            if pd.notna(m) else t("no decision", lang)
            for m, a, b, n in zip(med, rows["p10_days"], rows["p90_days"], rows["applications"], strict=True)]
        name = t(ROLE_LABELS[role], lang)
        fig.add_scatter(y=labels, x=med, mode="markers", name=name, offsetgroup=role, orientation="h",
                        marker={"color": PALETTE[role], "size": 12, "symbol": ["circle", "diamond"][i]},
                        error_x={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo,
                                 "color": PALETTE[role], "thickness": 3, "width": 6},
                        hovertext=text, hovertemplate="%{y}: %{hovertext}<extra>" + name + "</extra>")
    fig.update_layout(scattermode="group", hovermode="closest")
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    fig.update_xaxes(title=t("Days from submission to decision (median; bar from the 10th to the 90th percentile)",
                             lang))
    base_layout(fig, source=source, height=_ranked_height(3, 70), lang=lang)
    fig.update_yaxes(rangemode="normal")
    return _source_under_axis(fig, source)


def arrivals_against_approvals_chart(df: pd.DataFrame, *, lang: str, program: Program, role: str, source: str,
                                     reference: tuple[int, str] | None = None) -> go.Figure:
    """Cumulative approvals and cumulative arrivals in Canada for one role, day by day; with `reference`
    (count, label), a published figure drawn as a dotted line up to the end of the program's first year.
    `df`: decisions_by_day's rows (a suppressed day adds nothing)."""
    rows = df[df["role"] == role]
    x = _days(rows, program)
    fig = go.Figure()
    for col, name, colour, dash in (("approved", t("Approved (cumulative)", lang), OUTCOME_COLOURS["approved"], "solid"),
                                    ("arrived", t("Arrived in Canada (cumulative)", lang), PALETTE["principal"], "dash")):
        y = pd.to_numeric(rows[col], errors="coerce").fillna(0).cumsum()
        fig.add_scatter(x=x, y=y, mode="lines", name=name, line={"color": colour, "width": 2.5, "dash": dash},
                        hovertemplate="%{y:,}<extra>" + name + "</extra>")
    if reference is not None:
        count, label = reference
        opens = pd.Timestamp(program.opens_at).tz_convert(program.time_zone).tz_localize(None)
        year_end = opens + pd.DateOffset(years=1)
        fig.add_scatter(x=[opens, year_end], y=[count, count], mode="lines+markers", name=label,
                        line={"color": PALETTE["reference"], "width": 2, "dash": "dot"},
                        marker={"symbol": ["line-ns", "line-ns-open"], "size": 14,
                                "line": {"width": 2, "color": PALETTE["reference"]}},
                        hovertemplate="%{y:,}<extra>" + label + "</extra>")
    fig.update_xaxes(title=t("Day ({zone})", lang).format(zone=zone_name(program.time_zone, lang)))
    fig.update_yaxes(title=t("Applications (cumulative)", lang))
    return base_layout(fig, source=source, lang=lang)


def load_geometry(name: str) -> dict:
    """data/geo/<name>.geojson (scripts/make_geometry.py): the outlines the maps draw, shipped with the app."""
    import json

    from dashboard.programs import DATA_DIR

    return json.loads((DATA_DIR / "geo" / f"{name}.geojson").read_text(encoding="utf-8"))


def _rings(feature: dict) -> tuple[list, list]:
    lon: list = []
    lat: list = []
    for polygon in feature["geometry"]["coordinates"]:
        for ring in polygon:
            lon += [p[0] for p in ring] + [None]
            lat += [p[1] for p in ring] + [None]
    return lon, lat


def _fill(value, top: float) -> str:
    """The colour of a value on MAP_SCALE (0 .. top), by linear interpolation between its stops."""
    if value is None or pd.isna(value) or float(value) <= 0 or top <= 0:
        return NO_DATA
    x = min(float(value) / top, 1.0)
    for (x0, c0), (x1, c1) in zip(MAP_SCALE, MAP_SCALE[1:], strict=False):
        if x <= x1:
            f = (x - x0) / (x1 - x0) if x1 > x0 else 0.0
            a = [int(c0[i:i + 2], 16) for i in (1, 3, 5)]
            b = [int(c1[i:i + 2], 16) for i in (1, 3, 5)]
            return "#" + "".join(f"{round(u + (v - u) * f):02x}" for u, v in zip(a, b, strict=True))
    return MAP_SCALE[-1][1]


def region_map(df: pd.DataFrame, geometry: dict, *, code: str, value: str, names: dict[str, str], lang: str,
               source: str, value_label: str, hover: list[str], projection: dict, height: int = 520) -> go.Figure:
    """A map of regions filled by `value` (one outline trace per region, drawn on a geo subplot whose base
    layers are all off: the figure holds its own geometry, so plotly.js fetches no map file), with a marker
    at each region's centre carrying the colour scale and the hover text.

    `df`: one row per region code (`code` column) with `value`; `names`: code -> name; `hover`: one text
    per row of df. Regions of the geometry with no row are drawn as having none.
    """
    values = dict(zip(df[code], pd.to_numeric(df[value], errors="coerce"), strict=True))
    texts = dict(zip(df[code], hover, strict=True))
    top = max([float(v) for v in values.values() if pd.notna(v)] + [0.0])
    fig = go.Figure()
    centres = []
    for feature in geometry["features"]:
        key = feature["id"]
        lon, lat = _rings(feature)
        fig.add_scattergeo(lon=lon, lat=lat, mode="lines", fill="toself", fillcolor=_fill(values.get(key), top),
                           line={"color": MAP_EDGE, "width": 0.8}, hoverinfo="skip", showlegend=False,
                           name=names.get(key, key))
        centres.append((key, *feature["properties"]["ct"]))
    keys = [c[0] for c in centres]
    fig.add_scattergeo(
        lon=[c[1] for c in centres], lat=[c[2] for c in centres], mode="markers", showlegend=False,
        name=value_label, customdata=keys,
        marker={"size": 9, "color": [values.get(k) if pd.notna(values.get(k)) else 0 for k in keys],
                "colorscale": MAP_SCALE, "cmin": 0, "cmax": max(top, 1.0), "line": {"color": "#222222", "width": 1},
                "colorbar": {"title": {"text": value_label, "side": "right"}, "thickness": 14, "len": 0.8,
                             "separatethousands": True, "exponentformat": "none"}},
        hovertext=[f"{names.get(k, k)}: {texts.get(k, _count_text(0, lang))}" for k in keys],
        hovertemplate="%{hovertext}<extra></extra>",
    )
    fig.update_geos(visible=False, projection=projection["projection"], lonaxis={"range": projection["lon"]},
                    lataxis={"range": projection["lat"]}, bgcolor="white")
    base_layout(fig, source=source, height=height, lang=lang)
    # the bottom margin stays base_layout's, which holds the source note's lines: set to 100 here, it cut a
    # two-line note to its first line ("Source: synthetic demo data (not real")
    fig.update_layout(hovermode="closest", margin={"l": 10, "r": 10, "t": 20})
    return fig


CANADA_VIEW = {"projection": {"type": "conic conformal", "parallels": [49, 77], "rotation": {"lon": -96}},
               "lon": [-141, -52], "lat": [41.5, 83.5]}
US_VIEW = {"projection": {"type": "albers usa"}, "lon": [-125, -66], "lat": [24, 50]}


def ranked_places_chart(df: pd.DataFrame, *, labels: list[str], value: str, value_label: str, lang: str,
                        source: str, colour: str = PALETTE["principal"], text: list[str] | None = None) -> go.Figure:
    """The places of a map ranked by `value`, largest at the top, each bar labelled with its number."""
    fig = go.Figure(go.Bar(
        y=labels, x=pd.to_numeric(df[value], errors="coerce"), orientation="h", marker={"color": colour},
        text=text if text is not None else [_count_text(v, lang) for v in df[value]], textposition="outside",
        cliponaxis=False, hovertemplate="%{y}: %{text}<extra></extra>", name=value_label,
    ))
    top = pd.to_numeric(df[value], errors="coerce").max()
    fig.update_layout(hovermode="closest", showlegend=False, bargap=0.2)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(title=value_label, range=[0, max(float(top) if pd.notna(top) else 0.0, 1.0) * 1.2])
    base_layout(fig, source=source, height=_ranked_height(len(df), 24), lang=lang)
    fig.update_yaxes(rangemode="normal")
    return _source_under_axis(fig, source)
