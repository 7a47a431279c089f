"""arrived_at in the export format: validated like the other times, updated by re-exports like a status; and
the demo's arrivals, calibrated to the Niskanen Center's 1,205 first-year arrivals."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import COLUMNS, row, write_export

from dashboard import demo, metrics
from dashboard.filters import Filters
from dashboard.ingest import IngestRejected, ingest
from dashboard.programs import programs

WITH_ARRIVALS = [*COLUMNS, "arrived_at"]


def funnel(f: Filters) -> dict[str, tuple[int, int]]:
    return {r.stage: (r.principal, r.family) for r in metrics.processing_funnel(f).itertuples()}


def test_a_reexport_records_the_arrival_like_a_status(tmp_path, warehouse_dir):
    approved = [row("P1", "2023-07-16T10:00:00"),
                row("P1", "2023-07-16T10:00:00", status="approved", status_at="2023-08-01T10:00:00")]
    ingest([write_export(tmp_path / "a.csv", approved, WITH_ARRIVALS)], root=warehouse_dir)
    assert funnel(Filters("test-intake"))["arrived"] == (0, 0)
    # the next export carries the arrival on a new state of the application, with an offset this time
    later = [*approved, row("P1", "2023-07-16T10:00:00", status="approved", status_at="2023-09-01T12:00:00-04:00",
                            arrived_at="2023-09-01T12:00:00-04:00")]
    summary = ingest([write_export(tmp_path / "b.csv", later, WITH_ARRIVALS)], root=warehouse_dir)
    assert (summary.inserted, summary.updated) == (0, 1)
    assert funnel(Filters("test-intake"))["arrived"] == (1, 0)
    stored = metrics.decisions_by_day(Filters("test-intake"))
    arrived = stored[stored["arrived"] > 0]
    assert arrived["interval_start"].dt.tz_convert("America/Toronto").dt.strftime("%m-%d").tolist() == ["09-01"]
    # the same status_at with another arrival is a conflict, as another status would be
    changed = [*later[:2], {**later[2], "arrived_at": "2023-09-02T12:00:00"}]
    with pytest.raises(IngestRejected) as exc:
        ingest([write_export(tmp_path / "c.csv", changed, WITH_ARRIVALS)], root=warehouse_dir)
    assert "same status_at with different values" in exc.value.problems[0].message


@pytest.mark.parametrize(("arrived", "message"), [
    ("2023-07-15T10:00:00", "arrival is dated before the application was submitted"),
    ("2099-01-01T10:00:00", "this time is in the future"),
    ("2023-11-05T01:30:00", "does not exist or occurs twice in America/Toronto"),  # naive: the program's zone
    ("next week", "not a valid ISO 8601 date and time"),
])
def test_arrival_times_are_checked_like_the_others(tmp_path, warehouse_dir, arrived, message):
    rows = [row("P1", "2023-07-16T10:00:00", status="approved", status_at="2023-11-06T10:00:00", arrived_at=arrived)]
    with pytest.raises(IngestRejected) as exc:
        ingest([write_export(tmp_path / "x.csv", rows, WITH_ARRIVALS)], root=warehouse_dir)
    problem = exc.value.problems[0]
    assert (problem.line, problem.column, message in problem.message) == (2, "arrived_at", True), problem


def test_the_demo_is_calibrated_to_the_published_arrivals():
    """1,205 principal applicants arrived in the first year (Niskanen Center, from IRCC data), about half of
    them before 31 December 2023; family members with their principal or later; only approved applications."""
    p = demo.load_params()
    prog = programs()[p["program_id"]]
    df = demo.generate(prog, p)
    came = df[df["arrived_at"].notna()]
    principals = came[came["applicant_role"] == "principal"]
    year_end = pd.Timestamp(prog.opens_at) + pd.DateOffset(years=1)
    first_year = principals[principals["arrived_at"] < year_end]
    assert abs(len(first_year) - 1205) <= 0.02 * 1205
    in_2023 = (first_year["arrived_at"] < pd.Timestamp("2024-01-01", tz=prog.time_zone)).mean()
    assert 0.4 <= in_2023 <= 0.6
    decided = df[df["status"].isin(["approved", "refused", "withdrawn"]) & df["arrived_at"].isna()] \
        .set_index("application_id")
    assert (decided.loc[came["application_id"], "status"] == "approved").all()
    assert (came["arrived_at"].to_numpy() > decided.loc[came["application_id"], "status_at"].to_numpy()).all()
    family = came[came["applicant_role"] != "principal"]
    principal_at = principals.set_index("application_id")["arrived_at"]
    assert len(family) > 0
    assert (family["arrived_at"].to_numpy() >= principal_at.loc[family["principal_application_id"]].to_numpy()).all()
    assert (came["status"] == "approved").all() and (came["status_at"] == came["arrived_at"]).all()
