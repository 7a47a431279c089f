"""The decided fixture: nine applications with decisions, arrivals, provinces and US states (see
test_queries_aftercap's docstring for the hand-checked table)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from conftest import COLUMNS, row, write_export

TZ = ZoneInfo("America/Toronto")


def _app(app_id, submitted, states, *, arrived=None, **kw):
    """One application's rows: (status, status_at) pairs; the last state carries the arrival when given."""
    rows = [row(app_id, submitted, status=s, status_at=at, **kw) for s, at in states]
    if arrived:
        rows.append(row(app_id, submitted, status=states[-1][0], status_at=arrived, arrived_at=arrived, **kw))
    return rows


def _rows() -> list[dict]:
    p = {"role": "principal"}
    return [
        *_app("A1", "2023-07-16T10:00:00", [("submitted", "2023-07-16T10:00:00"), ("in_review", "2023-07-20T10:00:00"),
                                            ("approved", "2023-08-01T10:00:00")], arrived="2023-09-01T12:00:00",
              intended_province="ON", us_state="CA", **p),
        *_app("A2", "2023-07-16T11:00:00", [("submitted", "2023-07-16T11:00:00"), ("in_review", "2023-07-18T11:00:00"),
                                            ("approved", "2023-07-26T11:00:00")], intended_province="ON",
              us_state="WA", **p),
        *_app("A3", "2023-07-16T12:00:00", [("submitted", "2023-07-16T12:00:00"), ("in_review", "2023-07-19T12:00:00"),
                                            ("refused", "2023-08-05T12:00:00")], intended_province="BC",
              us_state="CA", **p),
        *_app("A4", "2023-07-17T09:00:00", [("submitted", "2023-07-17T09:00:00"), ("withdrawn", "2023-07-21T09:00:00")],
              us_state="TX", **p),
        *_app("A5", "2023-07-17T10:00:00", [("submitted", "2023-07-17T10:00:00"), ("in_review", "2023-07-25T10:00:00")],
              intended_province="QC", **p),
        *_app("A6", "2023-07-17T11:00:00", [("submitted", "2023-07-17T11:00:00")], intended_province="ON",
              us_state="NY", **p),
        *_app("F1", "2023-07-16T10:30:00", [("submitted", "2023-07-16T10:30:00"), ("in_review", "2023-07-20T10:30:00"),
                                            ("approved", "2023-08-11T10:30:00")], arrived="2023-09-15T09:00:00",
              role="spouse", principal="A1", intended_province="ON", us_state="CA"),
        *_app("F2", "2023-07-16T10:30:00", [("submitted", "2023-07-16T10:30:00"), ("in_review", "2023-07-20T10:30:00")],
              role="dependant", principal="A1", permit="study_permit", intended_province="ON", us_state="CA"),
        *_app("F3", "2023-07-16T12:30:00", [("submitted", "2023-07-16T12:30:00"), ("withdrawn", "2023-08-05T12:30:00")],
              role="spouse", principal="A3", intended_province="BC", us_state="CA"),
    ]


@pytest.fixture
def decided_warehouse(tmp_path, warehouse_dir):
    """The warehouse holding the decided fixture, ingested as the demo build ingests its synthetic records
    (origin demo): anonymous visitors see the unsuppressed counts."""
    from dashboard.ingest import ingest

    ingest([write_export(tmp_path / "decided.csv", _rows(), [*COLUMNS, "arrived_at"])], root=warehouse_dir,
           origin="demo")
    return warehouse_dir
