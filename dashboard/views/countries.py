"""Country of origin: who applies, by citizenship, set against the US H-1B population.

A ranked bar chart rather than a world map: the plotly.js inside Streamlit fetches map geometry from a
CDN, and with India near three quarters and China near an eighth of applicants, a map would paint
almost every other country the same pale colour. Clicking a country's bar filters the whole dashboard
to it (the sidebar's citizenship filter, kept in the URL as country=XXX).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, disclosure, ui
from dashboard.country_codes import country_name, non_country_reason
from dashboard.filters import Filters
from dashboard.i18n import fmt_int, fmt_num, fmt_pct, language, t, tn

TOP_CHOICES = (5, 10, 15, 20)
REFERENCE_TABLES = {"h1b_issuances", "h1b_approvals_by_birth"}
OTHERS_CLICKED = "countries_others_clicked"

f = ui.current_filters()
program = ui.current_program()
lang = language()
program_only = Filters(program.id)  # for reference metrics: one cache entry whatever the filters


def _clicked(key: str) -> None:
    """A click on a country's bar filters the whole dashboard to that country (runs before the sidebar)."""
    selection = st.session_state[key]["selection"]
    codes = charts.selected_codes(selection)
    if codes:
        ui.set_countries(codes)
    elif selection.get("points"):
        st.session_state[OTHERS_CLICKED] = True


def labelled(df: pd.DataFrame, others: str) -> pd.DataFrame:
    """Country names in the page's language beside the codes; the "all others" row says how many it groups
    and of what (`others`, a translated "... {n} ..."): the two charts group different sets, so two bare
    "All others (N countries)" with different N on one page looked like a contradiction."""
    labels = [country_name(code, lang) if isinstance(code, str) else others.format(n=fmt_int(n))
              for code, n in zip(df["citizenship"], df["countries"], strict=True)]
    return df.assign(label=labels, code=df["citizenship"].fillna(""))


def _chart(fig, table: pd.DataFrame, *, summary: str, metric: str, key: str, alt: str) -> None:
    ui.chart_block(fig, table, summary=summary, metric=metric, key=key, alt=alt,
                   on_select=lambda: _clicked(f"chart-{key}"), selection_mode="points")


def _missing(markdown: bool) -> str:
    """An empty value: suppressed in publication mode (`--`, as Markdown or as a table cell), else none."""
    if ui.publication():
        return ui.SUPPRESSED_TEXT if markdown else disclosure.SUPPRESSED_MARK
    return fmt_pct(None)


def _pct(x, markdown: bool = True) -> str:
    return _missing(markdown) if pd.isna(x) else fmt_pct(float(x))


def _num(x, digits: int, markdown: bool = True) -> str:
    return _missing(markdown) if pd.isna(x) else fmt_num(float(x), digits)


def _public_pct(x) -> str:
    """A share of published statistics (H-1B visas, USCIS approvals): shown as published."""
    return fmt_pct(None if pd.isna(x) else float(x))


def _int(x) -> str:
    return _missing(False) if pd.isna(x) else fmt_int(x)


