"""The numbers behind a chart are sent only when their expander is opened (a closed one costs nothing), as are
the sidebar's filters."""

from __future__ import annotations

from conftest import ROOT
from streamlit.testing.v1 import AppTest

APP = str(ROOT / "dashboard" / "app.py")


def test_tables_are_built_when_their_expander_opens(demo_warehouse):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    # the two notices' details (issue 16: one line each, details a click away), then the two charts' numbers
    assert [e.label for e in at.main.expander] == ["**Local demo, no sign-in**", "**Synthetic demo data**",
                                                   "Numbers behind this chart", "Numbers behind this chart"]
    # the sidebar's filters section, closed: none of its widgets is sent either (tests/test_sidebar_section.py)
    assert [e.label for e in at.sidebar.expander] == ["Choose filters"] and not at.sidebar.multiselect
    assert len(at.dataframe) == 0
    assert [b.key for b in at.get("download_button")] == ["brief-pdf"]  # the brief, no table's CSV yet

    at.session_state["numbers-role-status"] = True
    at.run()
    assert not at.exception
    (table,) = at.dataframe
    assert table.value.to_dict("records") == [
        {"applicant_role": "dependant", "status": "submitted", "applications": 1},
        {"applicant_role": "principal", "status": "approved", "applications": 1},
        {"applicant_role": "principal", "status": "submitted", "applications": 6},
        {"applicant_role": "spouse", "status": "submitted", "applications": 1},
    ]
    assert [b.key for b in at.get("download_button")] == ["brief-pdf", "dl-role-status", "dlz-role-status"]
