"""The sidebar's times (issue 16): the calendars open on the program's dates, "as of" is visible without
opening anything, and "Link to this moment" gives a link to copy and says so. On the hand-checked fixture
(conftest.BASIC_ROWS): the test intake opens 09:00 EDT on 16 July 2023; the newest submission is P7, 08:30 EDT
on the 17th."""

from __future__ import annotations

from datetime import datetime

from conftest import app_test


def test_time_fields_show_the_programs_span_and_set_no_limit(shared_basic_warehouse):
    at = app_test(filters_open=True)
    assert not at.exception
    fields = {w.key: w.value for w in at.sidebar.get("datetime_input")}
    # shown, so that each calendar opens on July 2023 rather than on today's month
    assert fields == {"f_from": datetime(2023, 7, 16, 9, 0), "f_to": datetime(2023, 7, 17, 8, 31)}
    f = at.session_state["filters"]
    assert (f.start, f.end) == (None, None)  # the span's ends are no limit: nothing in the address either
    assert "from" not in at.query_params and "to" not in at.query_params
    captions = [c.value for c in at.sidebar.caption]
    assert any(c.startswith("As of the newest submission, Mon 17 Jul 2023, 08:30 EDT.") for c in captions)
    # said in words rather than behind "?" icons, each of which was one more tab stop
    assert [w.help for w in at.sidebar.get("datetime_input")] == ["", ""] and not at.sidebar.toggle[0].help
    assert "Times are in Eastern Time (EDT/EST). From and To left at the opening" in " ".join(captions)


def test_a_time_moved_from_its_default_filters_and_a_link_names_it(shared_basic_warehouse):
    at = app_test(None, {"to": "2023-07-16T10:00"}, filters_open=True)
    assert not at.exception
    assert at.sidebar.get("datetime_input")[1].value == datetime(2023, 7, 16, 10, 0)
    assert {m.label: m.value for m in at.metric}["Principal applications counted"] == "5"  # cap figures: program-wide
    assert at.session_state["filters"].end is not None and at.query_params["to"].startswith("2023-07-16T10:00")


def test_link_to_this_moment_gives_a_link_to_copy_and_says_so(shared_basic_warehouse):
    at = app_test("views/velocity.py", {"grain": "15min"})
    assert not at.sidebar.code  # nothing until asked
    next(b for b in at.sidebar.button if b.label == "Link to this moment").click().run()
    assert not at.exception
    (box,) = at.sidebar.code
    assert "/velocity?" in box.value and "as_of=2023-07-17T08:31" in box.value and "grain=15min" in box.value
    assert [t.value for t in at.toast][0].startswith("Link to this moment ready: copy it")
    at.run()  # the next run (another click elsewhere): the box is gone, the pinned moment stays
    assert not at.sidebar.code and at.session_state["f_latest"] is False


def test_as_of_is_a_time_slider_with_a_precise_entry_beside_it(shared_basic_warehouse):
    """Issue 16: "as of" is a slider over the intake's span (by the hour here), and the entry under it names any
    minute; each follows the other, and the figures and the address follow both."""
    at = app_test(None, {"as_of": "2023-07-16T10:20"})
    assert not at.exception
    (slider,) = at.sidebar.select_slider
    assert slider.label == "As of" and slider.value == datetime(2023, 7, 16, 10, 0)  # the hour at or before
    assert slider.options[0] == "Sun 16 Jul 2023, 09:00 EDT" and slider.options[-1] == "Mon 17 Jul 2023, 08:31 EDT"
    precise = next(w for w in at.sidebar.get("datetime_input") if w.key == "f_as_of")
    assert precise.label == "As of, to the minute" and precise.value == datetime(2023, 7, 16, 10, 20)
    slider.set_value(datetime(2023, 7, 16, 9, 0)).run()  # back to the opening hour: P1 and P2 had arrived
    assert not at.exception
    assert next(w for w in at.sidebar.get("datetime_input") if w.key == "f_as_of").value == datetime(2023, 7, 16, 9, 0)
    assert at.query_params["as_of"] == "2023-07-16T09:00"
    assert {m.label: m.value for m in at.metric}["Principal applications counted"] == "0"
    next(w for w in at.sidebar.get("datetime_input") if w.key == "f_as_of").set_value(datetime(2023, 7, 16, 10, 30)).run()
    assert at.sidebar.select_slider[0].value == datetime(2023, 7, 16, 10, 0)  # P1 to P4 by 10:30
    assert {m.label: m.value for m in at.metric}["Principal applications counted"] == "4"
