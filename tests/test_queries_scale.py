"""Queries reshaped for ten million states keep their exact answers on hand-checked fixtures."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from conftest import BASIC_ROWS, row, write_export

from dashboard import metrics
from dashboard.filters import Filters
from dashboard.ingest import ingest

F = Filters("test-intake")


def test_countries_present_lists_citizenships_seen_only_in_earlier_states(tmp_path, basic_warehouse):
    later = [row("P3", "2023-07-16T09:50:00", citizenship="KOR", status="in_review", status_at="2023-07-20T10:00:00"),
             row("P7", "2023-07-17T08:30:00", citizenship="KOR", status="in_review", status_at="2023-07-20T11:00:00")]
    ingest([write_export(tmp_path / "later.csv", later)], root=basic_warehouse)
    assert metrics.countries_present(F).to_dict("records") == [
        {"citizenship": "IND", "applications": 6},
        {"citizenship": "KOR", "applications": 3},
        {"citizenship": "CHN", "applications": 0},
    ]
    assert metrics.programs_loaded().to_dict("records") == [{"program_id": "test-intake", "applications": 9}]
    assert metrics.data_freshness(F).iloc[0]["applications"] == 9


def test_the_cap_is_reached_at_a_shared_submission_time(tmp_path, warehouse_dir):
    rows = [row(f"P{i}", t) for i, t in enumerate(
        ["2023-07-16T09:05:00", "2023-07-16T09:20:00", "2023-07-16T09:50:00", "2023-07-16T10:40:00",
         "2023-07-16T10:40:00", "2023-07-16T11:00:00"], start=1)]
    ingest([write_export(tmp_path / "tie.csv", rows)], root=warehouse_dir)
    status = metrics.cap_status(F).iloc[0]
    assert status["cap_reached_at"] == pd.Timestamp("2023-07-16T14:40:00Z")
    assert (status["counted"], status["over_cap"], status["remaining"]) == (6, 1, 0)


def test_arrivals_before_the_origin_fall_in_the_interval_below(tmp_path, warehouse_dir):
    rows = [row("P0", "2023-07-15T23:30:00"), *BASIC_ROWS[:2]]
    ingest([write_export(tmp_path / "early.csv", rows)], root=warehouse_dir)
    curve = metrics.cumulative_principals(F, minutes=60)
    assert curve.to_dict("list") == {
        "interval_start": [pd.Timestamp(t, tz=UTC) for t in ("2023-07-16T03:00", "2023-07-16T13:00")],
        "interval_end": [pd.Timestamp(t, tz=UTC) for t in ("2023-07-16T04:00", "2023-07-16T14:00")],
        "arrivals": [1, 2],
        "cumulative": [1, 3],
    }
    first = metrics.cumulative_principals(Filters("test-intake", as_of=datetime(2023, 7, 16, 4, tzinfo=UTC)), minutes=60)
    assert first["arrivals"].tolist() == [1]
