"""Operations: rollback, pruning to DASHBOARD_KEEP_SNAPSHOTS, the ingest history on the Data loads page,
and the warehouse rules they rely on (a writer's temporary file is never a snapshot, names are never
reused, one page run reads one snapshot, connections to old snapshots are closed)."""

from __future__ import annotations

import contextvars
import os
import subprocess
import sys

import psutil
import pytest
from conftest import FIXTURES, ROOT, row, support_query, write_export
from streamlit.testing.v1 import AppTest

from dashboard import logs, warehouse
from dashboard.ingest import IngestRejected, ingest

APP = str(ROOT / "dashboard" / "app.py")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard.ingest", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def add(tmp_path, root, app_id: str, when: str = "2023-07-18T10:00:00", origin: str = "export"):
    return ingest([write_export(tmp_path / f"{app_id}.csv", [row(app_id, when)])], root=root, origin=origin)


def ids(root) -> set[str]:
    reader = warehouse.Reader(root)
    try:
        return set(support_query("_test_all_states", reader=reader)["application_id"])
    finally:
        reader.close()


def test_rollback_returns_to_the_previous_snapshot_and_names_are_not_reused(tmp_path, basic_warehouse):
    add(tmp_path, basic_warehouse, "N1")
    assert warehouse.current_snapshot(basic_warehouse).name == "000002.duckdb" and "N1" in ids(basic_warehouse)
    out = cli("--rollback")
    assert (out.returncode, out.stdout) == (0, "rolled back from snapshot 000002.duckdb to 000001.duckdb\n")
    assert warehouse.current_snapshot(basic_warehouse).name == "000001.duckdb"
    assert "N1" not in ids(basic_warehouse)
    assert [p.name for p in warehouse.snapshots(basic_warehouse)] == ["000001.duckdb"]
    # The next ingest builds on the restored snapshot, under a name never used before.
    s = add(tmp_path, basic_warehouse, "N2")
    assert s.snapshot == "000003.duckdb"
    assert {"N1", "N2"} & ids(basic_warehouse) == {"N2"}
    events = [(r["event"], r.get("from"), r.get("to")) for r in logs.read(logs.INGEST_LOG, basic_warehouse)]
    assert events[-2:] == [("rollback", "000002.duckdb", "000001.duckdb"), ("ingest", None, None)]


def test_rollback_of_the_only_snapshot_is_a_usage_error(basic_warehouse):
    before = warehouse.checksum(basic_warehouse)
    out = cli("--rollback")
    assert out.returncode == 2 and "000001.duckdb is the oldest snapshot kept; nothing to roll back to" in out.stderr
    assert warehouse.checksum(basic_warehouse) == before


def test_a_crashed_writers_temporary_file_is_never_a_snapshot(basic_warehouse):
    stale = basic_warehouse / "snapshots" / ".tmp-000009.duckdb"
    stale.write_bytes(b"half a database")
    assert [p.name for p in warehouse.snapshots(basic_warehouse)] == ["000001.duckdb"]
    with pytest.raises(warehouse.NoWarehouse, match="nothing to roll back"):
        warehouse.rollback(basic_warehouse)  # it used to publish the half-written file
    assert warehouse.current_snapshot(basic_warehouse).name == "000001.duckdb"
    with warehouse.writer(basic_warehouse):
        assert not stale.exists()  # the next writer clears it


@pytest.mark.parametrize(("setting", "kept"), [("3", 3), ("1", 2), ("", 5), ("many", 5)])
def test_old_snapshots_are_pruned_to_the_configured_number(tmp_path, basic_warehouse, monkeypatch, setting, kept):
    monkeypatch.setenv("DASHBOARD_KEEP_SNAPSHOTS", setting)
    for i in range(6):
        add(tmp_path, basic_warehouse, f"K{i}")
    names = [p.name for p in warehouse.snapshots(basic_warehouse)]
    assert names == [f"{n:06d}.duckdb" for n in range(8 - kept, 8)]
    assert warehouse.current_snapshot(basic_warehouse).name == "000007.duckdb"
    assert {f"K{i}" for i in range(6)} <= ids(basic_warehouse)


def test_prune_leaves_everything_while_a_writer_holds_the_lock(tmp_path, basic_warehouse):
    for i in range(3):
        add(tmp_path, basic_warehouse, f"W{i}")
    with warehouse.writer(basic_warehouse):
        assert warehouse.prune(basic_warehouse, keep=2) == []
        assert len(warehouse.snapshots(basic_warehouse)) == 4
    # The writer published 000005 on leaving the block; now prune may run.
    assert [p.name for p in warehouse.prune(basic_warehouse, keep=2)] == [f"00000{n}.duckdb" for n in (1, 2, 3)]


def test_a_pinned_reader_keeps_reading_one_snapshot_while_ingests_publish(tmp_path, basic_warehouse):
    reader = warehouse.Reader(basic_warehouse)

    def page_run() -> list[bool]:
        reader.pin()
        seen = ["N1" in set(support_query("_test_all_states", reader=reader)["application_id"])]
        add(tmp_path, basic_warehouse, "N1")  # an ingest publishes in the middle of the page run
        seen.append("N1" in set(support_query("_test_all_states", reader=reader)["application_id"]))
        return seen

    assert contextvars.copy_context().run(page_run) == [False, False]
    assert "N1" in set(support_query("_test_all_states", reader=reader)["application_id"])  # the next run sees it
    reader.close()


