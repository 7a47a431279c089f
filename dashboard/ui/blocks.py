"""The chart-with-its-numbers block, tables of a metric's rows and their downloads."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from dashboard import access, disclosure, extract, signin, warehouse
from dashboard.country_codes import country_name
from dashboard.filters import Filters
from dashboard.i18n import N_, fmt_int, fmt_num, language, plotly_locale, plotly_locale_code, t
from dashboard.ui.cache import data_version
from dashboard.ui.publication import publication, publish
from dashboard.ui.state import current_filters, current_program
from dashboard.ui.text import label

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}



def download_buttons(df: pd.DataFrame | None, metric: str, key: str, params: dict | None = None,
                     f: Filters | None = None) -> None:
    """"Download CSV" and "with provenance (zip)": built only when pressed, audited, no rerun.

    `df` is the metric's own rows (or ui.publish of them): the file is then byte for byte what
    `python -m dashboard.extract` writes for the same metric, filters and parameters. With `df` None the
    rows are queried when a button is pressed (records too many to hold for a preview). Nothing is drawn
    for a role that may not download (access.ACTIONS).
    """
    if not signin.allowed("download_records" if metric == "application_records" else "download_aggregates"):
        return
    f = f or current_filters()
    context = {"metric": metric, "f": f, "params": dict(params or {}), "publication": publication(),
               "lang": language(), "version": data_version(f.program_id), "who": signin.current_user_label()}

    def make(fmt: str):
        def data() -> bytes:
            ex = extract.build(context["metric"], context["f"], context["params"], publication=context["publication"],
                               lang=context["lang"], df=df, version=context["version"])
            # tied to this person: with sign-in on, the server gives the file under /media/ to no one else
            return access.issued(extract.deliver(ex, fmt, who=context["who"], via="dashboard", at=warehouse.now_utc()),
                                 context["who"])
        return data

    stem = extract.file_stem(metric, f, params, publication=context["publication"])
    c1, c2 = st.columns(2)
    c1.download_button(t("Download CSV"), data=make("csv"), file_name=stem + ".csv", mime="text/csv",
                       key=f"dl-{key}", on_click="ignore", icon=":material/download:", width="stretch")
    c2.download_button(t("CSV with provenance (zip)"), data=make("zip"), file_name=stem + ".zip",
                       mime="application/zip", key=f"dlz-{key}", on_click="ignore", icon=":material/folder_zip:",
                       width="stretch", help=t("The CSV and provenance.json: filters, as-of moment, data version, "
                                               "time of extract and the link that reproduces it."))


STYLED_CELLS_MAX = 50_000  # past this, pandas' Styler is too slow to be worth it: raw values are shown
# Headers of the tables behind charts, as people read them (the CSV keeps the English identifiers, and
# each header's tooltip names its CSV column). A page adds its own with numbers_block(labels=...).
COLUMN_LABELS = {
    "program_id": N_("Program"), "applicant_role": N_("Applicant role"), "permit_type": N_("Permit type"),
    "status": N_("Status"), "citizenship": N_("Citizenship"), "birth_country": N_("Country of birth"),
    "applications": N_("Applications"), "principals": N_("Principal applications"),
    "family": N_("Family applications"), "arrivals": N_("Arrivals"), "cumulative": N_("Cumulative total"),
    "interval_start": N_("Interval start"), "interval_end": N_("Interval end"), "share": N_("Share"),
}
# Every other column a metric returns (the Extracts page shows any of them), and those pages add to them.
COLUMN_LABELS.update({
    # application records and cap status
    "application_id": N_("Application ID"), "submitted_at": N_("Submitted at"),
    "principal_application_id": N_("Principal's application ID"), "us_state": N_("US state"),
    "intended_province": N_("Intended province"), "status_at": N_("Status since"),
    "counted": N_("Counted toward the cap"), "cap_reached_at": N_("Cap reached at"), "over_cap": N_("Over cap"),
    "remaining": N_("Places remaining"), "latest_submission": N_("Newest submission"),
    "last_ingest_at": N_("Last ingest"), "ingest_id": N_("Ingest ID"), "file_hash": N_("File hash (SHA-256)"),
    "first_at": N_("First application"), "last_at": N_("Last application"),
    # velocity
    "principal": N_("Principal applications"), "rate_at": N_("Rate measured at"),
    "principal_per_hour_1h": N_("Principal applications per hour, last hour"),
    "family_per_hour_1h": N_("Family applications per hour, last hour"),
    "principal_per_hour_6h": N_("Principal applications per hour, last 6 hours"),
    "family_per_hour_6h": N_("Family applications per hour, last 6 hours"),
    "milestone": N_("Milestone"), "since_opening": N_("Since opening"),
    "since_previous": N_("Since the previous milestone"), "elapsed_hours": N_("Hours since opening"),
    "share_of_cap": N_("Share of the cap"), "program": N_("Program"),
    # countries
    "rank": N_("Rank"), "country": N_("Country"), "countries": N_("Number of countries"),
    "principal_share": N_("Share of principal applications"), "family_share": N_("Share of family applications"),
    "applicant_share": N_("Share of principal applications"), "h1b_issuances": N_("H-1B visas issued"),
    "h1b_share": N_("Share of H-1B visas"), "ratio": N_("Ratio"), "per_1000": N_("Applications per 1,000 H-1B visas"),
    "uscis_share": N_("Share of USCIS approvals"), "uscis_approved": N_("USCIS approvals"),
    # US H-1B reference statistics
    "year": N_("Year"), "months": N_("Months covered"), "fiscal_year": N_("Fiscal year"),
    "partial_release": N_("Partial release"), "nationality": N_("Nationality as published"), "iso3": N_("ISO code"),
    "h1b": N_("H-1B visas"), "h4": N_("H-4 visas"), "h4_per_h1b": N_("H-4 visas per H-1B visa"),
    "lottery_month": N_("Lottery month"), "eligible_registrations": N_("Eligible registrations"),
    "selected_registrations": N_("Registrations selected"),
    "i129_receipts_from_registrations": N_("Petitions filed from selected registrations"),
    "employer": N_("Employer"), "employer_flag": N_("Name problem in the source"), "spellings": N_("Spellings"),
    "initial_approvals": N_("Initial approvals"), "continuing_approvals": N_("Continuing approvals"),
    "initial_denials": N_("Initial denials"), "continuing_denials": N_("Continuing denials"),
    "hub_rows": N_("Rows in the source files"), "employer_rows": N_("Rows in the source files"),
    "flagged_rows": N_("Rows with a flagged name"), "states": N_("Number of states"), "state": N_("State as published"),
    "state_code": N_("State code"), "state_name": N_("State"), "state_kind": N_("Kind"),
    "fact": N_("Fact"), "value": N_("Value"), "as_of": N_("As of"), "note": N_("Note"), "source_id": N_("Source ID"),
    "source_file": N_("Source file"), "table_name": N_("Table"), "file": N_("File"), "publisher": N_("Publisher"),
    "period": N_("Period"), "caveat": N_("Caveat"), "source": N_("Source"), "spelling": N_("Spelling as published"),
    "non_country": N_("Names no country"), "in_year": N_("In the year"), "all_years": N_("All years loaded"),
})
# decisions, arrivals and places (the Decisions and arrivals page)
COLUMN_LABELS.update({
    "stage": N_("Stage"), "outcome": N_("Decision"), "role": N_("Role"), "median_days": N_("Median (days)"),
    "p10_days": N_("10th percentile (days)"), "p90_days": N_("90th percentile (days)"), "approved": N_("Approved"),
    "refused": N_("Refused"), "withdrawn": N_("Withdrawn"), "arrived": N_("Arrived in Canada"),
    "open": N_("Open applications"), "province": N_("Intended province"),
    "h1b_initial_approvals": N_("USCIS initial H-1B approvals"),
})
CODE_COLUMNS = {"applicant_role", "permit_type", "status"}  # codes shown with their label (ui.text.LABELS)
COUNTRY_COLUMNS = {"citizenship", "birth_country"}  # ISO codes shown with the country's name


def column_label(name: str, labels: dict[str, str] | None = None) -> str:
    """A table header in the current language: "interval_start (America/Toronto)" -> "Début de
    l'intervalle (America/Toronto)"; an unknown column keeps its identifier."""
    known = {**COLUMN_LABELS, **(labels or {})}
    base, paren, rest = name.partition(" (")
    return t(known[base]) + paren + rest if base in known else name


