"""Overview: where the intake stands, at a glance."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts, i18n, ui
from dashboard.i18n import fmt_datetime, fmt_duration, fmt_int, fmt_pct, t
from dashboard.sidebar import label

f = ui.current_filters()
program = ui.current_program()
tz = program.time_zone


@st.fragment(run_every=ui.refresh_seconds())
def headline() -> None:
    """Where the intake stands: re-read every few seconds, so an ingest shows up without a reload."""
    i18n.set_language(st.session_state.get("lang", "en"))
    with ui.friendly_errors():
        _headline()


def _headline() -> None:
    status = ui.run_metric("cap_status", f).iloc[0]
    counted, cap = int(status["counted"]), program.cap
    reached = None if pd.isna(status["cap_reached_at"]) else status["cap_reached_at"].to_pydatetime()
    moment = f.as_of or datetime.now(program.tz)

    st.subheader(t("Where the intake stands"))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("Principal applications counted"), fmt_int(min(counted, cap) if reached else counted),
              help=t("Principal applications submitted since opening, whatever their later status, up to the cap."))
    c1.caption(t("{share} of the cap of {cap}").format(share=fmt_pct(min(counted, cap) / cap), cap=fmt_int(cap)))
    c2.metric(t("Places remaining"), fmt_int(status["remaining"]),
              help=t("The cap minus the applications counted; never below zero."))
    c3.metric(t("Family applications"), fmt_int(status["family"]),
              help=t("Spouses and dependants: they do not count toward the cap."))
    if reached is not None:
        c4.metric(t("Status"), t("Cap reached"))
        c4.caption(t("{when}, {elapsed} after opening").format(
            when=fmt_datetime(reached, tz), elapsed=fmt_duration(reached - program.opens_at)))
    elif program.closes_at is not None and moment >= program.closes_at:
        c4.metric(t("Status"), t("Closed"))
        c4.caption(t("Closed {when} without reaching the cap").format(when=fmt_datetime(program.closes_at, tz)))
    elif moment < program.opens_at:
        c4.metric(t("Status"), t("Not yet open"))
        c4.caption(t("Opens {when}").format(when=fmt_datetime(program.opens_at, tz)))
    else:
        c4.metric(t("Status"), t("Open"))
        c4.caption(t("{elapsed} since opening").format(elapsed=fmt_duration(moment - program.opens_at)))
    if int(status["over_cap"]):
        st.caption(t("{n} principal applications arrived after the cap was reached (over cap): they are not counted.")
                   .format(n=fmt_int(status["over_cap"])))
    if f.narrows:
        st.caption(t("Cap figures are program-wide: the filters narrow the breakdowns below, not the cap status."))


headline()
status = ui.run_metric("cap_status", f).iloc[0]
reached = None if pd.isna(status["cap_reached_at"]) else status["cap_reached_at"].to_pydatetime()

curve = ui.run_metric("cumulative_principals", f)
if curve.empty:
    st.info(t("No applications counting toward the cap match these filters."), icon=":material/filter_alt_off:")
else:
    total = int(curve["cumulative"].iloc[-1])
    last = curve["interval_start"].iloc[-1].to_pydatetime()
    summary = t("{total} principal applications arrived by {last}; the cap of {cap} is drawn as a dashed line.").format(
        total=fmt_int(total), last=fmt_datetime(last, tz), cap=fmt_int(program.cap))
    table = curve.assign(interval_start=charts.local_naive(curve["interval_start"], tz)).rename(
        columns={"interval_start": f"interval_start ({tz})"})
    ui.chart_block(charts.cumulative_chart(curve, program, reached), table, summary=summary,
                   metric="cumulative_principals", key="cumulative")

st.subheader(t("Applications by role and status"))
by = ui.run_metric("applications_by_role_status", f)
if by.empty:
    st.info(t("No applications match these filters."), icon=":material/filter_alt_off:")
else:
    pivot = by.pivot_table(index="applicant_role", columns="status", values="applications", aggfunc="sum",
                           fill_value=0)
    fig = go.Figure()
    for i, s in enumerate(pivot.columns):
        fig.add_bar(name=label(s), y=[label(r) for r in pivot.index], x=pivot[s], orientation="h",
                    marker={"color": charts.SEQUENCE[i % len(charts.SEQUENCE)],
                            "pattern": {"shape": ["", "/", ".", "x", "-"][i % 5]}},
                    hovertemplate="%{x:,}<extra>" + label(s) + "</extra>")
    fig.update_layout(barmode="stack", hovermode="closest")
    fig.update_xaxes(title=t("Applications"))
    charts.base_layout(fig, source=charts.source_note(program), height=300)
    summary = t("{n} applications match the filters, by applicant role and current status.").format(
        n=fmt_int(int(by["applications"].sum())))
    ui.chart_block(fig, by, summary=summary, metric="applications_by_role_status", key="role-status")
