"""The Velocity page's queries, against hand-computed expectations.

BASIC_ROWS (conftest): test-intake opens 2023-07-16 09:00 EDT = 13:00 UTC, cap 5. Principals P1 09:05,
P2 09:20, P3 09:50, P4 10:10, P5 10:40 (the cap), P6 12:00 EDT on the 16th, P7 08:30 EDT on the 17th;
family F1 09:30 and F2 13:15 EDT on the 16th.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from conftest import row, write_export

from dashboard import charts, metrics
from dashboard.filters import Filters
from dashboard.programs import programs

EDT = timedelta(hours=-4)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rows(df: pd.DataFrame) -> list[tuple[str, int, int]]:
    """(interval_start in UTC as 'MM-DD HH:MM', principal, family) per row."""
    return [(r.interval_start.strftime("%m-%d %H:%M"), r.principal, r.family) for r in df.itertuples()]


# ------------------------------------------------------------------ arrivals per interval, each grain

def test_hours_include_the_empty_ones(shared_basic_warehouse):
    df = metrics.arrivals_by_interval(Filters("test-intake"), minutes=60)
    # UTC hours from P1's (13:00) to P7's (12:00 next day): 24 rows, the quiet hours as 0
    assert len(df) == 24
    assert rows(df)[:6] == [("07-16 13:00", 3, 1), ("07-16 14:00", 2, 0), ("07-16 15:00", 0, 0),
                            ("07-16 16:00", 1, 0), ("07-16 17:00", 0, 1), ("07-16 18:00", 0, 0)]
    assert rows(df)[-1] == ("07-17 12:00", 1, 0)
    assert (df["principal"].sum(), df["family"].sum()) == (7, 2)
    assert ((df["interval_end"] - df["interval_start"]) == pd.Timedelta(hours=1)).all()


def test_quarter_hours_align_on_the_local_clock(shared_basic_warehouse):
    f = Filters("test-intake", as_of=utc(2023, 7, 16, 15, 0))  # 11:00 EDT: P1-P5 and F1 by then
    df = metrics.arrivals_by_interval(f, minutes=15)
    # from 09:00 EDT: P1 09:05 | P2 09:20 | F1 09:30 | P3 09:50 | P4 10:10 | - | P5 10:40 | -, then the as-of moment
    assert rows(df) == [("07-16 13:00", 1, 0), ("07-16 13:15", 1, 0), ("07-16 13:30", 0, 1), ("07-16 13:45", 1, 0),
                        ("07-16 14:00", 1, 0), ("07-16 14:15", 0, 0), ("07-16 14:30", 1, 0), ("07-16 14:45", 0, 0)]


def test_minutes_over_a_chosen_time_range(shared_basic_warehouse):
    f = Filters("test-intake", start=utc(2023, 7, 16, 13, 3), end=utc(2023, 7, 16, 13, 8))  # 09:03 to 09:08 EDT
    df = metrics.arrivals_by_interval(f, minutes=1)
    assert rows(df) == [("07-16 13:03", 0, 0), ("07-16 13:04", 0, 0), ("07-16 13:05", 1, 0), ("07-16 13:06", 0, 0),
                        ("07-16 13:07", 0, 0)]


def test_a_range_with_no_arrivals_is_all_zeros(shared_basic_warehouse):
    f = Filters("test-intake", start=utc(2023, 7, 16, 18, 0), end=utc(2023, 7, 16, 21, 0))
    assert rows(metrics.arrivals_by_interval(f, minutes=60)) == [
        ("07-16 18:00", 0, 0), ("07-16 19:00", 0, 0), ("07-16 20:00", 0, 0)]


def test_days_are_local_calendar_days(shared_basic_warehouse):
    df = metrics.arrivals_by_day(Filters("test-intake"))
    assert rows(df) == [("07-16 04:00", 6, 2), ("07-17 04:00", 1, 0)]  # local midnight EDT = 04:00 UTC
    assert df["interval_end"].tolist() == [pd.Timestamp("2023-07-17T04:00Z"), pd.Timestamp("2023-07-18T04:00Z")]


def test_filters_narrow_every_grain(shared_basic_warehouse):
    f = Filters("test-intake", countries=("CHN",))  # P3 (16th) and P7 (17th)
    assert rows(metrics.arrivals_by_day(f)) == [("07-16 04:00", 1, 0), ("07-17 04:00", 1, 0)]
    hours = metrics.arrivals_by_interval(f, minutes=60)
    assert (len(hours), hours["principal"].sum(), hours["family"].sum()) == (24, 2, 0)


def test_a_long_series_is_cut_with_one_row_to_say_so(shared_basic_warehouse):
    df = metrics.arrivals_by_interval(Filters("test-intake"), minutes=1, max_intervals=10)
    assert len(df) == 11 and rows(df)[0] == ("07-16 13:05", 1, 0)


def test_no_arrivals_no_rows(shared_basic_warehouse):
    f = Filters("test-intake", countries=("FRA",))
    assert metrics.arrivals_by_interval(f, minutes=60).empty and metrics.arrivals_by_day(f).empty


# ------------------------------------------------------------------ across the end of daylight saving

# In Toronto, 2023-11-05 02:00 EDT became 01:00 EST: 01:00-02:00 happened twice and the day lasted 25 hours.
DST_ROWS = [
    row("D1", "2023-11-05T00:30:00"),  # 04:30 UTC
    row("D2", "2023-11-05T01:30:00-04:00", status_at="2023-11-05T01:30:00-04:00"),  # first 01:30, 05:30 UTC
    row("D3", "2023-11-05T01:30:00-05:00", status_at="2023-11-05T01:30:00-05:00"),  # second 01:30, 06:30 UTC
    row("D4", "2023-11-05T23:30:00", role="spouse", principal="D1"),  # 04:30 UTC on the 6th, still the 5th locally
    row("D5", "2023-11-07T10:00:00"),  # nothing on the 6th
]


@pytest.fixture
def dst_warehouse(tmp_path, warehouse_dir):
    from dashboard.ingest import ingest

    ingest([write_export(tmp_path / "dst.csv", DST_ROWS)], root=warehouse_dir)
    return warehouse_dir


def test_the_25_hour_day_is_one_day(dst_warehouse):
    df = metrics.arrivals_by_day(Filters("test-intake"))
    assert rows(df) == [("11-05 04:00", 3, 1), ("11-06 05:00", 0, 0), ("11-07 05:00", 1, 0)]
    assert (df["interval_end"] - df["interval_start"]).tolist() == [
        pd.Timedelta(hours=25), pd.Timedelta(hours=24), pd.Timedelta(hours=24)]


def test_the_repeated_hour_is_two_utc_hours(dst_warehouse):
    tz = programs()["test-intake"].tz
    f = Filters("test-intake", start=datetime(2023, 11, 5, 0, 0, tzinfo=tz), end=datetime(2023, 11, 5, 3, 0, tzinfo=tz))
    df = metrics.arrivals_by_interval(f, minutes=60)
    assert rows(df) == [("11-05 04:00", 1, 0), ("11-05 05:00", 1, 0), ("11-05 06:00", 1, 0), ("11-05 07:00", 0, 0)]
    local = [t.tz_convert(tz).strftime("%H:%M %Z") for t in df["interval_start"]]
    assert local == ["00:00 EDT", "01:00 EDT", "01:00 EST", "02:00 EST"]


def test_day_range_from_the_filters_crosses_the_change(dst_warehouse):
    tz = programs()["test-intake"].tz
    f = Filters("test-intake", start=datetime(2023, 11, 4, 12, 0, tzinfo=tz), end=datetime(2023, 11, 6, 12, 0, tzinfo=tz))
    assert rows(metrics.arrivals_by_day(f)) == [("11-04 04:00", 0, 0), ("11-05 04:00", 3, 1), ("11-06 05:00", 0, 0)]


# ------------------------------------------------------------------ rolling rate

def test_rate_at_the_as_of_moment(shared_basic_warehouse):
    r = metrics.arrival_rate(Filters("test-intake", as_of=utc(2023, 7, 16, 15, 0))).iloc[0]  # 11:00 EDT
    assert r["rate_at"] == pd.Timestamp("2023-07-16T15:00Z")
    assert (r["principal"], r["family"]) == (5, 1)
    # last hour (10:00, 11:00]: P4 P5; last 6 hours: P1-P5 and F1
    assert (r["principal_per_hour_1h"], r["family_per_hour_1h"]) == (2.0, 0.0)
    assert (r["principal_per_hour_6h"], r["family_per_hour_6h"]) == pytest.approx((5 / 6, 1 / 6))


def test_rate_at_the_latest_data(shared_basic_warehouse):
    r = metrics.arrival_rate(Filters("test-intake")).iloc[0]
    assert r["rate_at"] == pd.Timestamp("2023-07-17T12:30Z")  # P7, the newest submission
    assert (r["principal"], r["family"], r["principal_per_hour_1h"]) == (7, 2, 1.0)
    assert r["principal_per_hour_6h"] == pytest.approx(1 / 6)


# ------------------------------------------------------------------ milestones

@pytest.mark.parametrize(("cap", "step"), [(1, 1), (5, 1), (25, 2), (100, 10), (250, 25), (5000, 500),
                                           (10000, 1000), (12345, 1000), (25000, 2500)])
def test_milestone_step(cap, step):
    assert metrics.milestone_step(cap) == step


def test_milestones_every_step_and_the_cap(shared_basic_warehouse):
    df = metrics.milestones(Filters("test-intake"), step=2)
    got = [(r.milestone, r.submitted_at.strftime("%H:%M"), r.since_opening, r.since_previous) for r in df.itertuples()]
    minutes = pd.Timedelta(minutes=1)
    assert got == [
        (2, "13:20", 20 * minutes, 20 * minutes),  # P2 09:20 EDT
        (4, "14:10", 70 * minutes, 50 * minutes),  # P4 10:10
        (5, "14:40", 100 * minutes, 30 * minutes),  # P5 10:40: the cap
        (6, "16:00", 180 * minutes, 80 * minutes),  # P6 12:00
    ]


def test_milestones_default_step_for_a_small_cap(shared_basic_warehouse):
    df = metrics.milestones(Filters("test-intake"))
    assert df["milestone"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert df["since_previous"].iloc[-1] == pd.Timedelta(hours=20, minutes=30)  # P6 12:00 to P7 08:30


def test_milestones_replay_with_as_of(basic_warehouse):
    df = metrics.milestones(Filters("test-intake", as_of=utc(2023, 7, 16, 14, 0)), step=2)
    assert df["milestone"].tolist() == [2]


# ------------------------------------------------------------------ intakes compared

SECOND_ROWS = [  # second-intake: opens 2024-03-01 08:00 PST = 16:00 UTC, cap 3
    row("S1", "2024-03-01T08:10:00", program="second-intake"),
    row("S2", "2024-03-01T08:40:00", program="second-intake"),
    row("S3", "2024-03-01T09:20:00", program="second-intake"),
    row("S4", "2024-03-01T10:05:00", program="second-intake"),
]


def test_cumulative_by_time_since_opening(basic_warehouse, tmp_path):
    from dashboard.ingest import ingest

    ingest([write_export(tmp_path / "second.csv", SECOND_ROWS)], root=basic_warehouse)
    progs = programs()
    curves = [(progs[p], metrics.cumulative_principals(Filters(p), minutes=60)) for p in ("test-intake", "second-intake")]
    df = charts.elapsed_curves(curves)
    got = [(r.program_id, r.elapsed_hours, r.cumulative, round(r.share_of_cap, 3)) for r in df.itertuples()]
    assert got == [
        ("test-intake", 0.0, 0, 0.0), ("test-intake", 1.0, 3, 0.6), ("test-intake", 2.0, 5, 1.0),
        ("test-intake", 4.0, 6, 1.2), ("test-intake", 24.0, 7, 1.4),
        ("second-intake", 0.0, 0, 0.0), ("second-intake", 1.0, 2, 0.667), ("second-intake", 2.0, 3, 1.0),
        ("second-intake", 3.0, 4, 1.333),
    ]
    fig = charts.comparison_chart(df, progs, share=True, lang="en")
    assert [list(tr.y) for tr in fig.data] == [[0, 60, 100, 120, 140], pytest.approx([0, 200 / 3, 100, 400 / 3])]


LONG_ROWS = [  # second-intake principals from the opening to ~190 days later (opens 2024-03-01 08:00 PST)
    row(f"L{i}", when, program="second-intake")
    for i, when in enumerate(["2024-03-01T07:30:00", "2024-03-01T08:20:00", "2024-03-03T08:00:00",
                              "2024-03-11T08:00:00", "2024-04-20T08:00:00", "2024-09-07T08:00:00"])
]


def test_cumulative_chooses_its_grain_in_the_query_as_auto_minutes_does(basic_warehouse, tmp_path):
    """minutes=None: the SQL picks the grain metrics.auto_minutes picks from the span (opening or first
    arrival, if later, to the last arrival; at least an hour), one query instead of two (issue 17)."""
    from dashboard.ingest import ingest

    ingest([write_export(tmp_path / "long.csv", LONG_ROWS)], root=basic_warehouse)
    opens = programs()["second-intake"].opens_at
    chosen = []
    for days in (0.01, 0.5, 2.5, 11, 60, 200):  # spans choosing 1, 1, 5, 15, 60 and 360 minutes
        f = Filters("second-intake", as_of=opens + timedelta(days=days))
        span = metrics.arrival_span(f).iloc[0]
        first = max(span["first_at"].to_pydatetime(), opens)
        minutes = metrics.auto_minutes(max(span["last_at"].to_pydatetime() - first, timedelta(hours=1)))
        pd.testing.assert_frame_equal(metrics.cumulative_principals(f), metrics.cumulative_principals(f, minutes=minutes))
        chosen.append(minutes)
    assert chosen == [1, 1, 5, 15, 60, 360]
    assert metrics.cumulative_principals(Filters("second-intake", countries=("ZZZ",))).empty
