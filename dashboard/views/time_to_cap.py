"""Time to cap: when the cap will be (or was) reached, with an honest range; what-if; forecasts against
what happened. The headline and the forecast refresh by themselves, so an ingest shows up unasked."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard import charts, disclosure, forecast, forecast_text, i18n, ui
from dashboard.filters import Filters
from dashboard.i18n import N_, fmt_datetime, fmt_duration, fmt_int, fmt_num, fmt_pct, t, tn, zone_name

NBSP = "\u00a0"

EVERY = {timedelta(hours=1): N_("every hour"), timedelta(hours=3): N_("every 3 hours"),
         timedelta(hours=6): N_("every 6 hours"), timedelta(hours=12): N_("every 12 hours"),
         timedelta(days=1): N_("every day"), timedelta(days=7): N_("every week")}
# The forecast tables' columns, as the tables behind the charts show them (the CSV keeps the identifiers).
LABELS = {"count": N_("Applications counted toward the cap"), "reached_at": N_("Cap reached at"),
          "made_at": N_("Forecast made"), "counted": N_("Counted"), "p10": N_("Early end of the range (P10)"),
          "p50": N_("Median (P50)"), "p90": N_("Late end of the range (P90)"), "chance_by_close": N_("Chance by close"),
          "actual": N_("Actual cap moment"), "in_range": N_("Range held the actual moment"),
          "p50_error_hours": N_("Median minus actual moment (hours)")}


def arrivals_for(f: Filters) -> pd.DataFrame:
    # Program-wide: keyed on the program and the as-of moment alone, so that changing another filter
    # (which does not change these figures) runs no query.
    return ui.run_metric("counting_times", Filters(f.program_id, as_of=f.as_of))


f = ui.current_filters()
program = ui.current_program()
tz = program.time_zone

st.subheader(t("Time to cap"), anchor=False)
st.caption(t("When the cap of {cap} will be reached, as a range: the forecast is a simulation of the arrivals to "
             "come, fitted to those so far (their daily and weekly rhythm, their trend), with its uncertainty. "
             "Cap figures are program-wide: the filters other than \"as of\" do not change them.").format(
    cap=fmt_int(program.cap)))


def _live() -> None:
    rows = arrivals_for(f)
    as_of = ui.data_moment(f, program)
    times = rows["submitted_at"]
    # computed once per snapshot and moment for everyone, off the request path (ui.warm: at a new snapshot
    # already, for the latest data); the rest of the page does not wait for a slow one
    p = ui.forecast("projection", program, f.as_of)
    if p is None:
        st.info(t("The forecast is being computed; it shows here by itself in a few seconds."),
                icon=":material/hourglass_top:")
        return
    st.session_state["ttc_projection"] = p

    c1, c2, c3, c4 = st.columns(4)
    counted = min(p.counted, program.cap)
    c1.metric(t("Counted toward the cap"), ui.count(counted),
              help=t("Applications of the roles that count, submitted from the opening up to the forecast moment."))
    shown = ui.published_count(counted)  # in publication mode the share comes from the rounded count
    if shown is not None:
        c1.caption(t("{share} of the cap of {cap}").format(share=fmt_pct(shown / program.cap), cap=fmt_int(program.cap)))
    # a rate is a count over a time: in publication mode it would give back the unrounded count
    rate = "—" if ui.publication() else forecast_text.rate_text(p.rate_per_hour, short=True)
    if p.reached_at is not None:
        c2.metric(t("Rate as the cap was reached"), rate,
                  help=t("Arrivals per hour over the last tenth of the time the cap took (at least an hour)."))
    else:
        c2.metric(t("Current rate"), rate,
                  help=t("The model's estimate of the arrival rate at the forecast moment, at that time of day."))
    if ui.publication():
        c2.caption(t("Not shown in publication mode: it comes from unrounded counts."))
    if p.reached_at is not None:
        took = p.reached_at - program.opens_at
        # days and hours in the box ("1 d 8 h 47 min" was cut to "1 d 8 h 47 ..." at 1300 px), the minute beneath
        c3.metric(t("Time to cap"), fmt_duration(took, coarse=True),
                  help=t("From the opening to the submission of the cap-th application."))
        c3.caption(f"{fmt_datetime(p.reached_at, tz)} ({fmt_duration(took).replace(' ', NBSP)})")  # wraps whole
    else:
        value, day = forecast_text.headline_moment(p, tz)
        c3.metric(t("Cap expected (median)"), value if p.p50 else t("Not before close")
                  if p.probability_by_close is not None else "—",
                  help=t("Half of the simulated futures reach the cap before this moment, half after."))
        if day:
            c3.caption(day)
    if program.closes_at is None:
        c4.metric(t("Chance by close"), "—", help=t("The program has no closing date."))
    else:
        c4.metric(t("Chance by close"),
                  fmt_pct(p.probability_by_close, 0) if p.probability_by_close is not None else "—",
                  help=t("Share of the simulated futures that reach the cap before the intake closes ({close}).")
                  .format(close=fmt_datetime(program.closes_at, tz)))
    st.markdown("**" + forecast_text.range_sentence(p, tz, opens_at=program.opens_at,
                                                      closes_at=program.closes_at) + "**")
    basis = t("Forecast as of {moment}") if f.as_of else t("Forecast from the data as of the last ingest, {moment}")
    st.caption(basis.format(moment=fmt_datetime(as_of, tz)) + ". " + t(
        "The range holds the cap moment in 80 % of the simulated futures (P10 to P90); in the backtest on "
        "simulated intakes it held the true moment about that often (see docs/forecast.md)."))

    if p.counted == 0:
        st.info(t("No application counting toward the cap had arrived by then: there is nothing to forecast from."),
                icon=":material/hourglass_empty:")
        return
    sorted_times = times[(times >= program.opens_at) & (times <= as_of)].sort_values()
    fan = pd.DataFrame([{"count": fp.count, "p10": fp.p10, "p50": fp.p50, "p90": fp.p90} for fp in p.fan],
                       columns=["count", "p10", "p50", "p90"])
    fan = fan.assign(**{c: pd.to_datetime(fan[c], utc=True) for c in ("p10", "p50", "p90")})  # NaT after close
    observed = None
    if ui.publication():
        # only the cap's row of the fan (disclosure.SPECS says why); the curve from published totals
        fan = ui.publish(fan, "forecast_fan")
        observed = ui.published_curve(ui.run_metric("cumulative_principals", replace(Filters(program.id),
                                                                                      as_of=f.as_of)))
        observed = observed[observed["interval_end"] <= as_of]
    # program-wide, like its rows: keyed on the program, the as-of filter and the moment it stands at
    fig = ui.figure("ttc-fan", lambda: charts.cap_forecast_chart(
        sorted_times.reset_index(drop=True), fan, program, as_of, p.reached_at, p.p50, observed=observed,
        lang=i18n.language()), as_of.isoformat(), f=Filters(program.id, as_of=f.as_of))
    if p.reached_at is not None:
        summary = t("The cumulative count of applications toward the cap, which reached {cap} at {when}.").format(
            cap=fmt_int(program.cap), when=fmt_datetime(p.reached_at, tz))
        metric, table = "cap_reached", ui.as_published(pd.DataFrame({"count": [program.cap],
                                                                     "reached_at": [p.reached_at]}))
    elif ui.publication():
        summary = t("The count so far ({n}, from published totals) and the range in which 80 % of the simulated "
                    "futures reach the cap; the diamond is their median.").format(n=ui.count(p.counted))
        metric, table = "forecast_fan", fan
    else:
        summary = t("The count so far ({n}) and, shaded, the range in which 80 % of the simulated futures climb "
                    "to the cap; the dotted line is their median.").format(n=fmt_int(p.counted))
        metric, table = "forecast_fan", fan
    ui.chart_block(fig, table, summary=summary, metric=metric, key="ttc-fan", labels=LABELS)


ui.live(_live)  # re-read every few seconds: an ingest shows up without a reload


@st.fragment
def what_if() -> None:
    """Replay the recorded arrivals against another cap or opening time."""
    i18n.set_language(st.session_state.get("lang", "en"))
    with ui.friendly_errors():
        _what_if()


def _what_if() -> None:
    st.subheader(t("What if the cap had been different?"), anchor=False)
    if ui.publication():
        st.info(t("Not shown in publication mode: the replay follows the applications one by one, so the moment "
                  "it gives for a cap is also an exact count of applications by then."), icon=":material/shield:")
        return
    rows = arrivals_for(f)
    as_of = ui.data_moment(f, program)
    times = rows["submitted_at"]
    recorded = int((times <= as_of).sum())
    if recorded == 0:
        st.info(t("No application counting toward the cap has been recorded yet."), icon=":material/hourglass_empty:")
        return
    c1, c2 = st.columns(2)
    top = max(recorded, program.cap)
    cap = c1.slider(t("Cap"), min_value=1, max_value=top, value=min(program.cap, top), key="ttc_whatif_cap",
                    help=t("Any number up to the applications recorded (or the real cap, if more)."))
    opening = c2.datetime_input(t("Opening time ({zone})").format(zone=zone_name(tz)), key="ttc_whatif_open",
                                value=program.opens_at.astimezone(program.tz).replace(tzinfo=None),
                                step=timedelta(minutes=15), format="YYYY-MM-DD")
    opens = program.localize(opening) if opening else program.opens_at
    when = forecast.reached_moment(times, cap, opens_at=opens, as_of=as_of)
    since = int(((times >= opens) & (times <= as_of)).sum())
    if when is not None:
        st.markdown(t("With a cap of {cap} and the opening at {opening}, the cap would have been reached at "
                      "**{when}**, {elapsed} after opening.").format(
            cap=fmt_int(cap), opening=fmt_datetime(opens, tz), when=fmt_datetime(when, tz),
            elapsed=fmt_duration(when - opens)))
    else:
        st.markdown(tn("With a cap of {cap} and the opening at {opening}, the cap would not have been reached: "
                       "{n} application was recorded from that opening up to {moment}.",
                       "With a cap of {cap} and the opening at {opening}, the cap would not have been reached: "
                       "{n} applications were recorded from that opening up to {moment}.", since).format(
            cap=fmt_int(cap), opening=fmt_datetime(opens, tz), n=fmt_int(since), moment=fmt_datetime(as_of, tz)))
    st.caption(t("This replays the applications as recorded: it does not model how applicants would have behaved "
                 "under another cap or opening. Applications that came after the real cap are counted too; after "
                 "the intake stopped taking them, none were recorded."))


what_if()

st.subheader(t("Forecasts made along the way, against what happened"), anchor=False)


@st.fragment(run_every=2)
def _history_pending() -> None:
    """While the forecasts along the way are being replayed: say so, and draw the page again once they are."""
    i18n.set_language(st.session_state.get("lang", "en"))
    ui.pin_snapshot(st.session_state.get(ui.SNAPSHOT_SHOWN))  # a fragment's rerun skips the frame's pin
    if ui.warm.forecast_result("history", program, f.as_of, wait=0) is not None:
        st.rerun()
    st.info(t("The forecasts made along the way are being replayed; they show here by themselves when done."),
            icon=":material/hourglass_top:")


rows = arrivals_for(f)
as_of = ui.data_moment(f, program)
times = rows["submitted_at"]
if int(((times >= program.opens_at) & (times <= as_of)).sum()) == 0:
    st.info(t("No application counting toward the cap had arrived by then: no forecast could be made."),
            icon=":material/hourglass_empty:")
else:
    def replayed(history: list) -> tuple[pd.DataFrame | None, datetime | None]:
        """The forecasts made along the way as rows, and the actual cap moment (None: not reached)."""
        reached = forecast.reached_moment(times, program.cap, opens_at=program.opens_at, as_of=as_of)
        if not history:
            return None, reached
        made = pd.DataFrame([{
            "made_at": when, "counted": p.counted, "p10": p.p10, "p50": p.p50, "p90": p.p90,
            "chance_by_close": p.probability_by_close,
        } for when, p in history])
        if reached is not None:
            made["actual"] = reached
            made["in_range"] = [bool(r.p10 is not None and r.p10 <= reached and (r.p90 is None or reached <= r.p90))
                                for r in made.itertuples()]
            made["p50_error_hours"] = [None if pd.isna(r.p50) else round((r.p50 - reached).total_seconds() / 3600, 1)
                                       for r in made.itertuples()]
        return made, reached

    # computed off the request path once per snapshot and moment (ui.warm), kept as rows (ui.memo) like the
    # chart: shared by every session, never changed
    with st.spinner(t("Replaying the forecasts…")):
        history = ui.forecast("history", program, f.as_of)
    hist, actual = (None, None) if history is None else ui.memo(
        "ttc-history-rows", lambda: replayed(history), as_of.isoformat(), f=Filters(program.id, as_of=f.as_of))
    if history is None:
        _history_pending()
    elif hist is None:
        st.info(t("The first forecast is made an hour after the opening; there is none to show yet."),
                icon=":material/hourglass_empty:")
    else:
        step = forecast.history_step(min(as_of, actual or as_of) - program.opens_at)
        every = t(EVERY.get(step, "every hour"))
        if actual is not None:
            inside = hist["in_range"].tolist()
            summary = tn("{k} of the {n} forecast made {every} held the actual cap moment ({when}) in its "
                         "80 % range.",
                         "{k} of the {n} forecasts made {every} held the actual cap moment ({when}) in their "
                         "80 % range.", len(hist)).format(k=fmt_int(sum(inside)), n=fmt_int(len(hist)), every=every,
                                              when=fmt_datetime(actual, tz))
        else:
            summary = tn("The {n} forecast made {every} since the opening; the cap had not been reached by "
                         "{moment}, so what happened is not known yet.",
                         "The {n} forecasts made {every} since the opening; the cap had not been reached by "
                         "{moment}, so what happened is not known yet.", len(hist)).format(
                n=fmt_int(len(hist)), every=every, moment=fmt_datetime(as_of, tz))
        fig = ui.figure("ttc-history", lambda: charts.forecast_history_chart(hist, program, actual,
                                                                           lang=i18n.language()),
                        as_of.isoformat(), f=Filters(program.id, as_of=f.as_of))
        # times stay aware: the table shows them in the program's zone, the CSV with their UTC offset
        table = hist.assign(**{c: pd.to_datetime(hist[c], utc=True)
                               for c in ("made_at", "p10", "p50", "p90", "actual") if c in hist})
        table = ui.publish(table, "forecast_history")  # the counts then, rounded in publication mode
        ui.chart_block(fig, table, summary=summary, metric="forecast_history", key="ttc-history", labels=LABELS)

        def history_table() -> pd.DataFrame:
            shown = pd.DataFrame({
                t("Forecast made"): [forecast_text.short_moment(v, tz) for v in hist["made_at"]],
                t("Counted"): [disclosure.SUPPRESSED_MARK if pd.isna(v) else fmt_int(v) for v in table["counted"]],
                "P10": [forecast_text.short_moment(v, tz) if pd.notna(v) else t("after close") for v in hist["p10"]],
                t("Median (P50)"): [forecast_text.short_moment(v, tz) if pd.notna(v) else t("after close")
                                    for v in hist["p50"]],
                "P90": [forecast_text.short_moment(v, tz) if pd.notna(v) else t("after close") for v in hist["p90"]],
                t("Chance by close"): [fmt_pct(v, 0) if v is not None and pd.notna(v) else "—"
                                       for v in hist["chance_by_close"]],
            })
            if actual is not None:
                shown[t("Range held the actual moment")] = [t("yes") if v else t("no") for v in hist["in_range"]]
            return shown

        # 130 rows of moments in words: formatted once per key, like the chart above
        shown = ui.memo("ttc-history-table", history_table, as_of.isoformat(), f=Filters(program.id, as_of=f.as_of))
        st.dataframe(shown, hide_index=True, width="stretch")
        if actual is not None:
            errors = hist["p50_error_hours"].dropna().abs()
            if len(errors):
                hours = round(float(errors.median()), 1)
                st.caption(tn("Median distance between the forecast median and the actual moment: {hours} hour.",
                              "Median distance between the forecast median and the actual moment: {hours} hours.",
                              hours).format(hours=fmt_num(hours, 1)))
