"""Decisions and arrivals: what became of the applications once the cap filled, and where people mean to go.

The funnel as it is read, decisions and the backlog day by day, how long decisions take, arrivals in Canada
against approvals (with the published first-year figure as a reference mark), and two maps: the intended
province and the US state of residence, each beside a ranked bar chart with the numbers. The maps carry their
own outlines (data/geo/) and switch plotly's base layers off, so they make no request for map files.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, metrics, reference, ui
from dashboard.i18n import N_, fmt_int, fmt_num, fmt_pct, language, t, tn
from dashboard.regions import UNKNOWN, province_name, us_state_name
from dashboard.ui import url

f = ui.current_filters()
program = ui.current_program()
lang = language()
SOURCE = charts.source_note(program, lang=language())
ROLES = {"principal": N_("Principal applicants"), "family": N_("Family members")}
COLOUR_BY = {"applications": N_("Principal applications"), "per_1000": N_("Per 1,000 H-1B approvals")}
LABELS = {  # this page's headers where another page's differ (the CSV keeps the column names)
    "state": N_("US state"), "per_1000": N_("Principal applications per 1,000 H-1B approvals"),
}


def _count(n) -> str:
    """A count from the rows this session shows (published already in publication mode, where an empty
    cell is a suppressed count: `--`)."""
    if ui.publication() and (n is None or pd.isna(n)):
        return ui.SUPPRESSED_TEXT
    return fmt_int(n)


def _rows(metric: str, **kwargs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A metric's own rows (for its CSV) and the same rows as this session shows them (published in
    publication mode)."""
    raw = ui.run_metric(metric, f, **kwargs)
    return raw, ui.publish(raw, metric)


def funnel() -> None:
    st.subheader(t("Where the applications stand"), anchor=False)
    raw, rows = _rows("processing_funnel")
    by = rows.set_index("stage")
    if not raw["principal"].sum() and not raw["family"].sum():
        st.info(t("No applications match these filters."), icon=":material/filter_alt_off:")
        return
    p = by["principal"]
    counts = raw.set_index("stage")["principal"]
    open_now = counts["submitted"] - counts[["approved", "refused", "withdrawn"]].sum()  # rounded on its own
    summary = t("Of {submitted} principal applications, {approved} were approved, {refused} refused and {withdrawn} "
                "withdrawn; {open} are still open. {arrived} principal applicants have arrived in Canada.").format(
        submitted=_count(p["submitted"]), approved=_count(p["approved"]), refused=_count(p["refused"]),
        withdrawn=_count(p["withdrawn"]), open=ui.count(open_now),
        arrived=_count(p["arrived"]))
    ui.suppressed_bars_note()
    ui.chart_block(lambda published: charts.funnel_chart(published, lang=lang, program=program, source=SOURCE), raw,
                   summary=summary, metric="processing_funnel", key="funnel", labels=LABELS,
                   alt=t("Bar chart of applications by stage, from submitted to arrived in Canada, principal "
                         "applicants and family members apart, each with its share of submitted applications."))
    st.caption(t("A stage counts the applications that had reached it by the as-of moment. Approved, refused and "
                 "withdrawn count the decision standing then, so they add up with the open applications to all "
                 "those submitted. Arrived counts first entries to Canada recorded on the application."))


def _role() -> str:
    return url.coded_choice("dec_role", t("Applicants"), ROLES)


def over_time(role: str) -> None:
    st.subheader(t("Decisions and the backlog, day by day"), anchor=False)
    raw, rows = _rows("decisions_by_day")
    mine = rows[rows["role"] == role]
    if raw.empty:
        st.info(t("No applications match these filters."), icon=":material/filter_alt_off:")
        return
    last = mine.iloc[-1]
    busiest = pd.to_numeric(mine[["approved", "refused", "withdrawn"]].sum(axis=1), errors="coerce")
    day = mine["interval_start"].iloc[int(busiest.fillna(0).to_numpy().argmax())]
    summary = tn("{role}: {open} application was open at the end of {day}; the most decisions in one day came on "
                 "{busiest}.",
                 "{role}: {open} applications were open at the end of {day}; the most decisions in one day came on "
                 "{busiest}.", last["open"]).format(role=t(ROLES[role]), open=_count(last["open"]),
                                     day=_date(last["interval_start"]), busiest=_date(day))
    if not raw.loc[raw["role"] == role, ["approved", "refused", "withdrawn"]].to_numpy().sum():
        # none decided: the argmax of zeros named the first day "the most decisions in one day"
        summary = tn("{role}: {open} application was open at the end of {day}; no decision had been made "
                     "by then.",
                     "{role}: {open} applications were open at the end of {day}; no decision had been made "
                     "by then.", last["open"]).format(role=t(ROLES[role]), open=_count(last["open"]), day=_date(last["interval_start"]))
    ui.chart_block(lambda published: charts.decisions_chart(published, lang=lang, program=program, role=role,
                                                            source=SOURCE), raw,
                   summary=summary, metric="decisions_by_day", key="decisions", labels=LABELS,
                   alt=t("Stacked bars of decisions per day (approved, refused, withdrawn) with a line for the "
                         "applications still open at the end of each day."))


