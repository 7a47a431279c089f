"""Velocity: how fast applications arrive, the milestones on the way to the cap, and intakes compared."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import charts, disclosure, forecast_text, ui
from dashboard import filters as fl
from dashboard.filters import Filters
from dashboard.i18n import N_, fmt_datetime, fmt_duration, fmt_int, fmt_num, fmt_pct, language, t, zone_name
from dashboard.metrics import MAX_INTERVALS, milestone_step
from dashboard.programs import programs
from dashboard.ui import url

GRAIN_LABELS = {"1min": N_("1 minute"), "15min": N_("15 minutes"), "hour": N_("Hour"), "day": N_("Day")}
BUSIEST = {"1min": N_("Busiest minute"), "15min": N_("Busiest 15 minutes"), "hour": N_("Busiest hour"),
           "day": N_("Busiest day")}

f = ui.current_filters()
program = ui.current_program()
tz = program.time_zone
ss = st.session_state


def _grain() -> str:
    """The grain widget, bound to the URL's `grain` by hand: the URL's value when the page is entered
    (an unusable one falls back to hours, with a notice), then the widget's, written back to the URL."""
    if url.entering("v_grain"):  # a shared link, a reload, a page switch, or Back/Forward
        grain, notices = url.read_grain()
        url.warn(notices)
        ss["v_grain"] = grain or (fl.DEFAULT_GRAIN if url.reloading() else ss.get("v_grain_kept", fl.DEFAULT_GRAIN))
    lang = language()  # the run's, for the format_func: Streamlit (and AppTest) may call it outside the run
    st.segmented_control(t("Interval"), list(fl.GRAINS), key="v_grain", required=True,
                         format_func=lambda g: t(GRAIN_LABELS[g], lang))
    grain = ss["v_grain"]
    ss["v_grain_kept"] = grain
    url.put_choice("grain", grain, fl.DEFAULT_GRAIN)
    return grain


def _interval_text(start: pd.Timestamp, grain: str) -> str:
    return fmt_datetime(start.to_pydatetime(), tz, kind="date" if grain == "day" else "datetime")


def _per_hour(rate_per_hour: float, hours: int, digits: int) -> str:
    """An hourly rate over the last `hours`; in publication mode computed from the rounded count (the
    count itself over one hour), `--` where that count is suppressed."""
    if not ui.publication():
        return fmt_num(rate_per_hour, digits)
    n = ui.published_count(round(float(rate_per_hour) * hours))
    return ui.SUPPRESSED_TEXT if n is None else fmt_num(n / hours, digits)


def _publishable_step(step: int) -> int:
    """In publication mode, milestones come every 10 applications or more, a multiple of 5 (see
    disclosure.publishable_milestones); otherwise every `step`."""
    return disclosure.publishable_step(step) if ui.publication() else step


def _milestones_table(miles: pd.DataFrame, params: dict) -> None:
    """The milestones as a table, and their CSV (elapsed times in hours), audited like every download."""
    st.dataframe(ui.memo("velocity-milestones", lambda: pd.DataFrame({  # formatted once per key (ui.memo)
        t("Application"): [fmt_int(m) for m in miles["milestone"]],
        t("Arrived ({zone})").format(zone=zone_name(tz)): [fmt_datetime(v.to_pydatetime(), tz) for v in miles["submitted_at"]],
        t("Since opening"): [fmt_duration(v.to_pytimedelta()) for v in miles["since_opening"]],
        t("Since the previous milestone"): [fmt_duration(v.to_pytimedelta()) for v in miles["since_previous"]],
    }), params.get("step")), hide_index=True, width="stretch")
    rows = _local_table(miles, "submitted_at").assign(
        since_opening_hours=miles["since_opening"] / pd.Timedelta(hours=1),
        since_previous_hours=miles["since_previous"] / pd.Timedelta(hours=1),
    ).drop(columns=["since_opening", "since_previous"])
    ui.download_buttons(rows, "milestones", "milestones", params)


