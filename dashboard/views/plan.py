"""Plan the next intake: the range in which a cap would be reached, before the first application, from
an earlier intake's shape and the eligible pool; and how the first hour's count narrows it.
The arithmetic is dashboard/forecast_plan.py (the same as `python -m dashboard.forecast plan`)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard import forecast_plan, ui
from dashboard.filters import Filters
from dashboard.i18n import (
    N_,
    fmt_datetime,
    fmt_duration,
    fmt_int,
    fmt_num,
    language,
    parse_count,
    t,
    tn,
    zone_choice_label,
)
from dashboard.programs import programs

ZONES = ("America/Toronto", "America/Vancouver", "America/Edmonton", "America/Winnipeg", "America/Halifax",
         "America/St_Johns", "America/New_York", "America/Chicago", "America/Los_Angeles", "UTC",
         "Europe/London", "Asia/Kolkata", "Asia/Manila")
LABELS = {"first_hour": N_("Applications in the first hour"), "p10": N_("Early end of the range (P10)"),
          "p50": N_("Median (P50)"), "p90": N_("Late end of the range (P90)")}

st.subheader(t("Plan the next intake"), anchor=False)
st.caption(t("Before an intake opens: when would its cap be reached? The pace is learned from an earlier intake "
             "and scaled by the size of the eligible pool; the range shows how far demand may differ."))

progs = programs()
loaded = [p for p in ui.run_metric("programs_loaded", Filters(""))["program_id"] if p in progs]
if not loaded:
    st.info(t("No program has application records yet: an earlier intake is needed to learn the shape from."),
            icon=":material/event_upcoming:")
    st.stop()

lang = language()


def _count_input(label: str, default: int, key: str, help: str | None = None) -> int:
    """A count typed as people write it, with its thousands separator ('10,000', « 10 000 »): a number
    input shows none. Something else is answered with a sentence, and the default is used meanwhile."""
    if key not in st.session_state:
        st.session_state[key] = fmt_int(default)
    n = parse_count(st.text_input(label, key=key, help=help))
    if n is None or n < 1:
        st.error(t("Type a whole number of at least 1, such as {example}; {default} is used meanwhile.").format(
            example=fmt_int(default), default=fmt_int(default)), icon=":material/error:")
        return default
    return n


left, right = st.columns(2)
with left:
    like = st.selectbox(t("Earlier intake to learn the shape from"), loaded,
                        format_func=lambda p: progs[p].short_name(lang), key="plan-like")  # a phone cut the full name
    earlier = progs[like]
    cap = _count_input(t("Cap (places)"), earlier.cap, f"plan-cap-{like}")
    zones = list(dict.fromkeys([earlier.time_zone, *ZONES]))
    zone_name = st.selectbox(t("Time zone of the opening"), zones, key="plan-zone",
                             format_func=lambda z: zone_choice_label(z, lang))
with right:
    day = st.date_input(t("Opening day"), key="plan-day",
                        value=forecast_plan.default_opening(earlier.opens_at, datetime.now(earlier.tz).date()))
    at = st.time_input(t("Opening time"), value=time(9, 0), key="plan-time")
facts = ui.run_metric("h1b_pool_facts", Filters(like)) if earlier.pool_fact else pd.DataFrame()
old_pool = forecast_plan.pool_of(earlier, facts) if earlier.pool_fact else None
with left:
    if old_pool is not None:
        pool = _count_input(t("Eligible pool"), int(old_pool), f"plan-pool-{like}",
                            help=t("People who could apply. The default is the reference estimate for the "
                                   "earlier intake; change it for a larger or smaller pool."))
        ratio = pool / old_pool
    else:
        st.caption(t("The earlier intake names no eligible pool: the new one is assumed to be the same size."))
        ratio = 1.0
with right:
    known = st.checkbox(t("The first hour's count is known"), key="plan-known")
    first = st.number_input(t("Applications in the first hour"), min_value=0, value=0, step=10,
                            key="plan-first", disabled=not known)

zone = ZoneInfo(zone_name)
opens = datetime.combine(day, at).replace(tzinfo=zone)
times = pd.to_datetime(ui.run_metric("counting_arrivals", Filters(like))["submitted_at"], utc=True)
if len(times) < 2:
    st.info(t("The earlier intake has fewer than two applications: no shape to learn from."),
            icon=":material/event_upcoming:")
    st.stop()

before = forecast_plan.plan_cap(times, earlier.opens_at, int(cap), opens, pool_ratio=ratio)
plan = forecast_plan.plan_cap(times, earlier.opens_at, int(cap), opens, pool_ratio=ratio,
                              first_hour=int(first) if known else None)


def _when(x: datetime) -> str:
    return fmt_datetime(x, zone_name)


st.metric(t("Cap expected (median)"), _when(plan.p50),
          help=t("Half of the plausible demands reach the cap before this moment."))
st.write(t("Cap expected between {p10} and {p90} ({d10} to {d90} after opening), most likely around {p50}.").format(
    p10=_when(plan.p10), p90=_when(plan.p90), p50=_when(plan.p50), d10=fmt_duration(plan.p10 - opens),
    d90=fmt_duration(plan.p90 - opens)))
if plan.beyond_seen:
    st.caption(t("The late end needs more applications than the earlier intake saw: its last pace is assumed to "
                 "go on."))

st.subheader(t("How the range narrows as the first hour's applications come in"), anchor=False)
expected = before.expected_first_hour
rows = []
for share in (0.5, 0.75, 1.0, 1.5, 2.0):
    n = round(expected * share)
    p = forecast_plan.plan_cap(times, earlier.opens_at, int(cap), opens, pool_ratio=ratio, first_hour=n)
    rows.append({"first_hour": fmt_int(n), "p10": _when(p.p10), "p50": _when(p.p50), "p90": _when(p.p90)})
rows.insert(0, {"first_hour": "—", "p10": _when(before.p10), "p50": _when(before.p50), "p90": _when(before.p90)})
st.caption(tn("About {n} application is expected in the first hour; the first row is the plan before it.",
              "About {n} applications are expected in the first hour; the first row is the plan before it.",
              round(expected)).format(n=fmt_int(expected)))
ui.show_table(pd.DataFrame(rows).astype(str), LABELS)

st.subheader(t("Assumptions"), anchor=False)
st.text(tn("Earlier intake: {name}, {n} application counting toward its cap.",
           "Earlier intake: {name}, {n} applications counting toward its cap.", len(times)).format(
    name=earlier.name(lang), n=fmt_int(len(times))))
st.markdown("\n".join(f"- {line}" for line in (
    t("Applications come at the earlier intake's pace, by time since opening (its daily rhythm moves with "
      "the opening hour)."),
    t("The pace scales with the eligible pool: twice the pool, twice the applications in any hour."),
    t("How eagerly people apply may differ from the earlier intake: 80 % of the weight between {low} and "
      "{high} times its pace. The first hour's count updates this.").format(
        low=fmt_num(1 / forecast_plan.SPREAD, 2), high=fmt_num(forecast_plan.SPREAD, 2)),
    t("Beyond the earlier intake's last application (it stopped at its cap), its last pace goes on."),
    t("No portal outage, no change of rules during the intake; a news story mid-intake is not foreseen."),
)))
