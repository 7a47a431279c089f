"""Hostile input and hostile conditions at the ingest (issue 15): a full disk, a log that cannot be
appended, rollback walks, escapes in file names, and where records came from. Each ends in one
sentence and an exit code, never a traceback, with the warehouse as it was."""

from __future__ import annotations

import errno
import shutil

import pytest
from conftest import BASIC_ROWS, row, write_export

from dashboard import metrics, warehouse
from dashboard.ingest import IngestRejected, ingest
from dashboard.ingest.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def add(tmp_path, root, app_id: str, **kw):
    return ingest([write_export(tmp_path / f"{app_id}.csv", [row(app_id, "2023-07-18T10:00:00")])], root=root, **kw)


def test_too_little_free_space_is_one_sentence_exit_1_and_nothing_changes(tmp_path, basic_warehouse, capsys,
                                                                         monkeypatch):
    before = warehouse.checksum(basic_warehouse)
    monkeypatch.setattr(warehouse, "free_bytes", lambda path: 5 << 20)
    code, out, err = run(capsys, str(write_export(tmp_path / "n.csv", [row("N1", "2023-07-18T10:00:00")])))
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert "the disk has 5 MB free and the next snapshot needs about" in err and "nothing was stored" in err
    assert warehouse.checksum(basic_warehouse) == before
    assert not list((basic_warehouse / "snapshots").glob(".tmp-*"))


def test_a_disk_that_fills_up_during_the_copy_is_the_same_sentence(tmp_path, basic_warehouse, capsys, monkeypatch):
    before = warehouse.checksum(basic_warehouse)

    def full(src, dst):
        shutil.copyfileobj(open(src, "rb"), open(dst, "wb"), 4096)  # noqa: SIM115 - a partial copy, then the error
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(warehouse.shutil, "copyfile", full)
    code, _, err = run(capsys, str(write_export(tmp_path / "n.csv", [row("N1", "2023-07-18T10:00:00")])))
    assert code == 1 and len(err.splitlines()) == 1 and "MB free" in err and "Traceback" not in err
    assert warehouse.checksum(basic_warehouse) == before
    assert not list((basic_warehouse / "snapshots").glob(".tmp-*"))


def test_an_ingest_log_that_cannot_be_appended_stops_the_ingest_before_anything_changes(tmp_path, basic_warehouse,
                                                                                        capsys):
    log = basic_warehouse / "ingest_log.jsonl"
    log.unlink()
    log.mkdir()  # cannot be opened for appending, even by root
    before = warehouse.checksum(basic_warehouse)
    code, _, err = run(capsys, str(write_export(tmp_path / "n.csv", [row("N1", "2023-07-18T10:00:00")])))
    assert code == 1 and len(err.splitlines()) == 1
    assert "cannot append to this log" in err and "nothing was stored" in err
    assert warehouse.checksum(basic_warehouse) == before


def test_rollback_goes_one_step_unasked_more_with_steps_and_rolls_forward(tmp_path, basic_warehouse, capsys):
    for app in ("N1", "N2", "N3"):
        add(tmp_path, basic_warehouse, app)
    assert warehouse.current_snapshot(basic_warehouse).name == "000004.duckdb"
    assert run(capsys, "--rollback")[:2] == (0, "rolled back from snapshot 000004.duckdb to 000003.duckdb\n")
    code, _, err = run(capsys, "--rollback")  # a second one would walk back further unasked
    assert code == 2 and "pass --steps 2" in err
    assert warehouse.current_snapshot(basic_warehouse).name == "000003.duckdb"
    assert run(capsys, "--rollback", "--steps", "3")[:2] == (0, "rolled back from snapshot 000003.duckdb to "
                                                                 "000001.duckdb\n")
    assert run(capsys, "--rollback", "--steps", "3")[0] == 2  # repeating it does not go further
    assert run(capsys, "--roll-forward")[:2] == (0, "rolled forward from snapshot 000001.duckdb to 000002.duckdb\n")
    assert run(capsys, "--roll-forward")[1] == "rolled forward from snapshot 000002.duckdb to 000003.duckdb\n"
    assert run(capsys, "--roll-forward")[1] == "rolled forward from snapshot 000003.duckdb to 000004.duckdb\n"
    code, _, err = run(capsys, "--roll-forward")
    assert code == 2 and "nothing to roll forward" in err
    events = [r["event"] for r in warehouse.read_log("ingest_log.jsonl", basic_warehouse)]
    assert events[-5:] == ["rollback", "rollback", "roll-forward", "roll-forward", "roll-forward"]


