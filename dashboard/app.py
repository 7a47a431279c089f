"""The frame: page config, language, shared filters, navigation. Each page lives in views/."""

from __future__ import annotations

import streamlit as st
import streamlit.commands.navigation as st_navigation

from dashboard import i18n, sidebar, signin, ui
from dashboard.filters import Filters
from dashboard.i18n import t
from dashboard.programs import ProgramConfigError, programs
from dashboard.ui import headline, url

st.set_page_config(page_title="H-1B intake dashboard", layout="wide",
                   initial_sidebar_state="auto")  # collapsed on small screens (reflow)

ss = st.session_state
if url.begin_run() or "lang" not in ss:  # Back/Forward restores the language of the address too
    ss["lang"], ss["lang_notices"] = url.language_choice()
i18n.set_language(ss["lang"])
st.sidebar.selectbox("Langue / Language", list(i18n.LANGS), key="lang",
                     format_func=lambda code: {"en": "English", "fr": "Français"}[code])
i18n.set_language(ss["lang"])
with st.sidebar:
    ui.document_language()
ui.focus_ring()
url.write_language(ss["lang"])
url.warn(ss.pop("lang_notices", []))
url.flush()  # the sign-in screen may stop the run here
ui.gate.gate()  # who is looking: the sign-in screen stops the run here; the local demo says it is unauthenticated
ui.pin_snapshot()  # this whole run reads one snapshot, even if an ingest publishes meanwhile


def _spinning(block) -> None:
    with st.spinner(t("Loading the latest figures…")):
        block()


# A snapshot this process has not seen: its program-wide figures are computed once, for everyone (ui.warm)
ui.warm.loading(_spinning)


def _loaded_programs() -> list[str]:
    configured = programs()
    with_data = ui.run_metric("programs_loaded", Filters(""))["program_id"].tolist()
    return [p for p in configured if p in with_data] or list(configured)


def _countries(program_id: str) -> list[str]:
    return ui.run_metric("countries_present", Filters(program_id))["citizenship"].tolist()


def _latest(program_id: str):
    value = ui.run_metric("data_freshness", Filters(program_id))["latest_submission"].iloc[0]
    return None if value is None or value != value else value.to_pydatetime()


pages = [  # each url_path a literal: tests/test_access.py reads them from this file
    st.Page("views/overview.py", title=t("Overview"), url_path="overview", default=True),
    st.Page("views/velocity.py", title=t("Velocity"), url_path="velocity"),
    st.Page("views/countries.py", title=t("Country of origin"), url_path="countries"),
    st.Page("views/time_to_cap.py", title=t("Time to cap"), url_path="time-to-cap"),
    st.Page("views/decisions.py", title=t("Decisions and arrivals"), url_path="decisions"),
    st.Page("views/plan.py", title=t("Plan the next intake"), url_path="plan"),
    st.Page("views/h1b_context.py", title=t("US H-1B context"), url_path="h1b-context"),
    st.Page("views/extracts.py", title=t("Extracts"), url_path="extracts"),
    st.Page("views/ingest_history.py", title=t("Data loads"), url_path="data-loads"),
    st.Page("views/admin.py", title=t("Admin"), url_path="admin"),
    st.Page("views/about.py", title=t("About the data"), url_path="about"),
]
every_path = [p.url_path for p in pages]
pages = signin.offered(pages)  # each person is offered only the pages access.allowed gives them
# For an address st.navigation does not know, Streamlit's frontend opens its own dialog ("Page not found ...
# Running the app's main page", in English whatever the language) over this app's own answer below, which says
# so in the chosen language, runs no page and lists the pages offered: Streamlit's message is not sent.
st_navigation.send_page_not_found = lambda ctx: None  # tests/test_browser_hostile_url.py: no dialog
page = st.navigation(pages)
# Pages the shared filters do not change (reference statistics, planning, operations, documentation):
# there the filters stay drawn, to keep their values, but disabled, with a note.
UNFILTERED = {"plan", "h1b-context", "data-loads", "admin", "about"}
ready = False
try:
    with ui.friendly_errors():
        loaded = _loaded_programs()
        ss[ui.state.FILTERS_KEY] = sidebar.build_filters(loaded, _countries, _latest,
                                                             applies=page.url_path not in UNFILTERED,
                                                             page=page.url_path)
        ui.publication_switch()
        ready = True
except ProgramConfigError as exc:
    st.error(t("The program configuration cannot be read: {problem}").format(problem=str(exc)))

# /overview, typed by someone who read the other pages' addresses: Streamlit shows the default page, the Overview,
# which is the page asked for, so it is not "not found"
if (asked := url.unknown_page([p.url_path for p in pages] + ["overview"])) is not None:
    if asked not in every_path:  # not the Overview under a wrong address: say so, and link every page offered
        st.title(t("Page not found"), anchor=False)
        ui.notices(None)
        url.warn([url.notice("page", [asked])])
        for offered in pages:
            st.page_link(offered, label=offered.title)
        st.set_page_config(page_title=f"{t('Page not found')} · {t('H-1B intake dashboard')}")
        url.flush(page.url_path)
        st.stop()
    url.warn([t("You do not have access to this page. Ask the dashboard team if you need it.")])
# Each page's own title, in the chosen language, names the browser tab (WCAG 2.4.2).
st.set_page_config(page_title=f"{page.title} · {t('H-1B intake dashboard')}")
if ready:
    program = ui.current_program()
    st.title(program.name(i18n.language()), anchor=False)
    # The answers first, above the notices (issue 16): the Overview (whose path is "") all three, the
    # Velocity, Country and Time to cap pages the one each answers at length.
    if (parts := headline.PAGE_PARTS.get(page.url_path)) is not None:
        with ui.friendly_errors():
            headline.band(ui.current_filters(), program, parts)
    ui.notices(program)
    st.caption(sidebar.summary_line(ui.current_filters(), program))
    ui.publication_note()
    with ui.friendly_errors():
        ui.freshness(program)
    with ui.friendly_errors():
        page.run()
else:
    ui.notices(None)  # the sign-in notice still shows
    if page.url_path == "about":
        page.run()
url.flush(page.url_path)  # this run's address in one message: one history entry per change
