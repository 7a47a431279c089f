"""Sidebar filters only where they change something (issue 16): on the pages that do not use them they are
drawn disabled (keeping their values) under a note; on the intake's pages they work."""

from __future__ import annotations

from conftest import app_test

NOTE = "These filters do not change this page"


def filter_widgets(at):
    return [at.multiselect(key="f_country"), at.multiselect(key="f_role"), at.toggle(key="f_latest")]


def test_filters_are_disabled_with_a_note_where_they_change_nothing(shared_basic_warehouse):
    at = app_test("views/about.py", {"country": "IND"})
    assert not at.exception
    assert any(NOTE in i.value for i in at.sidebar.info)
    assert all(w.disabled for w in filter_widgets(at))
    assert at.multiselect(key="f_country").value == ["IND"]  # kept, and back on the next intake page
    at.switch_page("views/velocity.py").run()
    assert not at.exception
    assert not any(NOTE in i.value for i in at.sidebar.info)
    assert not any(w.disabled for w in filter_widgets(at))
    assert at.multiselect(key="f_country").value == ["IND"]