def test_connections_to_superseded_snapshots_are_closed(tmp_path, basic_warehouse, monkeypatch):
    monkeypatch.setenv("DASHBOARD_KEEP_SNAPSHOTS", "2")
    reader = warehouse.Reader(basic_warehouse)
    for i in range(4):
        support_query("_test_all_states", reader=reader)
        add(tmp_path, basic_warehouse, f"C{i}")
    support_query("_test_all_states", reader=reader)
    snapshot_dir = str(basic_warehouse / "snapshots")
    open_snapshots = {os.path.basename(f.path) for f in psutil.Process().open_files() if f.path.startswith(snapshot_dir)}
    assert open_snapshots == {"000005.duckdb"}  # pruned files are not held open (their disk space is freed)
    reader.close()


def test_a_rejected_ingest_is_logged_without_touching_the_snapshots(tmp_path, basic_warehouse):
    before = warehouse.checksum(basic_warehouse)
    bad = write_export(tmp_path / "bad.csv", [row("B1", "2023-07-16T11:00:00", status="lost")])
    with pytest.raises(IngestRejected):
        ingest([bad], root=basic_warehouse)
    assert warehouse.checksum(basic_warehouse) == before
    last = logs.read(logs.INGEST_LOG, basic_warehouse)[-1]
    assert {k: last[k] for k in ("event", "files", "problems")} == {"event": "rejected", "files": [str(bad)],
                                                                     "problems": 1}
    assert last["first_problem"] == f"{bad}:2: column status: expected one of submitted, in_review, approved, " \
                                    "refused, withdrawn"


@pytest.fixture
def synthetic_only(tmp_path, monkeypatch):
    """The local demo without a sign-in provider, the test intake alone configured: with the demo build's
    records (demo_warehouse) anonymous visitors get demo_role (admin) and see Data loads."""
    text = (FIXTURES / "programs.toml").read_text()
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "programs.toml").write_text(text[: text.index('[[program]]\nid = "second-intake"')])
    (folder / "events.csv").write_bytes((FIXTURES / "events.csv").read_bytes())
    monkeypatch.setenv("DASHBOARD_PROGRAMS", str(folder / "programs.toml"))
    monkeypatch.setenv("DASHBOARD_ACCESS", str(FIXTURES / "access.toml"))


def test_the_data_loads_page_lists_the_history_newest_first(tmp_path, demo_warehouse, synthetic_only):
    add(tmp_path, demo_warehouse, "N1", origin="demo")
    with pytest.raises(IngestRejected):
        ingest([write_export(tmp_path / "bad.csv", [row("B1", "2023-07-16T11:00:00", status="lost")])],
               root=demo_warehouse, origin="demo")
    warehouse.rollback(demo_warehouse)
    logs.append(logs.INGEST_LOG, {"event": "rollback", "from": "000002.duckdb", "to": "000001.duckdb",
                                              "at": "2023-08-01T12:00:00+00:00"}, demo_warehouse)
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("views/ingest_history.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.columns.tolist() == ["at", "event", "files", "rows_read", "inserted", "updated", "unchanged",
                                      "rejected", "detail", "snapshot", "current"]
    assert table[["event", "files", "rows_read", "inserted", "snapshot", "current"]].values.tolist() == [
        ["Rolled back", "", "", "", "000002.duckdb → 000001.duckdb", "✓"],
        ["Rejected", "bad.csv", "", "", "", ""],
        ["Published", "N1.csv", "1", "1", "000002.duckdb", ""],
        ["Published", "basic.csv", "10", "10", "000001.duckdb", "✓"],
    ]
    assert table["detail"][1] == "bad.csv:2: column status: expected one of submitted, in_review, approved, " \
                                 "refused, withdrawn"
    assert table["at"][0] == "Tue 1 Aug 2023, 08:00 EDT"
    assert any(c.value.startswith("Published snapshot 000001.duckdb; 1 snapshot kept (at most 5).") for c in at.caption)


def test_the_dashboard_follows_a_rollback_and_the_next_ingest(tmp_path, demo_warehouse, synthetic_only):
    def family() -> str:
        at = AppTest.from_file(APP, default_timeout=30).run()
        assert not at.exception
        return {m.label: m.value for m in at.metric}["Family applications"]

    assert family() == "2"
    ingest([write_export(tmp_path / "f.csv", [row("F3", "2023-07-18T10:00:00", role="spouse", principal="P2")])],
           root=demo_warehouse, origin="demo")
    assert family() == "3"
    warehouse.rollback(demo_warehouse)
    assert family() == "2"
    ingest([write_export(tmp_path / "g.csv", [row("F4", "2023-07-18T10:00:00", role="spouse", principal="P2"),
                                             row("F5", "2023-07-18T10:00:00", role="spouse", principal="P3")])],
           root=demo_warehouse, origin="demo")
    assert family() == "4"