def published(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The table under the publication rule (itself when the mode is off), with the chart's label and code."""
    rows = ui.publish(table, metric)
    return rows.assign(label=rows["country"], code=rows["citizenship"].fillna(""))


def who_applies(top_n: int) -> None:
    by = ui.run_metric("applications_by_citizenship", f, top_n=top_n)
    if by.empty:
        st.info(t("No applications match these filters."), icon=":material/filter_alt_off:")
        return
    by = labelled(by, t("All other applicant countries ({n})"))
    table = by[["rank", "citizenship", "label", "countries", "principal", "principal_share", "family",
                "family_share"]].rename(columns={"label": "country"})
    rows = published(table, "applications_by_citizenship")  # in publication mode: rounded, shares from them
    lead, first = by.iloc[0], rows.iloc[0]
    if lead["principal"] > 0:
        summary = tn("{country} comes first with {n} principal application, {share} of all principal "
                     "applicants; family members are shown apart.",
                     "{country} comes first with {n} principal applications, {share} of all principal "
                     "applicants; family members are shown apart.", ui.published_count(lead["principal"])).format(
            country=lead["label"], n=ui.count(lead["principal"]), share=_pct(first["principal_share"]))
    else:
        summary = tn("{country} comes first with {n} family application, {share} of all family members.",
                     "{country} comes first with {n} family applications, {share} of all family members.",
                     ui.published_count(lead["family"])).format(
            country=lead["label"], n=ui.count(lead["family"]), share=_pct(first["family_share"]))
    if f.countries:
        summary += " " + t("Shares are of all applications matching the other filters.")
    ui.suppressed_bars_note()
    fig = ui.figure("countries-citizenship", lambda: charts.citizenship_chart(
        rows, source=charts.source_note(program, lang=language()), lang=language()), top_n)
    _chart(fig, rows.drop(columns=["label", "code"]), summary=summary,
           metric="applications_by_citizenship", key="citizenship",
           alt=t("Bar chart of applications by country of citizenship, principal applicants and family "
                 "members apart, largest first."))


def against_h1b(year: int, top_n: int) -> None:
    rep = ui.run_metric("h1b_representation", f, year=year, top_n=top_n)
    if rep.empty:
        st.info(t("No applications match these filters."), icon=":material/filter_alt_off:")
        return
    if rep["applicant_share"].isna().all():
        st.info(t("No principal applications match these filters; the comparison with H-1B visas is about "
                  "principal applicants (H-1B holders), whose family members hold H-4 visas."),
                icon=":material/filter_alt_off:")
        return
    rep = labelled(rep, t("All other countries with applicants or H-1B visas ({n})"))
    table = rep[["rank", "citizenship", "label", "countries", "applications", "applicant_share", "h1b_issuances",
                 "h1b_share", "ratio", "per_1000", "uscis_share", "uscis_approved"]].rename(columns={"label": "country"})
    rep = published(table, "h1b_representation")  # in publication mode: rounded, shares and ratios from them
    has_uscis = rep["uscis_share"].notna().any()
    sources = [charts.source_note(program, lang=language()) + ".",
               t("H-1B visas: US Department of State, visas issued by nationality, calendar {year}.").format(
                   year=year)]
    if has_uscis:
        sources.append(t("USCIS approvals (where published): *Characteristics of H-1B Specialty Occupation "
                         "Workers*, fiscal {year}.").format(year=year))
    lead = rep.iloc[0]
    summary = t("{country} accounts for {share} of principal applicants and {h1b} of US H-1B visas issued in "
                "{year}: a ratio of {ratio} ({per_1000} applications per 1,000 H-1B visas). Above 1, a country "
                "applies more than its share of H-1B holders; below 1, less.").format(
        country=lead["label"], share=_pct(lead["applicant_share"]), h1b=_public_pct(lead["h1b_share"]), year=year,
        ratio=_num(lead["ratio"], 2), per_1000=_num(lead["per_1000"], 1))
    ui.suppressed_bars_note()
    uscis_label = t("Share of USCIS H-1B approvals, fiscal {year} (country of birth)").format(year=year)
    fig = ui.figure("countries-representation", lambda: charts.representation_chart(
        rep, year=year, source=charts.markdown_italics("<br>".join(sources)),
        uscis_label=uscis_label if has_uscis else None, lang=language()), year, top_n)
    _chart(fig, rep.drop(columns=["label", "code"]), summary=summary, metric="h1b_representation", key="representation",
           alt=t("Bar chart comparing each country's share of principal applicants with its share of US H-1B "
                 "visas issued in {year}, with the ratio of the two.").format(year=year))
    st.dataframe(pd.DataFrame({
        t("Country"): rep["label"],
        t("Principal applications"): [_int(v) for v in rep["applications"]],
        t("Share of applicants"): [_pct(v, markdown=False) for v in rep["applicant_share"]],
        t("H-1B visas issued, {year}").format(year=year): [fmt_int(v) for v in rep["h1b_issuances"]],
        t("Share of H-1B visas"): [_public_pct(v) for v in rep["h1b_share"]],
        t("Ratio"): [_num(v, 2, markdown=False) for v in rep["ratio"]],
        t("Applications per 1,000 H-1B visas"): [_num(v, 1, markdown=False) for v in rep["per_1000"]],
        t("Share of USCIS approvals, FY{year}").format(year=year): [_public_pct(v) for v in rep["uscis_share"]],
    }), hide_index=True, width="stretch")
    for line in sources:
        st.caption(line)
    st.caption(t("H-1B visas are issued at consulates abroad: holders who changed status inside the US never "
                 "received one, so they undercount the H-1B population. USCIS counts approved petitions, not "
                 "people, by country of birth, not citizenship; it is shown only where a share was published. "
                 "Shares of H-1B visas are of those attributed to a country."))
    if f.countries:
        st.caption(t("Shares are of all principal applicants matching the other filters, and of all H-1B visas "
                     "issued that year; the citizenship filter picks the rows."))


def unmatched_spellings(year: int) -> None:
    st.subheader(t("Spellings in the reference statistics that name no country"), anchor=False)
    unmatched = ui.run_metric("reference_unmatched_nationalities", program_only, year=year)
    if unmatched.empty:
        st.caption(t("Every nationality in the reference statistics matched a country."))
        return
    st.caption(t("These rows of the published statistics name no single country. They are kept as published "
                 "and left out of the country shares above."))
    source_names = {"h1b_issuances": t("US Department of State, H-1B visas issued"),
                    "h1b_approvals_by_birth": t("USCIS H-1B approvals by country of birth")}
    reasons = [non_country_reason(s) for s in unmatched["spelling"]]
    st.dataframe(pd.DataFrame({
        t("Source"): [source_names.get(s, s) for s in unmatched["source"]],
        t("Spelling as published"): unmatched["spelling"],
        t("Why it matches no country"): [t(r) if r else t("not recognised: an alias is needed") for r in reasons],
        t("In {year}").format(year=year): [fmt_int(v) for v in unmatched["in_year"]],
        t("All years loaded"): [fmt_int(v) for v in unmatched["all_years"]],
    }), hide_index=True, width="stretch")


st.subheader(t("Who applies, by citizenship"), anchor=False)
st.caption(t("Click a country's bar to filter the whole dashboard to it; \"Reset filters\" in the sidebar "
             "shows every country again."))
if st.session_state.pop(OTHERS_CLICKED, False):
    st.info(t("That bar groups several countries: choose them in the Citizenship filter of the sidebar."),
            icon=":material/info:")
c1, c2 = st.columns(2)
top_n = c1.selectbox(t("Countries shown"), TOP_CHOICES, index=TOP_CHOICES.index(10), key="top",
                     bind="query-params", help=t("The countries with the most principal applications; the rest "
                                                 "are grouped in one bar."))
who_applies(top_n)

st.subheader(t("Against the US H-1B population"), anchor=False)
if not REFERENCE_TABLES <= set(ui.run_metric("tables_present", program_only)["table_name"]):
    st.info(t("The US H-1B statistics are not in this warehouse, so the comparison cannot be drawn. "
              "`make demo` rebuilds the demo warehouse with them."), icon=":material/database:")
else:
    years = ui.run_metric("h1b_issuance_years", program_only)
    months = dict(zip(years["year"].astype(int).tolist(), years["months"].astype(int).tolist(), strict=True))
    full_years = [y for y, m in months.items() if m == 12] or list(months)
    default_year = program.opens_at.year if program.opens_at.year in months else max(full_years)
    year = c2.selectbox(
        t("Year of US H-1B visas"), list(months), index=list(months).index(default_year), key="h1b_year",
        bind="query-params", help=t("Calendar year of the State Department's H-1B visa issuances; USCIS approvals "
                                    "are for the fiscal year of the same name (October to September)."),
    )
    if months[year] < 12:
        st.caption(tn("Only {months} month of {year} is published: the H-1B figures cover that month.",
                      "Only {months} months of {year} are published: the H-1B figures cover those months.",
                      months[year]).format(
            months=months[year], year=year))
    against_h1b(year, top_n)
    unmatched_spellings(year)
