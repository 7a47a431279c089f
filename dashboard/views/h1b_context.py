"""US H-1B context: the pool the program draws from, in real public statistics (data/reference)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard.country_codes import country_name
from dashboard.filters import Filters
from dashboard.i18n import N_, fmt_day, fmt_int, fmt_num, fmt_pct, language, t, tn
from dashboard.metrics import employer_key
from dashboard.ui import url

# The reference metrics ignore the sidebar: one constant Filters, so one cache entry whatever it says.
REFERENCE = Filters("")
NEEDED_TABLES = ("ref_sources", "h1b_issuances", "h1b_employers", "h1b_state_summary", "h1b_cap_lottery",
                 "h1b_pool_facts")
TOP_NATIONALITIES, TOP_RATIO, TOP_EMPLOYERS, TOP_STATES, SEARCH_LIMIT = 6, 10, 15, 15, 25
VISAS = {"H1B": N_("H-1B (workers)"), "H4": N_("H-4 (their spouses and children)")}
VISA_CLASS = {"H1B": "H-1B", "H4": "H-4"}  # the visa classes' names, the same in both languages
RANKINGS = {"initial": N_("Initial approvals"), "continuing": N_("Continuing approvals")}
FLAGGED = {"blank": N_("(name blank in the source)"), "excel_error": N_("(name damaged by Excel in the source)")}
NAMED = {"label": N_("Country")}  # the tables' column of names in the page's language
STATES_WITHOUT_CODE = {"(blank)": N_("(state blank in the source)"), "XX": N_("(state unknown: XX)")}


def ref(name: str, **kwargs) -> pd.DataFrame:
    return ui.run_metric(name, REFERENCE, **kwargs)


def fy_label(year: int, partial: bool = False) -> str:
    return (t("FY{year} (partial)") if partial else t("FY{year}")).format(year=year)


def short(text: str, width: int = 42) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def source_line(sources: pd.DataFrame, *files: str) -> str:
    """Source, period and caveat of each file, one line each (translated)."""
    lines = []
    for file in files:
        row = sources[sources["file"] == file].iloc[0]
        lines.append(t("Source: {publisher} ({file}). Period: {period}. Caveat: {caveat}").format(
            publisher=t(row["publisher"]), file=file, period=t(row["period"]), caveat=t(row["caveat"])))
    return "  \n".join(lines)


def figure_source(sources: pd.DataFrame, file: str) -> str:
    row = sources[sources["file"] == file].iloc[0]
    return charts.reference_note(row["publisher"], row["period"], lang=language())


def default_year(years: list[int], complete: list[int]) -> int:
    return complete[-1] if complete else years[-1]


st.header(t("US H-1B context"), anchor=False)
st.markdown(t("Who is in the US H-1B pool the program draws from, where they come from and who employs them, "
              "from public statistics of the US State Department, USCIS and the Department of Labor."))
st.info(t("The sidebar filters do not apply to this page: these are published US statistics, not application "
          "records. Only the language applies; the selected program's cap is shown for comparison."),
        icon=":material/public:")
if ui.publication():
    st.info(t("Publication mode does not apply to this page: these statistics were already published by US "
              "agencies, and they are shown as published."), icon=":material/shield:")

present = set(ref("tables_present")["table_name"])
missing = [name for name in NEEDED_TABLES if name not in present]
if missing:
    st.warning(t("The US reference statistics are not in this warehouse ({tables}). Load them with "
                 "`python -m dashboard.build --reference` (the application records are kept).").format(
        tables=", ".join(missing)), icon=":material/database:")
    st.stop()

lang = language()
sources = ref("reference_sources")
program = ui.current_program()

# ---------------------------------------------------------------- the pool and the cap
st.subheader(t("The size of the pool and the US cap"), anchor=False)
facts = ref("h1b_pool_facts").set_index("fact")
lottery = ref("h1b_cap_lottery")
population = int(facts.loc["h1b_authorized_to_work_population", "value"])
us_cap = int(facts.loc["h1b_annual_cap_total", "value"])
selected = lottery.dropna(subset=["selected_registrations"]).iloc[-1]
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("H-1B holders in the US"), fmt_int(population),
          help=t("USCIS estimate of the people holding H-1B authorization on one date, not a count."))
c1.caption(t("USCIS estimate, {date}").format(date=fmt_day(facts.loc["h1b_authorized_to_work_population", "as_of"])))
c2.metric(t("US annual H-1B cap"), fmt_int(us_cap),
          help=t("A limit on new H-1B workers a fiscal year; extensions, changes of employer and cap-exempt "
                 "employers are outside it."))
c2.caption(t("{regular} under the regular cap and {masters} with a US master's degree or higher").format(
    regular=fmt_int(facts.loc["h1b_regular_cap", "value"]),
    masters=fmt_int(facts.loc["h1b_advanced_degree_exemption", "value"])))
c3.metric(t("Selected for {fy}").format(fy=fy_label(int(selected["fiscal_year"]))),
          fmt_int(selected["selected_registrations"]),
          help=t("USCIS selects more registrations than the cap, since not every selection becomes an approved "
                 "petition."))
c3.caption(t("out of {n} eligible registrations (FOIA count), in the lottery of March {year}").format(
    n=fmt_int(selected["eligible_registrations"]), year=selected["lottery_month"].year))
c4.metric(t("This program's cap"), fmt_int(program.cap))
c4.caption(t("{pool} of the estimated H-1B population; {cap} of the US annual cap").format(
    pool=fmt_pct(program.cap / population), cap=fmt_pct(program.cap / us_cap)))
st.caption(source_line(sources, "us_h1b_pool_and_cap_compiled.csv"))

lottery_table = lottery.assign(year_label=[fy_label(int(y)) for y in lottery["fiscal_year"]])
st.markdown("**" + t("The cap lottery: registrations against selections") + "**")
ui.chart_block(
    charts.lottery_chart(lottery_table, cap=us_cap, cap_label=t("US annual cap: {cap}").format(cap=fmt_int(us_cap)),
                         source=figure_source(sources, "h1b_cap_registrations_and_lottery.csv"), lang=language()),
    lottery_table.drop(columns="year_label"),
    summary=t("In the lottery for {fy}, {reg} eligible registrations were counted and {sel} selected; "
              "{petitions} petitions were then filed from selected registrations. The US cap of {cap} new workers "
              "a year is the dashed line.")
    .format(fy=fy_label(int(selected["fiscal_year"])), reg=fmt_int(selected["eligible_registrations"]),
            sel=fmt_int(selected["selected_registrations"]),
            petitions=fmt_int(selected["i129_receipts_from_registrations"]), cap=fmt_int(us_cap)),
    metric="h1b_cap_lottery", key="h1b-lottery")
st.caption(source_line(sources, "h1b_cap_registrations_and_lottery.csv"))

# ---------------------------------------------------------------- visas issued by nationality
ISSUANCES_FILE = "dos_niv_issuances_h1b_h4_by_nationality_monthly_2017_2025.csv"
st.subheader(t("H-1B and H-4 visas issued, by nationality"), anchor=False)
visa = url.coded_choice("h1b_visa", t("Visa"), VISAS)
column = "h1b" if visa == "H1B" else "h4"
by_year = ref("h1b_issuances_by_year", top=TOP_NATIONALITIES)
by_year = by_year.assign(label=[country_name(c, lang) if isinstance(c, str) else t("All other nationalities")
                                for c in by_year["iso3"]])
years = ref("h1b_issuance_years")
complete_years = years.loc[years["months"] == 12, "year"].astype(int).tolist()
latest = default_year(years["year"].astype(int).tolist(), complete_years)
in_latest = by_year[by_year["year"] == latest]
leader = in_latest.dropna(subset=["rank"]).iloc[0]
ui.chart_block(
    charts.issuances_chart(by_year, value=column, y_title=t("{visa} visas issued").format(visa=VISA_CLASS[visa]),
                           source=figure_source(sources, ISSUANCES_FILE), lang=language()),
    by_year[["year", "months", "rank", "label", "nationality", "iso3", "h1b", "h4"]],
    summary=t("In {year}, {n} {visa} visas were issued abroad; nationals of {country} received {share} of them. "
              "The {top} nationalities with the most H-1B visas since 2017 are drawn, the rest together.").format(
        year=latest, n=fmt_int(in_latest[column].sum()), visa=VISA_CLASS[visa], country=leader["label"],
        share=fmt_pct(leader[column] / in_latest[column].sum()), top=TOP_NATIONALITIES),
    metric="h1b_issuances_by_year", key="h1b-issuances", labels=NAMED)
partial_years = years[years["months"] < 12]
if len(partial_years):
    st.caption(t("Hollow markers: years the source covers in part ({years}).").format(years=", ".join(
        tn("{year}: {months} month", "{year}: {months} months", int(r.months)).format(year=int(r.year),
                                                                                   months=int(r.months))
        for r in partial_years.itertuples())))
st.caption(source_line(sources, ISSUANCES_FILE))

st.markdown("**" + t("Family size proxy: H-4 visas per H-1B visa") + "**")
year_options = years["year"].astype(int).tolist()
ratio_year = st.selectbox(t("Calendar year"), year_options, index=year_options.index(latest), key="h1b_year",
                          bind=url.BIND)
ratio = ref("h1b_h4_ratio_by_nationality", year=ratio_year, top=TOP_RATIO)
if ratio.empty:
    st.info(t("No H-1B visas are recorded for {year}.").format(year=ratio_year), icon=":material/info:")
else:
    ratio = ratio.assign(label=[country_name(c, lang) for c in ratio["iso3"]])
    first = ratio.iloc[0]
    ui.chart_block(
        charts.ratio_chart(ratio, source=figure_source(sources, ISSUANCES_FILE), lang=language()),
        ratio[["rank", "label", "nationality", "iso3", "h1b", "h4", "h4_per_h1b"]],
        summary=t("In {year}, nationals of {country} received {h4} H-4 visas for {h1b} H-1B visas: {ratio} per "
                  "H-1B visa. Shown: the {top} nationalities with the most H-1B visas that year.").format(
            year=ratio_year, country=first["label"], h4=fmt_int(first["h4"]), h1b=fmt_int(first["h1b"]),
            ratio=fmt_num(first["h4_per_h1b"], 2), top=len(ratio)),
        metric="h1b_h4_ratio_by_nationality", key="h1b-ratio", labels=NAMED)
    st.caption(t("H-4 visas go to the spouses and children of H-1B workers. Their number per H-1B visa of the "
                 "same year is only a rough proxy for family size: families already in the US, who change "
                 "status there, get no visa, and a worker's family may travel in another year."))
    if ratio_year not in complete_years:
        st.caption(t("{year} is covered only in part by the source.").format(year=ratio_year))
    st.caption(source_line(sources, ISSUANCES_FILE))

# ---------------------------------------------------------------- employers and states
st.subheader(t("Employers and states: petitions approved"), anchor=False)
st.markdown(t("**Initial** approvals are new H-1B employment (mostly first-time workers); **continuing** "
              "approvals are extensions and changes of employer for workers already in H-1B status."))
rank_by = url.coded_choice("h1b_rank", t("Rank by"), RANKINGS)
rank_column = f"{rank_by}_approvals"

hub_years = ref("h1b_employer_years")
hub_options = hub_years["fiscal_year"].astype(int).tolist()
hub_complete = hub_years.loc[~hub_years["partial_release"], "fiscal_year"].astype(int).tolist()
partial_hub = dict(zip(hub_years["fiscal_year"].astype(int), hub_years["partial_release"], strict=True))
hub_files = dict(zip(hub_years["fiscal_year"].astype(int), hub_years["source_file"], strict=True))
fiscal_year = st.selectbox(t("Fiscal year of the decision (employers)"), hub_options,
                           index=hub_options.index(default_year(hub_options, hub_complete)), key="h1b_fy",
                           bind=url.BIND, help=t("The US fiscal year runs from October to September."))
if partial_hub[fiscal_year]:
    st.warning(t("{fy} is a partial release: an early, incomplete extract of the year. Do not read it as a "
                 "full year.").format(fy=fy_label(fiscal_year, True)), icon=":material/warning:")
top = ref("h1b_top_employers", fiscal_year=fiscal_year, top=TOP_EMPLOYERS, rank_by=rank_by)
top = top.assign(label=[short(t(FLAGGED[flag])) if isinstance(flag, str) else short(name)
                        for name, flag in zip(top["employer"], top["employer_flag"], strict=True)])
year_total = hub_years.set_index("fiscal_year").loc[fiscal_year, rank_column]
ui.chart_block(
    charts.approvals_chart(top, label="label", source=figure_source(sources, hub_files[fiscal_year]), lang=language()),
    top.drop(columns="label"),
    summary=t("In {fy}, {employer} had the most {kind}: {n} of {total}. The {top} employers shown had {share} "
              "of them.").format(
        fy=fy_label(fiscal_year, partial_hub[fiscal_year]),
        employer=(t(FLAGGED[top.iloc[0]["employer_flag"]]) if isinstance(top.iloc[0]["employer_flag"], str)
                  else ui.echo(top.iloc[0]["employer"])),
        kind=t(RANKINGS[rank_by]).lower(), n=fmt_int(top.iloc[0][rank_column]), total=fmt_int(year_total),
        top=len(top), share=fmt_pct(top[rank_column].sum() / year_total)),
    metric="h1b_top_employers", key="h1b-employers")
st.caption(t("Spellings of a name that differ only in case or punctuation are counted as one employer."))
st.caption(source_line(sources, hub_files[fiscal_year]))

st.markdown("**" + t("Search an employer") + "**")
text = st.text_input(t("Employer name contains"), key="h1b_q", bind=url.BIND, max_chars=100,
                     placeholder=t("e.g. infosys"),
                     help=t("Case and punctuation are ignored; every fiscal year of the hub files is searched."))
if text and text.strip():
    found = ref("h1b_employer_search", text=text, limit=SEARCH_LIMIT)
    shown = employer_key(text)
    if not shown:
        st.info(t("Type some letters or digits of the employer's name."), icon=":material/search:")
    elif found.empty:
        st.info(t("No employer in the hub files has a name containing \u201c{text}\u201d.").format(text=shown),
                icon=":material/search_off:")
    else:
        found = found.assign(year_label=[fy_label(int(y), bool(p)) for y, p in
                                         zip(found["fiscal_year"], found["partial_release"], strict=True)])
        per_year = (found.groupby(["fiscal_year", "year_label"], as_index=False)
                    [["initial_approvals", "continuing_approvals"]].sum().sort_values("fiscal_year"))
        employers = found["employer"].nunique()
        biggest = found[found["rank"] == 1]
        ui.chart_block(
            charts.approvals_by_year_chart(per_year, source=charts.reference_note(
                sources.loc[sources["file"] == hub_files[hub_options[0]], "publisher"].iloc[0],
                t("{first} to {last}").format(first=fy_label(hub_options[0], partial_hub[hub_options[0]]),
                                              last=fy_label(hub_options[-1], partial_hub[hub_options[-1]])), lang=language()), lang=language()),
            found.drop(columns="year_label"),
            summary=tn("{n} employer has a name containing \u201c{text}\u201d: {employer}, with {initial} initial "
                       "and {continuing} continuing approvals over the years shown.",
                       "{n} employers have a name containing \u201c{text}\u201d (at most {limit}, the largest first); "
                       "the largest is {employer}, with {initial} initial and {continuing} continuing approvals "
                       "over the years shown. The bars add up all of them.", employers).format(
                n=fmt_int(employers), text=shown, limit=SEARCH_LIMIT,
                employer=ui.echo(biggest.iloc[0]["employer"]),
                initial=fmt_int(biggest["initial_approvals"].sum()),
                continuing=fmt_int(biggest["continuing_approvals"].sum())),
            metric="h1b_employer_search", key="h1b-search")
        st.caption(source_line(sources, *hub_years["source_file"]))

state_years = ref("h1b_state_years")
state_options = state_years["fiscal_year"].astype(int).tolist()
state_complete = state_years.loc[~state_years["partial_release"], "fiscal_year"].astype(int).tolist()
state_fy = st.selectbox(t("Fiscal year of the decision (states)"), state_options,
                        index=state_options.index(default_year(state_options, state_complete)), key="h1b_state_fy",
                        bind=url.BIND, help=t("FY2017 and FY2018 are missing from the source."))
state_partial = bool(state_years.set_index("fiscal_year").loc[state_fy, "partial_release"])
if state_partial:
    st.warning(t("{fy} is a partial release: an early, incomplete extract of the year. Do not read it as a "
                 "full year.").format(fy=fy_label(state_fy, True)), icon=":material/warning:")
states = ref("h1b_approvals_by_state", fiscal_year=state_fy).sort_values(rank_column, ascending=False, kind="stable")
states = states.assign(label=[f"{name} ({code})" if isinstance(code, str) else t(STATES_WITHOUT_CODE.get(raw, raw))
                              for name, code, raw in zip(states["state_name"], states["state_code"], states["state"],
                                                         strict=True)])
leaders = states.head(TOP_STATES)
state_file = "uscis_h1b_employer_data_hub_summary_by_fy_state.csv"
ui.chart_block(
    charts.approvals_chart(leaders, label="label", source=figure_source(sources, state_file), lang=language()),
    states.drop(columns="label"),
    summary=t("In {fy}, employers in {state} had the most {kind}: {share} of the total. The {top} states shown "
              "had {top_share}; the table lists them all.").format(
        fy=fy_label(state_fy, state_partial),
        state=leaders.iloc[0]["label"] if isinstance(leaders.iloc[0]["state_code"], str) else ui.echo(leaders.iloc[0]["label"]),
        kind=t(RANKINGS[rank_by]).lower(),
        share=fmt_pct(leaders.iloc[0][rank_column] / states[rank_column].sum()), top=len(leaders),
        top_share=fmt_pct(leaders[rank_column].sum() / states[rank_column].sum())),
    metric="h1b_approvals_by_state", key="h1b-states")
st.caption(t("The state is the employer's address on the petition, not necessarily where the worker lives."))
st.caption(source_line(sources, state_file))

# ---------------------------------------------------------------- every source
with st.expander(t("Every reference file in the warehouse")):
    st.markdown("\n".join(f"- **{row.table_name}**: " + source_line(sources, row.file)
                          for row in sources.itertuples()))
    st.caption(t("Provenance and caveats of each file: data/reference/SOURCES.md."))