def _date(ts) -> str:
    from dashboard.i18n import fmt_datetime

    return fmt_datetime(pd.Timestamp(ts).to_pydatetime(), program.time_zone, kind="date")


def decision_times() -> None:
    st.subheader(t("How long decisions take"), anchor=False)
    raw, rows = _rows("decision_times")
    approved = rows[(rows["outcome"] == "approved") & (rows["role"] == "principal")].iloc[0]
    if pd.notna(approved["median_days"]):
        summary = t("Half of the approved principal applications were decided within {median} days of submission; "
                    "one in ten took more than {p90} days.").format(
            median=fmt_num(approved["median_days"], 0), p90=fmt_num(approved["p90_days"], 0))
    else:
        summary = t("No approved principal application matches these filters yet.")
    ui.chart_block(lambda published: charts.decision_times_chart(published, lang=lang, program=program,
                                                                 source=SOURCE), raw,
                   summary=summary, metric="decision_times", key="times", labels=LABELS,
                   alt=t("Chart of the days from submission to decision for each decision, a marker at the median "
                         "and a bar from the 10th to the 90th percentile."))
    if ui.publication():
        st.caption(t("Publication mode: times are left out for groups of 1 to 5 decisions."))


def arrivals(role: str) -> None:
    st.subheader(t("Arrivals in Canada against approvals"), anchor=False)
    raw, rows = _rows("decisions_by_day")
    published = reference.published_figure(program, reference.FIRST_YEAR_ARRIVALS)
    mark = None
    if published is not None and role == "principal":
        mark = (published, t("Published: {n} arrived in the first year (Niskanen Center)").format(
            n=fmt_int(published)))
    mine = raw[raw["role"] == role]  # totals rounded on their own in publication mode, shares from them
    approved = ui.published_count(int(mine["approved"].sum()))
    came = ui.published_count(int(mine["arrived"].sum()))
    share = fmt_pct(came / approved) if approved and came is not None else "—"
    summary = t("{role}: {arrived} arrivals in Canada recorded for {approved} approvals ({share}).").format(
        role=t(ROLES[role]), arrived=ui.count(mine["arrived"].sum()), approved=ui.count(mine["approved"].sum()),
        share=share)
    source = SOURCE
    if mark is not None:
        source += "<br>" + t("Reference mark: Niskanen Center (niskanencenter.org/?p=16107), from IRCC data it "
                             "obtained: 1,205 H-1B workers arrived in the program's first year.")
    ui.chart_block(lambda published_rows: charts.arrivals_against_approvals_chart(
        published_rows, lang=lang, program=program, role=role, source=source, reference=mark), raw,
        summary=summary, metric="decisions_by_day", key="arrivals", labels=LABELS,
        alt=t("Line chart of approvals and arrivals in Canada added up day by day."))
    if published is not None:
        st.caption(t("The published figure is a think tank's reading of IRCC data that IRCC has not published itself "
                     "(Niskanen Center, niskanencenter.org/?p=16107): 1,205 H-1B workers, principal applicants, "
                     "arrived in the first year, about 12 % of applicants, about half of them in 2023. It covers the "
                     "whole program: the filters do not narrow it."))
        if program.synthetic:
            st.caption(t("The synthetic demo is calibrated to it: its arrivals are invented to match that figure."))


def _names(codes, name_of) -> list[str]:
    return [t("Not given") if c == UNKNOWN else name_of(c, lang) for c in codes]


