"""Repeated rows within one export: identical ones are one state, differing ones a conflict."""

from __future__ import annotations

from conftest import row, support_query, write_export

from dashboard.ingest import ingest, read


def stored(app_id: str) -> list[str]:
    return support_query("_test_current_state", {"id": app_id})["citizenship"].tolist()


def test_an_identical_row_twice_is_stored_once(tmp_path, warehouse_dir):
    rows = [row("P1", "2023-07-16T09:05:00"), row("P1", "2023-07-16T09:05:00"), row("P2", "2023-07-16T09:06:00")]
    s = ingest([write_export(tmp_path / "a.csv", rows)], root=warehouse_dir)
    assert (s.rows_read, s.inserted, s.updated, s.unchanged, s.rejected) == (3, 2, 0, 1, 0)
    assert stored("P1") == ["IND"]


def test_a_conflict_rejects_every_copy_of_its_rows(tmp_path, warehouse_dir):
    path = write_export(tmp_path / "c.csv", [
        row("P1", "2023-07-16T09:05:00", citizenship="IND"),
        row("P1", "2023-07-16T09:05:00", citizenship="IND"),
        row("P1", "2023-07-16T09:05:00", citizenship="CHN"),
        row("P2", "2023-07-16T09:06:00"),
    ])
    s = ingest([path], root=warehouse_dir, skip_invalid=True)
    message = "another row of this application has the same status_at with different values; keep one"
    assert [str(p) for p in s.problems] == [f"{path}:2: column status_at: {message}",
                                            f"{path}:4: column status_at: {message}"]
    assert (s.inserted, s.rejected) == (1, 2)
    assert stored("P1") == [] and stored("P2") == ["IND"]


def test_the_checks_across_rows_see_every_batch(tmp_path, warehouse_dir, monkeypatch):
    """Copies and conflicts in different batches of the reader (one record each here) are found as in one."""
    monkeypatch.setattr(read, "BATCH_BYTES", 1)
    path = write_export(tmp_path / "c.csv", [
        row("P1", "2023-07-16T09:05:00", citizenship="IND"),
        row("P2", "2023-07-16T09:06:00"),
        row("P1", "2023-07-16T09:05:00", citizenship="IND"),
        row("P3", "2023-07-16T09:07:00"),
        row("P3", "2023-07-16T09:07:00", citizenship="CHN"),
        row("F1", "2023-07-16T09:08:00", role="spouse", principal="P9"),
    ])
    s = ingest([path], root=warehouse_dir, skip_invalid=True)
    conflict = "another row of this application has the same status_at with different values; keep one"
    assert [str(p) for p in s.problems] == [
        f"{path}:5: column status_at: {conflict}", f"{path}:6: column status_at: {conflict}",
        f"{path}:7: column principal_application_id: no principal application with this id is in the file or "
        "already stored"]
    assert (s.rows_read, s.inserted, s.unchanged, s.rejected) == (6, 2, 1, 3)
    assert stored("P1") == ["IND"] and stored("P3") == []