def _local_table(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The rows with their UTC times shown in the program's zone (offset included: a repeated hour stays
    two rows that can be told apart)."""
    return df.assign(**{c: df[c].dt.tz_convert(tz) for c in columns})


st.subheader(t("How fast applications arrive"), anchor=False)
if program.accepts is not None:  # closed hours are quiet by rule (programs.toml accepts)
    st.caption(forecast_text.open_hours_text(program.accepts))
grain = _grain()
metric, grain_params = fl.grain_series(grain)  # the command line's --grain gives the same rows
every = ui.run_metric(metric, f, **grain_params)  # what the figures and sentences describe
cut = len(every) > MAX_INTERVALS
series = every.iloc[:MAX_INTERVALS]  # what the chart draws
shown = ui.publish(series, metric)  # the chart and its numbers; the series itself when publication mode is off
rate = ui.run_metric("arrival_rate", f).iloc[0]
status = ui.run_metric("cap_status", f).iloc[0]
reached = None if pd.isna(status["cap_reached_at"]) else status["cap_reached_at"].to_pydatetime()
at = None if pd.isna(rate["rate_at"]) else rate["rate_at"].to_pydatetime()

c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(t("Principal applications"), ui.count(rate["principal"]),
          help=t("Principal applications submitted by that moment under the filters, over the cap included."))
c1.caption(t("submitted by {moment}").format(moment=fmt_datetime(at, tz)) if at else t("none yet"))
if int(status["over_cap"]) and not f.narrows and program.counts_toward_cap == ("principal",):
    c1.caption(t("{n} of them arrived after the cap of {cap} was reached (over cap).").format(
        n=ui.count(status["over_cap"]), cap=fmt_int(program.cap)))
c2.metric(t("Family applications"), ui.count(rate["family"]),
          help=t("Spouses and dependants: they do not count toward the cap."))
# In hindsight once the cap is reached or the intake closed by that moment: the rates up to the cap (or the
# close), never "last hour: 0" for an intake that stopped taking applications long ago.
ended = next((m for m in (reached, program.closes_at) if m is not None and at is not None and at >= m), None)
if ended is None:
    c3.metric(t("Per hour, last hour"), _per_hour(rate["principal_per_hour_1h"], 1, 0),
              help=t("Principal applications submitted in the hour before that moment."))
    c3.caption(t("principal applications; spouses and dependants: {n}").format(
        n=_per_hour(rate["family_per_hour_1h"], 1, 0)))
    c4.metric(t("Per hour, last 6 hours"), _per_hour(rate["principal_per_hour_6h"], 6, 1),
              help=t("Principal applications submitted in the 6 hours before that moment, divided by 6."))
    c4.caption(t("principal applications; spouses and dependants: {n}").format(
        n=_per_hour(rate["family_per_hour_6h"], 6, 1)))
else:
    until = ui.run_metric("arrival_rate", f, at=ended).iloc[0]  # the same filters, at the cap (or close)
    hours = max((ended - program.opens_at).total_seconds() / 3600, 1 / 60)
    capped = ended == reached
    c3.metric(t("Per hour until the cap") if capped else t("Per hour until the close"),
              _per_hour(until["principal"] / hours, hours, 0),
              help=t("Principal applications submitted from the opening to that moment, divided by the hours "
                     "between."))
    c3.caption(t("principal applications, to {moment}").format(moment=fmt_datetime(ended, tz)))
    c4.metric(t("Per hour, final 6 hours"), _per_hour(until["principal_per_hour_6h"], 6, 1),
              help=t("Principal applications submitted in the 6 hours before the cap was reached (or the intake "
                     "closed), divided by 6."))
    c4.caption(t("principal applications; spouses and dependants: {n}").format(
        n=_per_hour(until["family_per_hour_6h"], 6, 1)))

if every.empty or int(every["principal"].sum() + every["family"].sum()) == 0:
    c5.metric(t(BUSIEST[grain]), "—")
    st.info(t("No applications match these filters."), icon=":material/filter_alt_off:")
else:
    # The sentences count what the figures above count; a cut chart says where it stops. The series fetched
    # holds the chart's intervals and one more, so once it is cut the totals are the figures' own.
    peak = every.loc[every["principal"].idxmax()]  # the first of equal peaks
    first = every["interval_start"].iloc[0]
    ends = [pd.Timestamp(m) for m in (f.end, f.as_of) if m is not None]
    if cut:
        last = min([pd.Timestamp(at)] + ends) if at is not None else every["interval_end"].iloc[-1]
        principal, family = rate["principal"], rate["family"]
    else:
        last = min([every["interval_end"].iloc[-1]] + ends)
        principal, family = every["principal"].sum(), every["family"].sum()
    # totals are rounded on their own in publication mode (ui.count)
    counts = {"first": fmt_datetime(first.to_pydatetime(), tz), "last": fmt_datetime(last.to_pydatetime(), tz),
              "principal": ui.count(principal), "family": ui.count(family)}
    if peak["principal"] > 0:
        c5.metric(t(BUSIEST[grain]), ui.count(peak["principal"]),
                  help=t("The interval with the most principal applications (the earliest, when several tie)."))
        c5.caption(t("from {start}").format(start=_interval_text(peak["interval_start"], grain)) if not cut else
                   t("from {start}, in the first {n} intervals").format(
                       start=_interval_text(peak["interval_start"], grain), n=fmt_int(MAX_INTERVALS)))
        summary = (t("From {first} to {last}, principal applications: {principal}, family applications (spouses "
                     "and dependants): {family}; the busiest interval for principal applications began {when}, "
                     "with {peak}.") if not cut else
                   t("From {first} to {last}, principal applications: {principal}, family applications (spouses "
                     "and dependants): {family}; in the first {n} intervals, the busiest for principal applications "
                     "began {when}, with {peak}.")).format(**counts, peak=ui.count(peak["principal"]),
                                                          when=_interval_text(peak["interval_start"], grain),
                                                          n=fmt_int(MAX_INTERVALS))
    else:  # only family applications match
        c5.metric(t(BUSIEST[grain]), "—")
        summary = t("From {first} to {last}, principal applications: {principal}, family applications (spouses "
                    "and dependants): {family}.").format(**counts)
    if cut:
        drawn_to = series["interval_end"].iloc[-1].to_pydatetime()
        st.caption(t("The chart and its numbers hold only the first {n} intervals, up to {last}: choose a longer "
                     "interval or narrow the time range to see the rest.").format(n=fmt_int(MAX_INTERVALS),
                                                                                  last=fmt_datetime(drawn_to, tz)))
    focus = charts.principal_focus(series)
    if focus is not None:
        st.caption(t("The chart opens on the principal applications, up to {end}; use Autoscale in its toolbar to "
                     "see the later family applications too.").format(end=fmt_datetime(focus[1].to_pydatetime(), tz)))
    ui.suppressed_bars_note()
    fig = ui.figure("velocity-arrivals", lambda: charts.arrivals_chart(shown, program, reached,
                                                                    t(GRAIN_LABELS[grain]).lower(), focus,
                                                                    lang=language()), grain)
    ui.chart_block(fig, _local_table(shown, "interval_start", "interval_end"), summary=summary, metric=metric,
                   params=grain_params, key="arrivals")

st.subheader(t("Milestones toward the cap"), anchor=False)
step = _publishable_step(milestone_step(program.cap))
miles = ui.run_metric("milestones", f, **({"step": step} if ui.publication() else {}))
if miles.empty:
    st.info(t("No application counting toward the cap matches these filters yet."), icon=":material/flag:")
else:
    cap_row = miles[miles["milestone"] == program.cap]
    if step == 1:
        summary = t("With a cap this small, every application counting toward the cap is a milestone: when it "
                    "arrived, and how long after the one before.")
    else:
        summary = t("A milestone every {step} applications counting toward the cap: when it was reached, and how "
                    "long the step took.").format(step=fmt_int(step))
    if len(cap_row):
        summary += " " + t("The cap of {cap} was reached {when}, {elapsed} after opening.").format(
            cap=fmt_int(program.cap), when=fmt_datetime(cap_row["submitted_at"].iloc[0].to_pydatetime(), tz),
            elapsed=fmt_duration(cap_row["since_opening"].iloc[0].to_pytimedelta()))
    st.markdown(summary)
    if f.narrows:
        st.caption(t("The milestones count only the applications that match the filters."))
    params = {"step": step} if ui.publication() else {}
    miles = ui.publish(miles, "milestones")  # the cap's moment above is public; small milestones are not
    if miles.empty:
        st.info(t("Publication mode: milestones are shown from the 10th application on, at least 10 apart; "
                  "none has been reached yet."), icon=":material/shield:")
    else:
        _milestones_table(miles, params)

st.subheader(t("Intakes compared"), anchor=False)
progs = programs()
loaded = [p for p in ui.run_metric("programs_loaded", Filters(""))["program_id"] if p in progs]
if len(loaded) < 2:
    st.info(t("Only one program has application records. When several are loaded, their cumulative curves are "
              "laid over each other here, by time since each opening."), icon=":material/stacked_line_chart:")
else:
    order = [f.program_id] + [p for p in loaded if p != f.program_id]
    breakdown = {"countries": f.countries, "roles": f.roles, "permits": f.permits, "statuses": f.statuses}
    curves = [(progs[p], ui.run_metric("cumulative_principals", f if p == f.program_id
                                       else replace(Filters(p), **breakdown))) for p in order]
    if ui.publication():  # each curve's totals rounded on their own; shares of the cap from them
        curves = [(prog, ui.published_curve(curve)) for prog, curve in curves]
    elapsed = ui.memo("velocity-elapsed", lambda: charts.elapsed_curves(curves), tuple(order))
    lang_name = {p: progs[p].name(language()) for p in order}
    parts = []
    for p in order:
        last = elapsed[elapsed["program_id"] == p].iloc[-1]
        parts.append(t("{program}: {share} of its cap after {elapsed}").format(
            program=lang_name[p], share=fmt_pct(last["share_of_cap"]),
            elapsed=fmt_duration(pd.Timedelta(hours=float(last["elapsed_hours"])).to_pytimedelta())))
    summary = t("Applications counting toward each cap, by time since each opening. {parts}.").format(
        parts="; ".join(parts))
    if f.start or f.end or f.as_of:
        summary += " " + t("The time range and the \"as of\" moment apply to {program} only; the other programs "
                           "show all their data.").format(program=lang_name[f.program_id])
    table = ui.as_published(elapsed.assign(program=elapsed["program_id"].map(lang_name)))
    # One above the other: side by side, each figure's source line was cut off.
    counts, shares = (ui.figure("velocity-compared", lambda share=share: charts.comparison_chart(
        elapsed, progs, share=share, lang=language()), share, tuple(order)) for share in (False, True))
    ui.chart_block(counts, table, summary=summary, metric="intakes_compared", key="compare-counts")
    ui.chart_block(shares, table,
                   summary=t("The same curves as a share of each program's cap."), metric="intakes_compared",
                   key="compare-share")
