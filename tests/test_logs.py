"""dashboard/logs.py: the one append-only writer for the ingest history and the extract audit chain."""

from __future__ import annotations

import hashlib
import json
import threading

from dashboard import logs


def test_the_chain_shows_an_edit_made_outside_the_dashboard(warehouse_dir):
    for who in ("a@example.ca", "b@example.ca", "c@example.ca"):
        logs.append(logs.AUDIT_LOG, {"who": who, "metric": "m"}, warehouse_dir, chained=True)
    assert logs.verify(logs.AUDIT_LOG, warehouse_dir) == (3, None)
    path = warehouse_dir / logs.AUDIT_LOG
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([lines[0], lines[1].replace(b"b@example", b"x@example"), *lines[2:]]))
    assert logs.verify(logs.AUDIT_LOG, warehouse_dir) == (3, 3)  # line 3 no longer follows from line 2
    path.write_bytes(b"\n".join([lines[0], *lines[2:]]))
    assert logs.verify(logs.AUDIT_LOG, warehouse_dir) == (2, 2)  # a deleted line breaks the chain too


def test_concurrent_extracts_keep_one_chain(warehouse_dir):
    def work(n: int) -> None:
        for i in range(20):
            logs.append(logs.AUDIT_LOG, {"who": f"t{n}", "i": i}, warehouse_dir, chained=True)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert logs.verify(logs.AUDIT_LOG, warehouse_dir) == (80, None)


def test_a_line_torn_by_a_crash_is_ended_and_skipped_in_both_logs(warehouse_dir):
    for name, chained in ((logs.INGEST_LOG, False), (logs.AUDIT_LOG, True)):
        logs.append(name, {"event": "ingest", "n": 1}, warehouse_dir, chained=chained)
        with open(warehouse_dir / name, "ab") as fh:
            fh.write(b'{"event": "ing')  # the process died mid-line
        logs.append(name, {"event": "ingest", "n": 2}, warehouse_dir, chained=chained)
        assert [r["n"] for r in logs.read(name, warehouse_dir)] == [1, 2]
        assert (warehouse_dir / name).read_bytes().count(b"\n") == 3
    # the torn line is not a record: the chain check names it
    assert logs.verify(logs.AUDIT_LOG, warehouse_dir) == (3, 2)


def test_the_ingest_history_is_not_chained_and_keeps_its_old_records(warehouse_dir):
    """Warehouses written before this writer keep their history: same file, same one-object lines."""
    old = {"event": "ingest", "at": "2023-07-16T13:00:00+00:00", "ingest_id": 1}
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    (warehouse_dir / "ingest_log.jsonl").write_text(json.dumps(old) + "\n", encoding="utf-8")
    written = logs.append(logs.INGEST_LOG, {"event": "rollback", "from": "000002.duckdb", "to": "000001.duckdb"},
                          warehouse_dir)
    assert "prev" not in written
    assert logs.read(logs.INGEST_LOG, warehouse_dir) == [old, written]
    assert logs.read("missing.jsonl", warehouse_dir) == []
    assert logs.verify(logs.AUDIT_LOG, warehouse_dir) == (0, None)


def test_the_first_chained_record_starts_from_genesis(warehouse_dir):
    first = logs.append(logs.AUDIT_LOG, {"who": "a"}, warehouse_dir, chained=True)
    second = logs.append(logs.AUDIT_LOG, {"who": "b"}, warehouse_dir, chained=True)
    line = (warehouse_dir / logs.AUDIT_LOG).read_bytes().split(b"\n")[0]
    assert first["prev"] == logs.GENESIS == "0" * 64
    assert second["prev"] == hashlib.sha256(line).hexdigest()
