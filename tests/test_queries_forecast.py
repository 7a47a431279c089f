"""counting_arrivals on the hand-checked fixture: principals only, in order, program-wide, honouring as-of."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from dashboard import metrics
from dashboard.filters import Filters


def test_counting_arrivals_in_submission_order(shared_basic_warehouse):
    df = metrics.counting_arrivals(Filters("test-intake"))
    assert df["application_id"].tolist() == ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]
    assert df["submitted_at"].iloc[0] == pd.Timestamp("2023-07-16T13:05:00Z")  # 09:05 EDT
    assert df["submitted_at"].iloc[-1] == pd.Timestamp("2023-07-17T12:30:00Z")


def test_counting_arrivals_as_of_and_program_wide(shared_basic_warehouse):
    as_of = Filters("test-intake", as_of=datetime(2023, 7, 16, 14, 0, tzinfo=UTC), countries=("CHN",))
    assert metrics.counting_arrivals(as_of)["application_id"].tolist() == ["P1", "P2", "P3"]
