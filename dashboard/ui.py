"""Streamlit building blocks the pages share: cached metrics, the chart-with-its-numbers block, banners.

Imported by app, sidebar and views only (it is part of the view layer).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import access, disclosure, extract, metrics, sidebar, signin, warehouse
from dashboard.country_codes import country_name
from dashboard.filters import Filters
from dashboard.i18n import (
    N_,
    fmt_datetime,
    fmt_int,
    fmt_num,
    language,
    plotly_locale,
    plotly_locale_code,
    set_language,
    t,
)
from dashboard.programs import Program, programs

log = logging.getLogger("dashboard")
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_metric(name: str, key: tuple, snapshot: str | None, kwargs: tuple, _f: Filters) -> pd.DataFrame:
    return metrics.METRICS[name](_f, **dict(kwargs))


def run_metric(name: str, f: Filters, **kwargs) -> pd.DataFrame:
    """A metric's rows, cached per filters and per published snapshot (a new ingest invalidates)."""
    return _cached_metric(name, f.key(), _snapshot_key(), tuple(sorted(kwargs.items())), f)


def _snapshot_key() -> str:
    """The snapshot this run reads, as a cache key: a new ingest invalidates what was cached."""
    r = warehouse.reader()
    return f"{r.root}/{r.snapshot_name}"


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_preview(name: str, key: tuple, snapshot: str | None, limit: int, kwargs: tuple,
                    _f: Filters) -> tuple[pd.DataFrame, int]:
    return metrics.preview(name, _f, limit, **dict(kwargs))


def run_preview(name: str, f: Filters, limit: int, **kwargs) -> tuple[pd.DataFrame, int]:
    """A metric's first `limit` rows and its number of rows (metrics.preview), cached like run_metric."""
    return _cached_preview(name, f.key(), _snapshot_key(), limit, tuple(sorted(kwargs.items())), f)


SNAPSHOT_SHOWN = "snapshot_shown"


def pin_snapshot() -> None:
    """Make the rest of this script run read the snapshot that is current now (see warehouse.Reader.pin);
    the page's live parts read the same one (live)."""
    with contextlib.suppress(warehouse.NoWarehouse):
        st.session_state[SNAPSHOT_SHOWN] = warehouse.reader().pin()


def current_filters() -> Filters:
    return st.session_state["filters"]


def current_program() -> Program:
    return programs()[current_filters().program_id]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def file_name(metric: str, f: Filters, params: dict | None = None) -> str:
    """metric_program_period_asof.csv, short (extract.file_stem)."""
    return extract.file_stem(metric, f, params, publication=publication()) + ".csv"


# ---------------------------------------------------------------- publication mode
#
# The hook for every page: in publication mode, IRCC's rule applies to every count shown or exported.
#   table = ui.publish(df, "metric_name")   # rounded/suppressed rows (unchanged when the mode is off);
#                                           # build the figure from `table` and pass `table` to chart_block
#   ui.count(n)                             # a headline count as text: "--", rounded, or fmt_int(n)
#   ui.published_count(n)                   # the same as a number (None = suppressed), for shares
# A metric whose columns need more than disclosure.infer_spec (a row total, a share, a numeric column that
# is not a count) gets a line in disclosure.SPECS, so the command line publishes it the same way.

PUB_KEY = "pub"


def publication() -> bool:
    """Whether publication mode is on in this session."""
    return bool(st.session_state.get(PUB_KEY, False))


def publication_switch() -> None:
    """The sidebar switch, kept in the URL as pub=1 (read from the URL when the session starts)."""
    ss = st.session_state
    if PUB_KEY not in ss:
        raw = st.query_params.get(PUB_KEY)
        ss[PUB_KEY] = raw in ("1", "true")
        if raw is not None and raw not in ("0", "1", "true", "false"):
            st.warning(t("The link's publication setting ({value}) is not 1 or 0; publication mode is off.")
                       .format(value=raw), icon=":material/link_off:")
    forced = signin.publication_forced()  # real records, seen unsigned or by a viewer: always on
    st.sidebar.toggle(t("Publication mode"), key=PUB_KEY, disabled=forced, help=t(
        "Apply IRCC's rule for published figures to every count shown or downloaded: counts from 1 to 5 are "
        "suppressed (shown as `--`), all others are rounded to the nearest multiple of 5.") + (" " + t(
        "It is always on for you: only analysts and administrators see unrounded counts of real records.")
        if forced else ""))
    if ss[PUB_KEY]:
        st.query_params[PUB_KEY] = "1"
    elif PUB_KEY in st.query_params:
        del st.query_params[PUB_KEY]


def publication_note() -> None:
    if publication():
        st.info(t("Publication mode: counts from 1 to 5 are suppressed (shown as `--`; in CSV files an empty cell "
                  "flagged in a `_suppressed` column), all other counts are rounded to the nearest multiple of 5, "
                  "and totals are rounded on their own, so they may differ from the sum of their parts. Shares "
                  "are computed from rounded counts; some further cells are suppressed so that no suppressed "
                  "count can be worked out from a total."), icon=":material/shield:")