def _text_cell(value) -> str:
    """A non-numeric cell that Styler shows (its empty cells are "—" through na_rep): times as Streamlit
    shows them, anything else as its text."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, pd.Timestamp) else str(value)


def quick_styler(df: pd.DataFrame, formats: list[tuple[dict, str]]) -> Styler:
    """A pandas Styler of `df` with `formats` ([(formatter per column, na_rep), ...], as Styler.format would
    apply them in turn; a later one's columns replace an earlier one's), whose rendering for st.dataframe
    makes only what st.dataframe reads of it.

    st.dataframe (streamlit's marshall_styler) runs the Styler's _compute() and _translate(False, False) and
    keeps each body cell's id ("row3_col1") and display value. pandas' _translate also builds every header,
    class list and trimming mark, and its format() stores a formatter for every cell: together 30-60 ms for
    a 200-row preview, the Extracts page's largest share of the server's time under load (issue 17). Here
    each column's formatter is wrapped once, as pandas wraps it (_maybe_wrap_formatter: na_rep, the default
    number format), and _translate makes only the body, so what the table shows is unchanged (tests/
    test_figure_cache.py compares the protos st.dataframe sends with those of pandas' own Styler given the
    same format() calls). Still of type Styler (Streamlit recognises a Styler by its type's name). Any other
    rendering (to_string, to_html) is pandas' own, with the same formats."""
    from pandas.io.formats.style_render import _maybe_wrap_formatter

    style = Styler(df)
    columns: dict[int, object] = {}
    for i, (formatter, na_rep) in enumerate(formats):
        for c, col in enumerate(df.columns):
            if i == 0 or col in formatter:  # the first applies to every column (those without one get na_rep)
                columns[c] = _maybe_wrap_formatter(formatter.get(col), na_rep=na_rep)
    rows = range(len(df))
    style._display_funcs.update(((r, c), fn) for c, fn in columns.items() for r in rows)  # what format() stores
    translate = style._translate

    def _translate(sparse_index: bool, sparse_cols: bool, *args, **kwargs):
        if args or kwargs or style._todo or style.table_styles or style.hidden_rows or style.hidden_columns:
            return translate(sparse_index, sparse_cols, *args, **kwargs)  # not st.dataframe's call
        funcs = [columns.get(c) for c in range(len(df.columns))]
        cells = style._display_funcs
        body = [[{"id": f"row{r}_col{c}", "display_value": (funcs[c] or cells[(r, c)])(value)}
                 for c, value in enumerate(row)]
                for r, row in enumerate(df.itertuples(index=False, name=None))]
        return {"uuid": style.uuid, "table_styles": [], "caption": style.caption, "body": body, "cellstyle": []}

    style._translate = _translate
    return style


def display_frame(df: pd.DataFrame, suppressed: list[str] | tuple[str, ...] = ()) -> pd.DataFrame | Styler:
    """The table as shown on screen: numbers in the current language's format (10 000, 0,42), codes and
    countries by name, sorting on the values themselves; an empty cell shows as "—" (never None, nan, NaT or
    <NA>), one of a `suppressed` column (publication mode) as "--". The CSV keeps the raw values."""
    formats = column_formats(df)
    if not formats or df.size > STYLED_CELLS_MAX:
        return df
    # Streamlit's grid draws a missing text value as a grey "None" whatever the Styler's display value (the
    # Extracts preview's "Principal's application ID" of every principal): such cells hold the dash itself
    text = [c for c, fn in formats.items() if fn is _text_cell and c not in suppressed
            and (pd.api.types.is_string_dtype(df[c]) or df[c].dtype == object)]  # not times, not flags
    if text:
        df = df.assign(**{c: df[c].fillna(EMPTY) for c in text})
    return quick_styler(df, display_formats(formats, suppressed))


def column_formats(df: pd.DataFrame) -> dict:
    """display_frame's formatter of each column that needs one, in the current language."""
    lang = language()
    formats = {}
    for col in df.columns:
        s, base = df[col], str(col).partition(" (")[0]
        if base in CODE_COLUMNS:
            formats[col] = label
        elif base in COUNTRY_COLUMNS:
            formats[col] = lambda code: f"{country_name(code, lang)} ({code})"
        elif pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            if s.isna().any():  # text, times, flags with empty cells: shown as "—", never None/NaT/<NA>
                formats[col] = _text_cell
            continue
        elif pd.api.types.is_integer_dtype(s) or bool((s.dropna() == s.dropna().round()).all()):
            formats[col] = fmt_int
        else:
            formats[col] = lambda v: fmt_num(v, 2)
    return formats


EMPTY = "—"  # an empty cell on screen


def display_formats(formats: dict, suppressed) -> list[tuple[dict, str]]:
    """display_frame's Styler.format calls, as (formatter per column, na_rep): every column with "—" for an
    empty cell, then the `suppressed` ones with "--"."""
    marked = {c: fn for c, fn in formats.items() if c in suppressed}
    return [({c: fn for c, fn in formats.items() if c not in suppressed}, EMPTY),
            *([(marked, disclosure.SUPPRESSED_MARK)] if marked else [])]


def show_table(df: pd.DataFrame, labels: dict[str, str] | None = None, **kwargs) -> None:
    """A table of a metric's rows on screen: times in the program's zone, numbers, codes and countries in
    the page's language, headers translated (each header's tooltip names its CSV column), suppressed
    cells as "--"."""
    table = extract.screen_times(df, current_program())
    headers = {col: st.column_config.Column(column_label(str(col), labels), help=t("CSV column: {name}").format(name=col))
               for col in table.columns}
    marked: list[str] = []
    if df.attrs.get("published"):  # numbers in the page's language here too, suppressed cells as "--"
        table, marked = disclosure.screen_frame(table)
    st.dataframe(display_frame(table, marked), hide_index=True, width="stretch", column_config=headers, **kwargs)


def numbers_block(df: pd.DataFrame, metric: str, key: str, params: dict | None = None,
                  labels: dict[str, str] | None = None) -> None:
    """The rows behind a chart, one click away: a table and its CSV (built only when pressed).

    `df` should be the metric's own rows (times in UTC); in publication mode they are published here
    unless the page already did (ui.publish).

    Opening the expander reruns the page and only then sends the table: a closed one costs the browser
    nothing (the tables and their grid component made the Overview's charts appear ~0.4 s later).
    """
    with st.expander(t("Numbers behind this chart"), key=f"numbers-{key}", on_change="rerun") as box:
        if not box.open:
            return
        try:
            table = publish(df, metric)
        except disclosure.NotPublishable:
            st.info(t("These numbers list individual applications: they are not shown in publication mode."))
            return
        show_table(table, labels)
        if table.attrs.get("dropped"):
            st.caption(t("Left out in publication mode (computed from unrounded counts): {columns}.").format(
                columns=", ".join(map(str, table.attrs["dropped"]))))
        download_buttons(table, metric, key, params)


def plotly_config() -> dict:
    """PLOTLY_CONFIG with plotly.js's locale for the current language, given inline (see
    i18n.plotly_locale: the plotly.js inside Streamlit registers English only, and no CDN is used)."""
    code = plotly_locale_code()
    return {**PLOTLY_CONFIG, "locale": code, "locales": {code: plotly_locale()}}


def chart_block(fig: go.Figure | Callable[[pd.DataFrame], go.Figure], df: pd.DataFrame, *, summary: str,
                metric: str, key: str, alt: str | None = None, params: dict | None = None,
                labels: dict[str, str] | None = None, **plotly_kwargs):
    """A one-sentence summary, the chart, and its numbers one click away.

    In publication mode the chart must be drawn from published rows: pass `fig` as a function of the
    rows (it gets ui.publish(df)), or draw it from ui.publish(df, metric) and pass those rows. A figure
    drawn from unpublished counts is not shown in publication mode (its numbers still are, published).
    The chart's accessible name (`alt`, read by screen readers) is the summary unless one is given;
    `labels` names the table's columns that COLUMN_LABELS does not know ({"col": N_("Header")}).
    """
    st.markdown(summary)
    drawn_from_raw = publication() and not df.attrs.get("published") and not callable(fig)
    rows = df
    if publication():
        try:
            rows = publish(df, metric)
        except disclosure.NotPublishable:
            rows = df
    if callable(fig) and not isinstance(fig, go.Figure):
        fig = fig(rows)
    event = None
    if drawn_from_raw and _has_counts(metric, df):
        st.info(t("This chart is not shown in publication mode: it was drawn from unrounded counts. "
                  "Its published numbers are below."), icon=":material/shield:")
    else:
        event = st.plotly_chart(fig, key=f"chart-{key}", config=plotly_config(), width="stretch",
                                alt=alt or re.sub(r"[*_`]", "", summary), **plotly_kwargs)
    numbers_block(rows, metric, key, params, labels)
    return event


def _has_counts(metric: str, df: pd.DataFrame) -> bool:
    try:
        spec = disclosure.spec_for(metric, df)
    except disclosure.NotPublishable:
        return True
    return bool(spec.counts or spec.totals)