def _map_and_bars(rows: pd.DataFrame, *, code: str, name_of, geometry: str, view: dict,
                  metric: str, key: str, summary: str, value: str, value_label: str, alt: str,
                  text: list[str] | None = None, params: dict | None = None) -> None:
    names = dict(zip(rows[code], _names(rows[code], name_of), strict=True))
    hover = text if text is not None else [charts._count_text(v, lang) for v in rows[value]]
    fig_map = charts.region_map(rows, charts.load_geometry(geometry), code=code, value=value, names=names,
                                lang=lang, source=SOURCE, value_label=value_label, hover=hover, projection=view)
    # the map, then its ranking below it: side by side, the ranking's download buttons were cut short
    ui.chart_block(fig_map, rows, summary=summary, metric=metric, key=key, alt=alt, labels=LABELS, params=params)
    ranked = rows.assign(_v=pd.to_numeric(rows[value], errors="coerce")).sort_values(
        ["_v", code], ascending=[False, True], na_position="last")
    ranked = ranked[ranked[code] != UNKNOWN].head(15)
    bar_text = None if text is None else [dict(zip(rows[code], text, strict=True))[c] for c in ranked[code]]
    fig = charts.ranked_places_chart(ranked, labels=[names[c] for c in ranked[code]], value=value,
                                     value_label=value_label, lang=lang, source=SOURCE, text=bar_text)
    ui.chart_block(fig, rows, summary=t("The same numbers, ranked from the largest."), metric=metric,
                   key=f"{key}-ranked", labels=LABELS, params=params,
                   alt=t("Ranked bar chart of the same numbers, largest first."))


def provinces() -> None:
    st.subheader(t("Where they mean to go: intended province"), anchor=False)
    raw, rows = _rows("applications_by_province")
    top = rows[rows["province"] != UNKNOWN].iloc[0]
    unknown = rows[rows["province"] == UNKNOWN].iloc[0]
    summary = tn("{province} is the intended province of {n} principal applicant, the most of any; {unknown} gave "
                 "none.",
                 "{province} is the intended province of {n} principal applicants, the most of any; {unknown} gave "
                 "none.", top["principal"]).format(province=province_name(top["province"], lang), n=_count(top["principal"]),
                                unknown=_count(unknown["principal"]))
    if not raw.loc[raw["province"] != UNKNOWN, "principal"].sum():  # not "Alberta, 0, the most of any"
        summary = t("No principal applicant matching these filters named an intended province.")
    _map_and_bars(rows, code="province", name_of=province_name, geometry="canada_provinces",
                  view=charts.CANADA_VIEW, metric="applications_by_province", key="provinces", summary=summary,
                  value="principal", value_label=t("Principal applications"),
                  alt=t("Map of Canada's provinces and territories shaded by principal applications, with a ranked "
                        "bar chart beside it."))


def us_states() -> None:
    st.subheader(t("Where they live: US state of residence"), anchor=False)
    year = metrics.approvals_fiscal_year(f)
    colour_by = "applications"
    if year is not None:
        colour_by = url.coded_choice("dec_shade", t("Shade the map by"), COLOUR_BY)
    raw, rows = _rows("applications_by_us_state")
    top = rows[rows["state"] != UNKNOWN].iloc[0]
    summary = tn("{state} is home to {n} principal applicant, the most of any state.",
                 "{state} is home to {n} principal applicants, the most of any state.", top["principal"]).format(
        state=us_state_name(top["state"], lang), n=_count(top["principal"]))
    named = bool(raw.loc[raw["state"] != UNKNOWN, "principal"].sum())
    if not named:
        summary = t("No principal applicant matching these filters named a US state of residence.")
    value, label, text = "principal", t("Principal applications"), None
    if year is not None and named:
        summary += " " + t("Set against USCIS initial H-1B approvals by employer state in fiscal {year}: {n} "
                           "applications per 1,000 approvals in {state}.").format(
            year=year, n=fmt_num(top["per_1000"], 1) if pd.notna(top["per_1000"]) else ui.SUPPRESSED_TEXT,
            state=us_state_name(top["state"], lang))
    if colour_by == "per_1000":
        value, label = "per_1000", t("Per 1,000 H-1B approvals, FY{year}").format(year=year)
        text = [fmt_num(v, 1) if pd.notna(v) else charts.SUPPRESSED if pd.isna(n) else "—"
                for v, n in zip(rows["per_1000"], rows["principal"], strict=True)]
    _map_and_bars(rows, code="state", name_of=us_state_name, geometry="us_states", view=charts.US_VIEW,
                  metric="applications_by_us_state", key="states", summary=summary, value=value, value_label=label,
                  text=text,
                  alt=t("Map of the US states shaded by principal applicants living there, with a ranked bar chart "
                        "beside it."))
    if year is not None:
        st.caption(t("USCIS approvals are petitions approved for employers in each state (Employer Data Hub, fiscal "
                     "{year}), not where people live; the comparison is of orders of magnitude.").format(year=year))


funnel()
role = _role()
over_time(role)
arrivals(role)
decision_times()
provinces()
us_states()