def publish(df: pd.DataFrame, metric: str | None = None, spec: disclosure.Spec | None = None) -> pd.DataFrame:
    """`df` under IRCC's rule when publication mode is on (the metric's spec unless one is given); else `df`."""
    if not publication() or df.attrs.get("published"):
        return df
    return disclosure.publish(df, spec or (disclosure.spec_for(metric, df) if metric else disclosure.infer_spec(df)))


def as_published(df: pd.DataFrame) -> pd.DataFrame:
    """Rows a page computed from published rows (shares of rounded counts, say): marked as published in
    publication mode, so chart_block and the download show them as they are; `df` when the mode is off."""
    if publication():
        df = df.copy()
        df.attrs = {"published": True, "dropped": []}
    return df


def suppressed_bars_note() -> None:
    """Above a bar chart in publication mode: why some bars are missing."""
    if publication():
        st.caption(t("Publication mode: a suppressed count has no bar; the numbers below the chart show it as "
                     "`--`."))


def published_curve(curve: pd.DataFrame) -> pd.DataFrame:
    """cumulative_principals' rows under the publication rule, without the moments whose total is suppressed
    (for drawing a cumulative curve in publication mode)."""
    rows = publish(curve, "cumulative_principals")
    return rows[rows["cumulative"].notna()].astype({"cumulative": "int64"})


def published_count(n: float | int | None) -> int | float | None:
    """A count as publication mode shows it (None = suppressed); the count itself when the mode is off."""
    if n is None or pd.isna(n):
        return None
    return disclosure.round_count(n) if publication() else n


# Markdown turns a bare "--" into an em dash; as inline code it stays "--".
SUPPRESSED_TEXT = f"`{disclosure.SUPPRESSED_MARK}`"


def count(n: float | int | None) -> str:
    """A count as Markdown text (st.metric, st.markdown, st.caption): `--` when suppressed, rounded in
    publication mode, else fmt_int."""
    if publication() and n is not None and not pd.isna(n) and disclosure.round_count(n) is None:
        return SUPPRESSED_TEXT
    return fmt_int(published_count(n))


# ---------------------------------------------------------------- access and audit

def allowed(action: str) -> bool:
    """Whether the current user may do `action`: "extract_records" (Extracts page), "view_audit" (Admin page).

    The spot for issue 8's authorisation decision: every page and download that needs a role asks here.
    Until sign-in and roles exist, everyone may.
    """
    return True


def who() -> str:
    """The signed-in user's e-mail, else "anonymous" (read while the script runs: downloads run elsewhere)."""
    try:
        user = st.user
        if user.get("is_logged_in"):
            return str(user.get("email") or user.get("sub") or "signed-in user")
    except Exception:  # noqa: BLE001 - no auth configured, or a host without st.user
        log.debug("st.user unavailable", exc_info=True)
    return "anonymous"


def data_version(program_id: str) -> dict:
    return extract.data_version(program_id, run_metric("data_freshness", Filters(program_id)))


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
               "lang": language(), "version": data_version(f.program_id), "who": who()}

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
CODE_COLUMNS = {"applicant_role", "permit_type", "status"}  # codes shown with their label (sidebar.LABELS)
COUNTRY_COLUMNS = {"citizenship", "birth_country"}  # ISO codes shown with the country's name


def column_label(name: str, labels: dict[str, str] | None = None) -> str:
    """A table header in the current language: "interval_start (America/Toronto)" -> "Début de
    l'intervalle (America/Toronto)"; an unknown column keeps its identifier."""
    known = {**COLUMN_LABELS, **(labels or {})}
    base, paren, rest = name.partition(" (")
    return t(known[base]) + paren + rest if base in known else name


def display_frame(df: pd.DataFrame, suppressed: list[str] | tuple[str, ...] = ()) -> pd.DataFrame | pd.io.formats.style.Styler:
    """The table as shown on screen: numbers in the current language's format (10 000, 0,42), codes and
    countries by name, sorting on the values themselves; an empty cell of a `suppressed` column (publication
    mode) shows as "--". The CSV keeps the raw values."""
    lang = language()
    formats = {}
    for col in df.columns:
        s, base = df[col], str(col).partition(" (")[0]
        if base in CODE_COLUMNS:
            formats[col] = sidebar.label
        elif base in COUNTRY_COLUMNS:
            formats[col] = lambda code: f"{country_name(code, lang)} ({code})"
        elif pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            continue
        elif pd.api.types.is_integer_dtype(s) or bool((s.dropna() == s.dropna().round()).all()):
            formats[col] = fmt_int
        else:
            formats[col] = lambda v: fmt_num(v, 2)
    if not formats or df.size > STYLED_CELLS_MAX:
        return df
    style = df.style.format({c: fn for c, fn in formats.items() if c not in suppressed}, na_rep="—")
    marked = {c: fn for c, fn in formats.items() if c in suppressed}
    return style.format(marked, na_rep=disclosure.SUPPRESSED_MARK, subset=list(marked)) if marked else style


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


