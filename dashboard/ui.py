"""Streamlit building blocks the pages share: cached metrics, the chart-with-its-numbers block, banners.

Imported by app, sidebar and views only (it is part of the view layer).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import extract, metrics, sidebar, warehouse
from dashboard.country_codes import country_name
from dashboard.filters import Filters
from dashboard.i18n import N_, fmt_datetime, fmt_int, fmt_num, language, plotly_locale, plotly_locale_code, t
from dashboard.programs import Program, programs

log = logging.getLogger("dashboard")
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_metric(name: str, key: tuple, snapshot: str | None, kwargs: tuple, _f: Filters) -> pd.DataFrame:
    return metrics.METRICS[name](_f, **dict(kwargs))


def run_metric(name: str, f: Filters, **kwargs) -> pd.DataFrame:
    """A metric's rows, cached per filters and per published snapshot (a new ingest invalidates)."""
    r = warehouse.reader()
    snapshot = f"{r.root}/{r.snapshot_name}"
    return _cached_metric(name, f.key(), snapshot, tuple(sorted(kwargs.items())), f)


def current_filters() -> Filters:
    return st.session_state["filters"]


def current_program() -> Program:
    return programs()[current_filters().program_id]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def file_name(metric: str, f: Filters) -> str:
    """metric_program_asof.csv, short."""
    as_of = f.as_of.strftime("%Y%m%dT%H%M") if f.as_of else "latest"
    return f"{metric}_{f.program_id}_{as_of}.csv"


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
CODE_COLUMNS = {"applicant_role", "permit_type", "status"}  # codes shown with their label (sidebar.LABELS)
COUNTRY_COLUMNS = {"citizenship", "birth_country"}  # ISO codes shown with the country's name


def column_label(name: str, labels: dict[str, str] | None = None) -> str:
    """A table header in the current language: "interval_start (America/Toronto)" -> "Début de
    l'intervalle (America/Toronto)"; an unknown column keeps its identifier."""
    known = {**COLUMN_LABELS, **(labels or {})}
    base, paren, rest = name.partition(" (")
    return t(known[base]) + paren + rest if base in known else name


def display_frame(df: pd.DataFrame) -> pd.DataFrame | pd.io.formats.style.Styler:
    """The table as shown on screen: numbers in the current language's format (10 000, 0,42), codes and
    countries by name, sorting on the values themselves. The CSV keeps the raw values."""
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
    return df.style.format(formats, na_rep="—")


def numbers_block(df: pd.DataFrame, metric: str, key: str, labels: dict[str, str] | None = None) -> None:
    """The rows behind a chart, one click away: a table and its CSV (built only when pressed)."""
    with st.expander(t("Numbers behind this chart")):
        headers = {col: st.column_config.Column(column_label(str(col), labels),
                                                help=t("CSV column: {name}").format(name=col))
                   for col in df.columns}
        st.dataframe(display_frame(df), hide_index=True, width="stretch", column_config=headers)
        f = current_filters()
        st.download_button(
            t("Download CSV"), data=lambda: extract.csv_bytes(df), file_name=file_name(metric, f),
            mime="text/csv", key=f"dl-{key}", on_click="ignore", icon=":material/download:",
        )


def plotly_config() -> dict:
    """PLOTLY_CONFIG with plotly.js's locale for the current language, given inline (see
    i18n.plotly_locale: the plotly.js inside Streamlit registers English only, and no CDN is used)."""
    code = plotly_locale_code()
    return {**PLOTLY_CONFIG, "locale": code, "locales": {code: plotly_locale()}}


def chart_block(fig: go.Figure, df: pd.DataFrame, *, summary: str, metric: str, key: str,
                alt: str | None = None, labels: dict[str, str] | None = None, **plotly_kwargs):
    """A one-sentence summary, the chart, and its numbers one click away.

    The chart's accessible name (`alt`, read by screen readers) is the summary unless one is given;
    `labels` names the table's columns that COLUMN_LABELS does not know ({"col": N_("Header")})."""
    st.markdown(summary)
    name = alt or re.sub(r"[*_`]", "", summary)
    event = st.plotly_chart(fig, key=f"chart-{key}", config=plotly_config(), width="stretch", alt=name,
                            **plotly_kwargs)
    numbers_block(df, metric, key, labels)
    return event


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
