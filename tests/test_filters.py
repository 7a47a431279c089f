"""The filter model's round trip through the URL, and what happens to unusable URL values. No streamlit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard import filters as fl
from dashboard.filters import Filters, Notice, parse_query, to_query
from dashboard.programs import load_programs
from tests.conftest import FIXTURES

PROGRAMS = load_programs(FIXTURES / "programs.toml")
TEST = PROGRAMS["test-intake"]  # America/Toronto, opens 2023-07-16 09:00 EDT, closes 2023-12-31


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


ROUND_TRIPS = [
    Filters("test-intake"),
    Filters("second-intake"),
    Filters("test-intake", start=utc(2023, 7, 16, 13, 0), end=utc(2023, 7, 18, 4, 0), as_of=utc(2023, 7, 16, 22, 0),
            countries=("CHN", "IND"), roles=("principal", "spouse"), permits=("open_work_permit",),
            statuses=("in_review", "approved")),
    Filters("test-intake", as_of=utc(2023, 7, 16, 22, 0, 30)),  # seconds survive
    # 01:30 on 5 November 2023 happens twice in Toronto: both moments survive the URL
    Filters("test-intake", as_of=utc(2023, 11, 5, 5, 30)),  # 01:30 EDT, the first
    Filters("test-intake", as_of=utc(2023, 11, 5, 6, 30)),  # 01:30 EST, the second
]


@pytest.mark.parametrize("f", ROUND_TRIPS)
def test_url_round_trip(f):
    q = to_query(f, PROGRAMS, "test-intake")
    back = parse_query(q, PROGRAMS, "test-intake")
    assert back == f and back.notices == ()
    assert back.key() == f.key()


def test_url_is_short_and_readable():
    f = Filters("test-intake", as_of=utc(2023, 7, 16, 22, 0), countries=("IND", "CHN"), roles=("principal",))
    assert to_query(f, PROGRAMS, "test-intake") == {
        "as_of": ["2023-07-16T18:00"], "country": ["IND", "CHN"], "role": ["principal"]}
    assert to_query(Filters("test-intake"), PROGRAMS, "test-intake") == {}
    assert to_query(Filters("second-intake"), PROGRAMS, "test-intake") == {"program": ["second-intake"]}


def test_a_repeated_hour_carries_its_offset():
    assert fl.format_time(utc(2023, 11, 5, 5, 30), TEST) == "2023-11-05T01:30-04:00"
    assert fl.format_time(utc(2023, 11, 5, 6, 30), TEST) == "2023-11-05T01:30-05:00"
    assert fl.format_time(utc(2023, 11, 5, 7, 30), TEST) == "2023-11-05T02:30"


def test_url_values_are_normalised():
    f = parse_query({"country": ["ind", "IND", " chn "], "role": ["SPOUSE", "principal"]}, PROGRAMS, "test-intake")
    assert (f.countries, f.roles, f.notices) == (("CHN", "IND"), ("principal", "spouse"), ())


def test_unusable_values_fall_back_with_a_notice():
    f = parse_query({
        "program": ["nope"], "from": ["yesterday"], "as_of": ["2023-03-12T02:30"],  # skipped by DST in Toronto
        "country": ["IND", "ZZZ"], "role": ["pilot"], "permit": ["visa"], "status": ["lost"],
    }, PROGRAMS, "test-intake")
    assert f == Filters("test-intake", countries=("IND",))
    assert f.notices == (
        Notice("program", "nope"), Notice("from", "yesterday"), Notice("as_of", "2023-03-12T02:30"),
        Notice("country", "ZZZ"), Notice("role", "pilot"), Notice("permit", "visa"), Notice("status", "lost"),
    )


def test_out_of_range_times_fall_back_with_a_notice():
    # the window: a year before the opening to two years after the closing (2023-12-31)
    assert fl.time_window(TEST) == (datetime(2022, 7, 15, 9, tzinfo=TEST.tz), datetime(2026, 1, 1, 0, tzinfo=TEST.tz))
    f = parse_query({"from": ["1901-01-01T00:00"], "to": ["2099-01-01T00:00"], "as_of": ["2023-07-16T18:00"]},
                    PROGRAMS, "test-intake")
    assert f == Filters("test-intake", as_of=utc(2023, 7, 16, 22, 0))
    assert f.notices == (Notice("from", "1901-01-01T00:00", "range"), Notice("to", "2099-01-01T00:00", "range"))


def test_an_end_before_the_start_is_dropped_with_a_notice():
    f = parse_query({"from": ["2023-07-17T00:00"], "to": ["2023-07-16T00:00"]}, PROGRAMS, "test-intake")
    assert (f.start, f.end) == (utc(2023, 7, 17, 4, 0), None)
    assert f.notices == (Notice("to", "2023-07-16T00:00"),)


@pytest.mark.parametrize(("query", "grain", "notice"), [
    ({}, "hour", None),
    ({"grain": "15min"}, "15min", None),
    ({"grain": ["DAY"]}, "day", None),
    ({"grain": "1min"}, "1min", None),
    ({"grain": "week"}, "hour", Notice("grain", "week")),
])
def test_grain_from_the_url(query, grain, notice):
    assert fl.parse_grain(query) == (grain, notice)


def test_the_as_of_slider_moves_by_the_hour_over_the_first_days_then_by_the_day():
    """Issue 16: "as of" is a time slider over the intake's span; its steps are dense where a capped intake's
    rush is (the first three days), daily after, and both ends are offered."""
    opens = datetime(2023, 7, 16, 9, 0)
    steps = fl.as_of_steps(opens, datetime(2023, 7, 17, 8, 31))  # the test fixture's span: under a day
    assert steps[:3] == [opens, datetime(2023, 7, 16, 10, 0), datetime(2023, 7, 16, 11, 0)]
    assert steps[-2:] == [datetime(2023, 7, 17, 8, 0), datetime(2023, 7, 17, 8, 31)] and len(steps) == 25
    year = fl.as_of_steps(opens, datetime(2024, 7, 8, 18, 22))  # the demo's span: the rush, then a year
    assert year[71:74] == [datetime(2023, 7, 19, 8, 0), datetime(2023, 7, 19, 9, 0), datetime(2023, 7, 20, 9, 0)]
    assert year[-1] == datetime(2024, 7, 8, 18, 22) and len(year) == 72 + 356 + 1
    assert fl.as_of_steps(opens, datetime(2023, 7, 16, 10, 0)) == [opens + timedelta(minutes=15 * i) for i in range(5)]
    assert fl.as_of_steps(opens, opens) == [opens]
    assert fl.snap(steps, datetime(2023, 7, 16, 10, 59)) == datetime(2023, 7, 16, 10, 0)
    assert fl.snap(steps, datetime(2023, 7, 1)) == opens