def synthetic_banner(program: Program) -> None:
    if program.synthetic:
        st.info(t("Demo: these applications are synthetic, generated to match published facts about the "
                  "2023 intake. They are not real application records."), icon=":material/science:")


def freshness(program: Program) -> None:
    """When the last ingest ran and the newest submission it holds (every page shows it)."""
    row = run_metric("data_freshness", Filters(program.id)).iloc[0]
    last = row["last_ingest_at"]
    latest = row["latest_submission"]
    st.caption(t("Data as of the last ingest, {ingest}; newest submission {latest}. Times in {zone}.").format(
        ingest=fmt_datetime(None if pd.isna(last) else last, program.time_zone),
        latest=fmt_datetime(None if pd.isna(latest) else latest, program.time_zone),
        zone=program.time_zone,
    ))


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Errors a user can meet become a sentence that says what to do, never a traceback."""
    try:
        yield
    except warehouse.NoWarehouse:
        st.warning(t("No data has been loaded yet. Run `make warehouse` to load the demo intake, or ingest an "
                     "export with `python -m dashboard.ingest FILE`."), icon=":material/database:")
    except Exception:  # noqa: BLE001 - the user gets a sentence; the log gets the traceback
        log.exception("page failed")
        st.error(t("Something went wrong while drawing this page. Reload the page; if it happens again, "
                   "reset the filters or tell the dashboard team."), icon=":material/error:")


def metric_number(n: float | int | None) -> str:
    return fmt_int(n)


# Streamlit serves a fixed <html lang="en"> and has no setting for it (streamlit/streamlit#15726), so
# screen readers would read French pages with English pronunciation (WCAG 3.1.1). Streamlit's own
# supported way to run trusted script on the page is a v2 component: this one holds no markup and only
# sets the document's language, which it receives as data (nothing is formatted into the script).
_DOCUMENT_LANGUAGE_JS = """
export default function (component) {
    const lang = component.data && component.data.lang;
    if (typeof lang === "string" && /^[a-z]{2}(-[A-Z]{2})?$/.test(lang)) {
        document.documentElement.lang = lang;
    }
}
"""
_document_language = None


def document_language() -> None:
    """Declare the page's language (lang="fr-CA" / "en-CA") on the document."""
    global _document_language
    if _document_language is None:
        from streamlit.components.v2 import component

        _document_language = component("dashboard.document_language", js=_DOCUMENT_LANGUAGE_JS)
    _document_language(key="document-language", data={"lang": plotly_locale_code()}, height=0)

def live(body: Callable[[], None]) -> None:
    """Run `body` in a fragment that re-reads itself every refresh_seconds(), so an ingest shows up on an
    open page without a reload. A fragment's own reruns skip the frame, so it sets the language itself and
    reads the snapshot the page was drawn from; when a newer one is published, the whole page reruns (one
    snapshot per view, live parts included)."""

    @st.fragment(run_every=refresh_seconds())
    def fragment() -> None:
        set_language(st.session_state.get("lang", "en"))
        shown = st.session_state.get(SNAPSHOT_SHOWN)
        current = warehouse.current_snapshot(warehouse.reader().root)
        if current is not None and current.name != shown:
            st.rerun()  # a newer snapshot: the page is drawn again as a whole, so it shows one snapshot
        if shown:
            warehouse.reader().pin(shown)  # a fragment's own rerun skips the frame's pin: the page's snapshot
        with friendly_errors():
            body()

    fragment()


def refresh_seconds() -> float:
    """How often open pages re-read their headline figures by themselves, so that an ingest shows up
    without a reload (DASHBOARD_REFRESH_SECONDS, default 10)."""
    import os

    try:
        return max(1.0, float(os.environ.get("DASHBOARD_REFRESH_SECONDS", "10")))
    except ValueError:
        return 10.0


def data_moment(f: Filters, program: Program) -> datetime:
    """The moment the figures stand at: the "as of" moment, or with the latest data the moment the data
    are complete up to (the last ingest, never later than now), in the program's zone. The Overview's
    status and the forecast both stand there, so "open, 3 h since opening" and the forecast agree."""
    now = warehouse.now_utc().astimezone(program.tz)
    if f.as_of is not None:
        return min(f.as_of, now)
    row = run_metric("data_freshness", Filters(program.id)).iloc[0]
    known = [v.to_pydatetime() for v in (row["last_ingest_at"], row["latest_submission"]) if not pd.isna(v)]
    return min(max(known), now).astimezone(program.tz) if known else now


def data_digest(df: pd.DataFrame) -> str:
    """A short fingerprint of a frame's rows, to key a cache on what the data are."""
    return f"{len(df)}-{int(pd.util.hash_pandas_object(df, index=False).sum()) & 0xFFFFFFFFFFFF:x}"
