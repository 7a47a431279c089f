"""Sidebar filters only where they change something (issue 16): on the pages that do not use them they are
not drawn (their values are kept) and a note says so; on the intake's pages they are back, as they were."""

from __future__ import annotations

from conftest import app_test

NOTE = "The filters do not change this page"


def filter_keys(at) -> set[str]:
    return {w.key for kind in ("multiselect", "toggle", "datetime_input") for w in at.sidebar.get(kind)}


def test_filters_are_hidden_with_a_note_where_they_change_nothing_and_kept(shared_basic_warehouse):
    at = app_test("views/about.py", {"country": "IND"}, filters_open=True)
    assert not at.exception
    assert any(NOTE in i.value for i in at.sidebar.info)
    assert filter_keys(at) & {"f_country", "f_role", "f_latest", "f_from"} == set()
    at.run()  # a second run on the same page: still kept
    at.switch_page("views/velocity.py").run()
    assert not at.exception
    assert not any(NOTE in i.value for i in at.sidebar.info)
    assert {"f_country", "f_role", "f_latest", "f_from"} <= filter_keys(at)
    assert at.multiselect(key="f_country").value == ["IND"]  # kept while the About page was shown
