"""Pure functions DataFrame -> plotly Figure, with one colour scheme and the cap drawn the same way.

No streamlit here. Every figure carries its source (and "synthetic demo data" where it is) in an
annotation, so a PNG saved from plotly's toolbar stands alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import date_tickformatstops, language, plotly_separators, t
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


def source_note(program: Program | None, extra: str = "") -> str:
    """The source line for figures of application data."""
    if program is not None and program.synthetic:
        base = t("Source: synthetic demo data (not real applications), calibrated to published facts")
    else:
        base = t("Source: application records in the warehouse")
    return f"{base}. {extra}".strip() if extra else base


def local_naive(series: pd.Series, tz: str) -> pd.Series:
    """UTC instants as wall-clock times in `tz`, for axes that name the zone."""
    return series.dt.tz_convert(tz).dt.tz_localize(None)


def base_layout(fig: go.Figure, *, source: str, title: str | None = None, height: int = 420) -> go.Figure:
    """The house style, in the current language: numbers and dates in its format (plotly's locale
    itself comes with the chart's config, ui.plotly_config), readable axis text, traces told apart
    by more than colour, and the source at the foot of the figure."""
    top, bottom = (50 if title else 20), 100
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16, "color": TEXT}} if title else None,
        height=height,
        font={"family": FONT, "size": 13, "color": TEXT},
        colorway=SEQUENCE,
        separators=plotly_separators(),
        margin={"l": 60, "r": 20, "t": top, "b": bottom},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0,
                "font": {"color": TEXT}},
        hovermode="x unified",
        plot_bgcolor="white",
    )
    axis_text = {"color": TEXT}
    fig.update_xaxes(showgrid=True, gridcolor="#e5e5e5", linecolor="#595959", tickfont=axis_text,
                     title_font=axis_text, separatethousands=True, exponentformat="none")
    fig.update_yaxes(showgrid=True, gridcolor="#e5e5e5", linecolor="#595959", rangemode="tozero",
                     tickfont=axis_text, title_font=axis_text, separatethousands=True, exponentformat="none")
    localize_date_axes(fig)
    distinguish_traces(fig)
    # At the foot of the figure whatever its height (paper units are relative to the plot area).
    plot_height = max(height - top - bottom, 1)
    fig.add_annotation(text=source, xref="paper", yref="paper", x=0, y=-bottom / plot_height, yshift=4,
                       showarrow=False, xanchor="left", yanchor="bottom", font={"size": 11, "color": "#595959"})
    return fig


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _is_dates(values) -> bool:
    if values is None or len(values) == 0:
        return False
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return True
    first = values[0]
    return isinstance(first, date | np.datetime64) or (isinstance(first, str) and bool(_ISO_DATE.match(first)))


def localize_date_axes(fig: go.Figure) -> go.Figure:
    """Date axes write times of day in the language's style ("14 h 05" in French), unless a chart set
    its own tick format."""
    stops = date_tickformatstops()
    if not stops:
        return fig
    axes = {name for name in fig.layout.to_plotly_json() if re.fullmatch(r"[xy]axis\d*", name)
            and fig.layout[name].type == "date"}
    for trace in fig.data:
        for letter in ("x", "y"):
            if letter in trace and _is_dates(trace[letter]):
                ref = trace[f"{letter}axis"] if f"{letter}axis" in trace else None
                axes.add(f"{letter}axis{(ref or letter)[1:]}")
    for name in axes:
        axis = fig.layout[name]
        if not axis.tickformat and not axis.tickformatstops:
            axis.tickformatstops = stops
    return fig


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


def add_cap_line(fig: go.Figure, cap: int, label: str | None = None) -> go.Figure:
    """The cap, drawn the same way on every chart: a dark dashed horizontal line, labelled."""
    from dashboard.i18n import fmt_int

    fig.add_hline(y=cap, line=CAP_LINE, annotation_text=label or t("Cap: {cap}").format(cap=fmt_int(cap)),
                  annotation_position="top left", annotation_font={"color": "#222222"})
    return fig


def add_moment(fig: go.Figure, when: datetime, label: str, tz: str) -> go.Figure:
    """A vertical marker at a moment (shown in the program's zone)."""
    x = pd.Timestamp(when).tz_convert(tz).tz_localize(None)
    fig.add_vline(x=x, line={"color": PALETTE["neutral"], "width": 1, "dash": "dot"})
    fig.add_annotation(x=x, y=1, yref="paper", text=label, showarrow=False, xanchor="left", yanchor="top",
                       font={"size": 11, "color": "#222222"}, bgcolor="rgba(255,255,255,0.85)")
    return fig


def add_events(fig: go.Figure, events: Iterable[Event], program: Program, x_min, x_max) -> go.Figure:
    """The program's events that fall inside the x range, as dotted markers with their label."""
    for i, ev in enumerate(events):
        x = pd.Timestamp(datetime.combine(ev.day, time(12, 0)))
        if x_min is not None and not (x_min <= x <= x_max):
            continue
        fig.add_vline(x=x, line={"color": EVENT_LINE, "width": 1, "dash": "dot"})
        fig.add_annotation(x=x, y=0.86 - 0.07 * (i % 3), yref="paper", yanchor="top", text=ev.label(language()),
                           showarrow=False, xanchor="left", font={"size": 11, "color": "#444444"},
                           bgcolor="rgba(255,255,255,0.8)")
    return fig


def cumulative_chart(df: pd.DataFrame, program: Program, cap_reached_at: datetime | None) -> go.Figure:
    """Cumulative applications counting toward the cap, with the cap line, the cap moment and events."""
    x = local_naive(df["interval_end"], program.time_zone) if len(df) else pd.Series([], dtype="datetime64[ns]")
    start = pd.Timestamp(program.opens_at).tz_convert(program.time_zone).tz_localize(None)
    if len(df) and x.min() > start:  # the curve starts from zero at the opening
        x = pd.concat([pd.Series([start]), x], ignore_index=True)
        y = pd.concat([pd.Series([0]), df["cumulative"]], ignore_index=True)
    else:
        y = df["cumulative"]
    fig = go.Figure(go.Scatter(
        x=x, y=y, mode="lines", name=t("Principal applications (cumulative)"),
        line={"color": PALETTE["principal"], "width": 3},
        hovertemplate="%{y:,}<extra></extra>",
    ))
    add_cap_line(fig, program.cap)
    if cap_reached_at is not None:
        add_moment(fig, cap_reached_at, t("Cap reached"), program.time_zone)
    if len(df):
        add_events(fig, program.events, program, x.min() - pd.Timedelta(days=1), x.max() + pd.Timedelta(days=1))
    fig.update_xaxes(title=t("Time ({zone})").format(zone=program.time_zone))
    fig.update_yaxes(title=t("Applications counted toward the cap"), range=[0, max(program.cap * 1.1,
                     float(df["cumulative"].max()) * 1.05 if len(df) else 0)])
    return base_layout(fig, source=source_note(program))
