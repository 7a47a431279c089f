"""Pure functions DataFrame -> plotly Figure, with one colour scheme and the cap drawn the same way.

No streamlit here. Every figure carries its source (and "synthetic demo data" where it is) in an
annotation, so a PNG saved from plotly's toolbar stands alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import language, t
from dashboard.programs import Event, Program

# Okabe-Ito: distinguishable with the common colour-vision deficiencies; all pass 3:1 on white.
PALETTE = {
    "principal": "#0072B2",  # blue
    "family": "#D55E00",  # vermillion
    "forecast": "#009E73",  # bluish green
    "reference": "#CC79A7",  # reddish purple
    "neutral": "#595959",  # dark grey
    "accent": "#E69F00",  # orange
}
SEQUENCE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#595959"]
CAP_LINE = {"color": "#222222", "width": 2, "dash": "dash"}
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
    lang = language()
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}} if title else None,
        height=height,
        font={"family": FONT, "size": 13, "color": "#222222"},
        colorway=SEQUENCE,
        separators=", " if lang == "fr" else ".,",
        margin={"l": 60, "r": 20, "t": 50 if title else 20, "b": 90},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hovermode="x unified",
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=True, gridcolor="#e5e5e5", linecolor="#595959")
    fig.update_yaxes(showgrid=True, gridcolor="#e5e5e5", linecolor="#595959", rangemode="tozero",
                     separatethousands=True)
    fig.add_annotation(text=source, xref="paper", yref="paper", x=0, y=-0.22, showarrow=False,
                       xanchor="left", yanchor="top", font={"size": 11, "color": "#595959"})
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
        fig.add_vline(x=x, line={"color": "#9a9a9a", "width": 1, "dash": "dot"})
        fig.add_annotation(x=x, y=0.92 - 0.08 * (i % 3), yref="paper", text=ev.label(language()),
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


def _local(when: datetime, tz: str) -> pd.Timestamp:
    return pd.Timestamp(when).tz_convert(tz).tz_localize(None)


def cap_forecast_chart(arrivals: pd.Series, fan: pd.DataFrame, program: Program, as_of: datetime,
                       reached_at: datetime | None, p50: datetime | None, cap: int | None = None) -> go.Figure:
    """The cumulative count of applications toward the cap, and the forecast fan (P10 to P90, with the
    median) from `as_of` up to the cap. `arrivals`: submission times (UTC), sorted; `fan`: rows of
    count, p10, p50, p90 (aware datetimes, NaT where after close)."""
    tz = program.time_zone
    cap = cap or program.cap
    n = len(arrivals)
    every = max(1, n // 2000)
    pick = list(range(every - 1, n, every)) + ([n - 1] if n and (n - 1) % every else [])
    # after the cap the curve ends with the last arrival; before it, at the forecast moment
    end = arrivals.iloc[-1] if reached_at is not None and n else as_of
    x = [_local(program.opens_at, tz)] + [_local(arrivals.iloc[i], tz) for i in pick] + [_local(end, tz)]
    y = [0] + [i + 1 for i in pick] + [n]
    fig = go.Figure(go.Scatter(x=x, y=y, mode="lines", line={"color": PALETTE["principal"], "width": 3, "shape": "hv"},
                               name=t("Applications counted toward the cap"), hovertemplate="%{y:,}<extra></extra>"))
    if len(fan):
        edge = program.closes_at
        start = _local(as_of, tz)

        def xs(col: str) -> list:
            return [start] + [_local(v, tz) if pd.notna(v) else (_local(edge, tz) if edge else None) for v in fan[col]]

        ys = [n] + fan["count"].tolist()
        fig.add_trace(go.Scatter(x=xs("p10") + xs("p90")[::-1], y=ys + ys[::-1], fill="toself", mode="lines",
                                 line={"width": 0}, fillcolor="rgba(0,158,115,0.22)", hoverinfo="skip",
                                 name=t("Forecast: 80 % range (P10 to P90)")))
        fig.add_trace(go.Scatter(x=xs("p50"), y=ys, mode="lines", line={"color": PALETTE["forecast"], "width": 2,
                                 "dash": "dot"}, name=t("Forecast: median (P50)"),
                                 hovertemplate="%{x|%a %d %b %H:%M}: %{y:,}<extra></extra>"))
        fig.add_vline(x=start, line={"color": PALETTE["neutral"], "width": 1, "dash": "dot"})
        fig.add_annotation(x=start, y=0.02, yref="paper", text=t("Forecast made"), showarrow=False, xanchor="left",
                           yanchor="bottom", font={"size": 11, "color": "#222222"}, bgcolor="rgba(255,255,255,0.85)")
    add_cap_line(fig, cap)
    if reached_at is not None:
        add_moment(fig, reached_at, t("Cap reached"), tz)
    elif p50 is not None:
        fig.add_trace(go.Scatter(x=[_local(p50, tz)], y=[cap], mode="markers", name=t("Median cap moment"),
                                 marker={"color": PALETTE["forecast"], "size": 11, "symbol": "diamond"},
                                 hovertemplate="%{x|%a %d %b %H:%M}<extra></extra>"))
    fig.update_xaxes(title=t("Time ({zone})").format(zone=tz))
    fig.update_yaxes(title=t("Applications counted toward the cap"), range=[0, max(cap, n) * 1.08])
    return base_layout(fig, source=source_note(program))


def forecast_history_chart(history: pd.DataFrame, program: Program, actual: datetime | None) -> go.Figure:
    """What the forecast said at each moment it was made: the P10-P90 range of the cap moment and its
    median against the moment the cap was in fact reached. `history`: made_at, p10, p50, p90 (aware)."""
    tz = program.time_zone
    made = [_local(v, tz) for v in history["made_at"]]

    def col(name: str) -> list:
        return [_local(v, tz) if pd.notna(v) else None for v in history[name]]

    fig = go.Figure()
    fig.add_trace(go.Scatter(x=made + made[::-1], y=col("p10") + col("p90")[::-1], fill="toself", mode="lines",
                             line={"width": 0}, fillcolor="rgba(0,158,115,0.22)", hoverinfo="skip",
                             name=t("Forecast: 80 % range (P10 to P90)")))
    fig.add_trace(go.Scatter(x=made, y=col("p50"), mode="lines+markers", name=t("Forecast: median (P50)"),
                             line={"color": PALETTE["forecast"], "width": 2}, marker={"size": 5},
                             hovertemplate="%{y|%a %d %b %H:%M}<extra></extra>"))
    if actual is not None:
        fig.add_hline(y=_local(actual, tz), line=CAP_LINE, annotation_text=t("Cap reached"),
                      annotation_position="top left", annotation_font={"color": "#222222"})
    fig.update_xaxes(title=t("Forecast made at ({zone})").format(zone=tz))
    fig.update_yaxes(title=t("Expected cap moment ({zone})").format(zone=tz), rangemode="normal",
                     separatethousands=False)
    base_layout(fig, source=source_note(program))
    fig.update_yaxes(rangemode="normal")
    return fig
