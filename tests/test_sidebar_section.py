"""The sidebar's filters section (issue 17): closed, its widgets are not drawn, yet the filters it holds apply,
the line above it names them in the page's language, and they survive reruns and the address. On the hand-checked fixture
(conftest.BASIC_ROWS): principals P3 09:50 and P7 08:30 EDT are Chinese; the Velocity page counts all seven."""

from __future__ import annotations

from conftest import app_test
from streamlit.testing.v1 import AppTest

from dashboard.i18n import t
from dashboard.sidebar import FILTERS_OPEN

VELOCITY = "views/velocity.py"


def principals(at: AppTest, lang: str = "en") -> str:
    return {m.label: m.value for m in at.metric}[t("Principal applications", lang)]


def section(at: AppTest) -> list[str]:
    """The sidebar's expander labels (the filters section is the only one there), and the line above it."""
    return [e.label for e in at.sidebar.expander] + [c.value for c in at.sidebar.caption if ": " in c.value][:1]


def test_a_filter_set_with_the_section_closed_applies_and_survives_reruns_and_the_address(shared_basic_warehouse):
    at = app_test(VELOCITY)
    assert not at.exception
    assert section(at) == ["Choose filters", "Filters: all applications"] and principals(at) == "7"
    assert not at.sidebar.multiselect and not at.sidebar.datetime_input  # closed: nothing of it drawn
    at.session_state["f_country"] = ["CHN"]  # as a chart's selection sets it (ui.state.set_countries)
    at.run()
    assert not at.exception
    assert not at.sidebar.multiselect and at.session_state[FILTERS_OPEN] is False
    assert principals(at) == "2" and section(at) == ["Choose filters", "Filters: China"]
    assert at.query_params["country"] == "CHN"
    at.run()  # a rerun that draws none of the section's widgets keeps their values
    assert principals(at) == "2" and at.session_state["f_country"] == ["CHN"]

    link = {key: at.query_params[key] for key in at.query_params}  # a new session on the same address
    again = app_test(VELOCITY, {**link, "lang": "fr"})
    assert not again.exception
    assert section(again) == ["Choisir les filtres", "Filtres : Chine"] and principals(again, "fr") == "2"
    assert not again.sidebar.multiselect


def test_opening_the_section_shows_the_values_it_held_and_a_change_renames_it(shared_basic_warehouse):
    at = app_test(VELOCITY, {"country": "CHN"})
    at.session_state[FILTERS_OPEN] = True  # a click on the section
    at.run()
    assert not at.exception
    assert at.multiselect(key="f_country").value == ["CHN"]
    at.multiselect(key="f_role").set_value(["spouse"]).run()
    assert not at.exception
    assert section(at) == ["Choose filters", "Filters: China; Spouse"] and at.session_state[FILTERS_OPEN] is True  # stays open
    assert at.query_params["role"] == "spouse"
    at.session_state[FILTERS_OPEN] = False
    at.run()
    assert section(at) == ["Choose filters", "Filters: China; Spouse"] and not at.sidebar.multiselect
    assert at.session_state["f_role"] == ["spouse"] and at.query_params["country"] == "CHN"
