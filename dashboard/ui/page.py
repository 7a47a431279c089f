"""The page's furniture: banners, the freshness line, friendly errors, the document's language, live parts."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator

import pandas as pd
import streamlit as st

from dashboard import warehouse
from dashboard.filters import Filters
from dashboard.i18n import fmt_datetime, plotly_locale_code, set_language, t, zone_label
from dashboard.programs import Program
from dashboard.ui import warm
from dashboard.ui.cache import SNAPSHOT_SHOWN, refresh_seconds, run_metric

log = logging.getLogger("dashboard")


SIGNIN_NOTICE = "signin_notice"  # session key: the gate's notice for this run (ui.gate), drawn by notices()


def notices(program: Program | None) -> None:
    """The sign-in and synthetic-data notices, one line each (side by side on a desk), their details a click
    away (issue 16: on a phone they took two or three lines each, before any answer)."""
    shown = []
    if (signin_notice := st.session_state.get(SIGNIN_NOTICE)) is not None:
        short, text = signin_notice
        shown.append(("notice-signin", short, ":material/lock_open:", lambda: st.markdown(text)))
    if program is not None and program.synthetic:
        def synthetic() -> None:
            st.markdown(t("Demo: synthetic applications matching published facts, not real records."))
            sources = _sources_text(e.source for e in program.events if e.source)
            if sources:  # from the program's events file: shown as plain text
                st.text(t("Sources of those facts: {sources}").format(sources=sources))
        shown.append(("notice-synthetic", t("Synthetic demo data"), ":material/science:", synthetic))
    if not shown:
        return
    for col, (key, short, icon, draw) in zip(st.columns(len(shown), gap="small"), shown, strict=True):
        with col, st.expander(f"**{short}**", icon=icon, type="compact", key=key):
            draw()


def _sources_text(sources: Iterable[str]) -> str:
    """The events' sources said once each: "P1;P2 (SOURCES.md §10)", "P3 (SOURCES.md §10)" become
    "P1, P2, P3 (SOURCES.md §10)"; a source in another form is kept as it is."""
    grouped: dict[str, list[str]] = {}
    for source in sources:
        m = re.fullmatch(r"\s*([^()]+?)\s*\(([^()]+)\)\s*", source)
        ids, where = ([i.strip() for i in m.group(1).split(";")], m.group(2)) if m else ([source.strip()], "")
        grouped.setdefault(where, [])
        grouped[where] += [i for i in ids if i and i not in grouped[where]]
    key = lambda i: (re.sub(r"\d+", "", i), int(re.sub(r"\D", "", i) or 0))  # noqa: E731 - P2 before P10
    return "; ".join(", ".join(sorted(ids, key=key)) + (f" ({where})" if where else "") for where, ids in grouped.items())


def freshness(program: Program) -> None:
    """When the last ingest ran and the newest submission it holds (every page shows it)."""
    row = run_metric("data_freshness", Filters(program.id)).iloc[0]
    last = row["last_ingest_at"]
    latest = row["latest_submission"]
    st.caption(t("Data as of the last ingest, {ingest}; newest submission {latest}. Times in {zone}.").format(
        ingest=fmt_datetime(None if pd.isna(last) else last, program.time_zone),
        latest=fmt_datetime(None if pd.isna(latest) else latest, program.time_zone),
        zone=zone_label(program.time_zone),
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

# A keyboard focus ring no one can take for the current page's grey highlight: a 3 px blue outline (the palette's
# principal blue, 5.1:1 on white) on whatever holds the keyboard focus, the menu's links included.
FOCUS_CSS = """<style>
:is([data-testid="stSidebar"], [data-testid="stMain"]) :is(a, button, input, [role="button"], [tabindex]):focus-visible {
  outline: 3px solid #0072B2 !important; outline-offset: 2px; box-shadow: none;
}
</style>"""


def focus_ring() -> None:
    """Draw the keyboard focus ring of FOCUS_CSS (style only: st.html adds no element to the page)."""
    st.html(FOCUS_CSS)


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


PENDING_FORECASTS = "forecasts_pending"  # session key: the forecasts this session was told are being computed


def forecast(kind: str, program: Program, as_of, wait: float | None = None):
    """ui.warm.forecast_result for this session's run: the same forecast, but one this session was already
    told is being computed (by its page or its headline band) is not waited for again. The page says so and
    draws it by itself when done (the live parts re-read it, the forecasts made along the way poll for it), so
    a filter change that does not change the forecast does not wait for it once more: on a server just
    started, every run of Time to cap waited the 5 s (the forecasts made along the way) or the 10 s (the
    projection) again until the forecast was done (docs/performance.md, "Waiting for a forecast")."""
    ss = st.session_state
    shown = ss.get(SNAPSHOT_SHOWN)
    key = (kind, program.id, as_of)
    pending = {k: v for k, v in ss.get(PENDING_FORECASTS, {}).items() if v == shown}  # this snapshot's only
    result = warm.forecast_result(kind, program, as_of, wait=0 if key in pending else wait)
    if result is None:
        pending[key] = shown
    else:
        pending.pop(key, None)
    ss[PENDING_FORECASTS] = pending
    return result
