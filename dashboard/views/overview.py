"""Overview: where the intake stands, at a glance."""

from __future__ import annotations

from datetime import datetime, time

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import brief, charts, signin, ui
from dashboard.i18n import fmt_datetime, fmt_duration, fmt_int, fmt_pct, language, t, tn
from dashboard.ui import label

f = ui.current_filters()
program = ui.current_program()
tz = program.time_zone


def _headline() -> None:
    status = ui.run_metric("cap_status", f).iloc[0]
    counted, cap = int(status["counted"]), program.cap
    reached = None if pd.isna(status["cap_reached_at"]) else status["cap_reached_at"].to_pydatetime()
    moment = ui.data_moment(f, program)  # the forecast page's moment too

    st.subheader(t("Where the intake stands"), anchor=False)
    # The status is a sentence, not a metric tile: a tile cuts a long value short ("Plafond atte…" in
    # French), a sentence wraps at any width and zoom, and its words, not a colour, carry the meaning.
    if reached is not None:
        st.info(t("**Status: cap reached** on {when}, {elapsed} after opening.").format(
            when=fmt_datetime(reached, tz), elapsed=fmt_duration(reached - program.opens_at)), icon=":material/flag:")
    elif program.closes_at is not None and moment >= program.closes_at:
        st.info(t("**Status: closed** on {when} without reaching the cap.").format(
            when=fmt_datetime(program.closes_at, tz)), icon=":material/lock:")
    elif moment < program.opens_at:
        st.info(t("**Status: not yet open.** Opens {when}.").format(when=fmt_datetime(program.opens_at, tz)),
                icon=":material/schedule:")
    else:
        st.info(t("**Status: open**, {elapsed} since opening (as of {moment}).").format(
            elapsed=fmt_duration(moment - program.opens_at), moment=fmt_datetime(moment, tz)),
            icon=":material/hourglass_top:")
    c1, c2, c3 = st.columns(3)
    shown = min(counted, cap) if reached else counted
    c1.metric(t("Principal applications counted"), ui.count(shown),
              help=t("Principal applications submitted since opening, whatever their later status, up to the cap."))
    # In publication mode the share and the places remaining come from the rounded count, so neither
    # gives the suppressed or unrounded count back.
    published = ui.published_count(shown)
    if published is not None:
        c1.caption(t("{share} of the cap of {cap}").format(share=fmt_pct(published / cap), cap=fmt_int(cap)))
    remaining = status["remaining"] if not ui.publication() else (
        None if published is None else max(cap - int(published), 0))
    c2.metric(t("Places remaining"), ui.SUPPRESSED_TEXT if remaining is None else fmt_int(remaining),
              help=t("The cap minus the applications counted; never below zero."))
    c3.metric(t("Family applications"), ui.count(status["family"]),
              help=t("Spouses and dependants: they do not count toward the cap."))
    if int(status["over_cap"]):
        st.caption(t("{n} principal applications arrived after the cap was reached (over cap): they are not counted.")
                   .format(n=ui.count(status["over_cap"])))
    if f.narrows:
        st.caption(t("Cap figures are program-wide: the filters narrow the breakdowns below, not the cap status."))


def _brief_button() -> None:
    """The minister's brief of this view as a PDF: built when pressed, recorded in the audit log."""
    if not signin.allowed("download_aggregates"):
        return
    context = {"f": f, "lang": language(), "publication": ui.publication(), "who": signin.current_user_label()}
    st.download_button(
        t("Brief (PDF)"), data=lambda: brief.deliver(**context, via="dashboard"), mime="application/pdf",
        file_name=brief.file_name(f, lang=context["lang"], publication=context["publication"]),
        key="brief-pdf", on_click="ignore", icon=":material/picture_as_pdf:",
        help=t("A one- or two-page note of this view for people who will not open the dashboard: status, "
               "forecast, peak rate, leading countries, two charts, sources. Takes a few seconds."))


status = ui.run_metric("cap_status", f).iloc[0]
reached = None if pd.isna(status["cap_reached_at"]) else status["cap_reached_at"].to_pydatetime()

curve = ui.run_metric("cumulative_principals", f)
if curve.empty:
    st.info(t("No applications counting toward the cap match these filters."), icon=":material/filter_alt_off:")
else:
    total = int(curve["cumulative"].iloc[-1])
    last = curve["interval_start"].iloc[-1].to_pydatetime()
    summary = tn("{total} principal application arrived by {last}; the cap of {cap} is drawn as a dashed line.",
                 "{total} principal applications arrived by {last}; the cap of {cap} is drawn as a dashed line.",
                 ui.published_count(total)).format(
        total=ui.count(total), last=fmt_datetime(last, tz), cap=fmt_int(program.cap))
    curve = ui.publish(curve, "cumulative_principals")
    # drawn without the moments whose total publication mode suppresses (the table shows them as --)
    fig = ui.figure("overview-cumulative", lambda: charts.cumulative_chart(ui.published_curve(curve), program, reached,
                                                                         lang=language()))
    ui.chart_block(fig, curve, summary=summary, metric="cumulative_principals", key="cumulative")
    # Plain text (labels from the events file). A line at an invented hour would contradict the curve.
    if undrawn := charts.events_not_drawn(curve, program):
        st.text(t("Events known by their date only, not drawn on this hour-by-hour chart: {events}.").format(
            events="; ".join(f"{fmt_datetime(datetime.combine(ev.day, time(12), program.tz), tz, kind='date')}: "
                             f"{ev.label(language())}" for ev in undrawn)))

# The curve first, under the headline band (app.py): at 1440x900 it starts on the first screen (issue 16).
ui.live(_headline)  # re-read every few seconds: an ingest shows up without a reload
_brief_button()


def _role_status_chart(by: pd.DataFrame) -> go.Figure:
    pivot = by.pivot(index="applicant_role", columns="status", values="applications").astype("float64")
    fig = charts.figure()
    for i, s in enumerate(pivot.columns):
        fig.add_bar(name=label(s), y=[label(r) for r in pivot.index], x=pivot[s], orientation="h",
                    marker={"color": charts.SEQUENCE[i % len(charts.SEQUENCE)],
                            "pattern": {"shape": ["", "/", ".", "x", "-"][i % 5]}},
                    hovertemplate="%{x:,}<extra>" + label(s) + "</extra>")
    # plotly lists the traces of stacked bars in reverse; the legend reads in the stacking order instead
    with charts.drafting(fig):
        charts.relayout(fig, {"barmode": "stack", "hovermode": "closest", "legend": {"traceorder": "normal"},
                              "xaxis": {"title": {"text": t("Applications")}}})
        charts.base_layout(fig, source=charts.source_note(program, lang=language()), height=300, lang=language())
    return fig


st.subheader(t("Applications by role and status"), anchor=False)
by = ui.run_metric("applications_by_role_status", f)
if by.empty:
    st.info(t("No applications match these filters."), icon=":material/filter_alt_off:")
else:
    total = int(by["applications"].sum())
    by = ui.publish(by, "applications_by_role_status")
    fig = ui.figure("overview-role-status", lambda: _role_status_chart(by))
    summary = tn("{n} application matches the filters, by applicant role and current status.",
                 "{n} applications match the filters, by applicant role and current status.",
                 ui.published_count(total)).format(n=ui.count(total))
    ui.chart_block(fig, by, summary=summary, metric="applications_by_role_status", key="role-status")
