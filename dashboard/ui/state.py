"""The session's filter state that pages share: the current filters and program, and setting a filter
from a page (a chart's selection) so the sidebar and the address show it on the same rerun."""

from __future__ import annotations

import streamlit as st

from dashboard.country_codes import all_iso3
from dashboard.filters import Filters
from dashboard.programs import Program, programs

FILTERS_KEY = "filters"  # the Filters the sidebar built for this run
COUNTRY_KEY = "f_country"  # the citizenship filter widget's key


def current_filters() -> Filters:
    return st.session_state[FILTERS_KEY]


def current_program() -> Program:
    return programs()[current_filters().program_id]


def set_countries(codes: list[str]) -> None:
    """Set the citizenship filter, e.g. from a chart's on_select callback (callbacks run before the widgets
    are drawn, so the sidebar and the URL show it on that same rerun). Unknown codes are left out."""
    valid = set(all_iso3())
    st.session_state[COUNTRY_KEY] = sorted({c for c in codes if c in valid})