def test_rolled_back_snapshots_are_pruned_and_an_ingest_ends_roll_forward(tmp_path, basic_warehouse, capsys,
                                                                         monkeypatch):
    monkeypatch.setenv("DASHBOARD_KEEP_SNAPSHOTS", "2")
    for app in ("N1", "N2", "N3", "N4"):
        add(tmp_path, basic_warehouse, app)
    assert run(capsys, "--rollback")[0] == 0
    add(tmp_path, basic_warehouse, "N5")  # builds on the restored snapshot: the rolled-back one is dead
    snaps = sorted(p.name for p in (basic_warehouse / "snapshots").iterdir())
    assert snaps == ["000004.duckdb", "000006.duckdb"]  # 000005 was rolled back, then pruned
    assert run(capsys, "--roll-forward")[0] == 2


def test_a_rollback_never_goes_back_to_a_snapshot_without_applications(tmp_path, warehouse_dir, capsys):
    with warehouse.writer(warehouse_dir):
        pass  # what a build publishes first: the schema and reference tables, no application
    ingest([write_export(tmp_path / "basic.csv", BASIC_ROWS)], root=warehouse_dir)
    before = warehouse.checksum(warehouse_dir)
    code, _, err = run(capsys, "--rollback")
    assert code == 2 and "000001.duckdb holds no applications" in err
    assert warehouse.checksum(warehouse_dir) == before


def test_terminal_escapes_in_a_file_name_are_printed_escaped(tmp_path, basic_warehouse, capsys):
    path = tmp_path / "x\x1b]0;pwned\x07\x1b[2J.csv"
    write_export(path, [row("E1", "2023-07-18T10:00:00", status="bogus")])
    code, _, err = run(capsys, str(path))
    assert code == 1 and "\x1b" not in err and "\x07" not in err
    assert "x\\x1b]0;pwned\\x07\\x1b[2J.csv:2: column status:" in err


def test_records_say_where_they_came_from_and_origins_are_never_mixed(tmp_path, warehouse_dir):
    demo_rows = write_export(tmp_path / "demo.csv", BASIC_ROWS)
    ingest([demo_rows], root=warehouse_dir, origin="demo")
    origin = metrics.records_origin()
    assert origin[["program_id", "records", "demo_records", "synthetic"]].values.tolist() == [
        ["test-intake", len(BASIC_ROWS), len(BASIC_ROWS), True]]
    assert metrics.records_synthetic()
    before = warehouse.checksum(warehouse_dir)
    real = write_export(tmp_path / "real.csv", [row("R1", "2023-07-18T10:00:00")])
    with pytest.raises(IngestRejected) as exc:
        ingest([real], root=warehouse_dir)
    (p,) = exc.value.problems
    assert (p.line, p.column) == (2, "program_id") and "synthetic records" in p.message
    assert warehouse.checksum(warehouse_dir) == before
    # A real export into another program: the warehouse now holds real records.
    ingest([write_export(tmp_path / "second.csv", [row("S1", "2024-03-02T10:00:00", program="second-intake")])],
           root=warehouse_dir)
    assert metrics.records_origin().set_index("program_id")["synthetic"].to_dict() == {
        "second-intake": False, "test-intake": True}
    assert not metrics.records_synthetic()
    with pytest.raises(IngestRejected) as exc:
        ingest([write_export(tmp_path / "d2.csv", [row("S2", "2024-03-02T10:00:00", program="second-intake")])],
               root=warehouse_dir, origin="demo")
    assert "holds real records" in exc.value.problems[0].message


def test_memory_limit_takes_a_size_and_leaves_no_spill_folder(tmp_path, basic_warehouse, capsys):
    path = write_export(tmp_path / "n.csv", [row("N1", "2023-07-18T10:00:00")])
    code, _, err = run(capsys, str(path), "--memory-limit", "lots")
    assert code == 2 and "--memory-limit takes a size" in err
    assert run(capsys, str(path), "--memory-limit", "256MB")[0] == 0
    assert sorted(p.name for p in (basic_warehouse / "snapshots").iterdir()) == ["000001.duckdb", "000002.duckdb"]
