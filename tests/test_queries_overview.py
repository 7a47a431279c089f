"""The Overview's queries on the hand-checked fixture (cap 5, opens 2023-07-16 09:00 EDT = 13:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from dashboard import metrics, warehouse
from dashboard.filters import Filters


def test_cap_status_latest(shared_basic_warehouse):
    s = metrics.cap_status(Filters("test-intake")).iloc[0]
    assert (s["counted"], s["over_cap"], s["remaining"], s["family"]) == (7, 2, 0, 2)
    assert s["cap_reached_at"] == pd.Timestamp("2023-07-16T14:40:00Z")  # P5 at 10:40 EDT


def test_cap_status_as_of_replays_the_intake(basic_warehouse):
    s = metrics.cap_status(Filters("test-intake", as_of=datetime(2023, 7, 16, 14, 0, tzinfo=UTC))).iloc[0]
    assert (s["counted"], s["over_cap"], s["remaining"], s["family"]) == (3, 0, 2, 1)
    assert pd.isna(s["cap_reached_at"])


def test_cap_status_ignores_the_breakdown_filters(shared_basic_warehouse):
    narrowed = Filters("test-intake", countries=("CHN",), statuses=("approved",))
    assert metrics.cap_status(narrowed).iloc[0]["counted"] == 7


def test_cumulative_principals_hourly(shared_basic_warehouse):
    df = metrics.cumulative_principals(Filters("test-intake"), minutes=60)
    got = [(r.interval_start.strftime("%m-%d %H:%M"), r.arrivals, r.cumulative) for r in df.itertuples()]
    # UTC hours: 13:00 P1 P2 P3, 14:00 P4 P5, 16:00 P6, next day 12:00 P7
    assert got == [("07-16 13:00", 3, 3), ("07-16 14:00", 2, 5), ("07-16 16:00", 1, 6), ("07-17 12:00", 1, 7)]


def test_cumulative_principals_honours_filters(shared_basic_warehouse):
    df = metrics.cumulative_principals(Filters("test-intake", countries=("CHN",)), minutes=1440)
    assert df["arrivals"].tolist() == [1, 1] and df["cumulative"].tolist() == [1, 2]


def test_freshness_names_the_latest_submission(shared_basic_warehouse):
    row = metrics.data_freshness(Filters("test-intake")).iloc[0]
    assert row["latest_submission"] == pd.Timestamp("2023-07-17T12:30:00Z")  # P7, 08:30 EDT
    assert row["ingest_id"] == 1 and row["applications"] == 9


def test_programs_loaded(shared_basic_warehouse):
    assert metrics.programs_loaded().to_dict("records") == [{"program_id": "test-intake", "applications": 9}]


def test_every_metric_query_is_a_registered_metric():
    """One named metric = one queries/metrics/<name>.sql = one @metric function of the same name."""
    files = set(warehouse.sql_files(warehouse.QUERIES_DIR / "metrics"))
    assert len(files) > 20
    assert sorted(files - set(metrics.METRICS)) == []
