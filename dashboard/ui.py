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

from dashboard import extract, metrics, warehouse
from dashboard.filters import Filters
from dashboard.i18n import fmt_datetime, fmt_int, t
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


def numbers_block(df: pd.DataFrame, metric: str, key: str) -> None:
    """The rows behind a chart, one click away: a table and its CSV (built only when pressed).

    Opening the expander reruns the page and only then sends the table: a closed one costs the browser
    nothing (the tables and their grid component made the Overview's charts appear ~0.4 s later).
    """
    with st.expander(t("Numbers behind this chart"), key=f"numbers-{key}", on_change="rerun") as box:
        if not box.open:
            return
        st.dataframe(df, hide_index=True, width="stretch")
        f = current_filters()
        st.download_button(
            t("Download CSV"), data=lambda: extract.csv_bytes(df), file_name=file_name(metric, f),
            mime="text/csv", key=f"dl-{key}", on_click="ignore", icon=":material/download:",
        )


def chart_block(fig: go.Figure, df: pd.DataFrame, *, summary: str, metric: str, key: str,
                alt: str | None = None, **plotly_kwargs):
    """A one-sentence summary, the chart, and its numbers one click away."""
    st.markdown(summary)
    event = st.plotly_chart(fig, key=f"chart-{key}", config=PLOTLY_CONFIG, width="stretch", **plotly_kwargs)
    numbers_block(df, metric, key)
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
