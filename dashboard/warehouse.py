"""The warehouse: immutable DuckDB snapshots published by an atomic rename. The only duckdb importer.

Layout of a warehouse folder (DASHBOARD_WAREHOUSE, default data/warehouse):

    CURRENT                 name of the published snapshot (replaced atomically)
    snapshots/NNNNNN.duckdb immutable once published; readers open them read-only
    ingest_log.jsonl        append-only history of ingests, rollbacks and builds (outlives snapshots)
    audit_log.jsonl         append-only extract audit log
    .lock                   held by the one writer at a time

A writer copies the current snapshot to a temporary file, changes it, checkpoints it, renames it
into snapshots/ and then replaces CURRENT. A crash at any point leaves CURRENT naming a whole
snapshot; readers never wait for writers and never see half an ingest.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dashboard.programs import ROOT

QUERIES_DIR = ROOT / "queries"
DEFAULT_DIR = ROOT / "data" / "warehouse"
KEEP_SNAPSHOTS_DEFAULT = 5


class WarehouseBusy(RuntimeError):
    """Another ingest holds the warehouse lock."""


class NoWarehouse(RuntimeError):
    """No snapshot has been published yet."""


def warehouse_dir() -> Path:
    return Path(os.environ.get("DASHBOARD_WAREHOUSE") or DEFAULT_DIR)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def current_snapshot(root: Path | None = None) -> Path | None:
    root = root or warehouse_dir()
    try:
        name = (root / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    path = root / "snapshots" / name
    return path if name and path.exists() else None


def snapshots(root: Path | None = None) -> list[Path]:
    root = root or warehouse_dir()
    return sorted((root / "snapshots").glob("*.duckdb"))


def publish(root: Path, snapshot: Path) -> None:
    """Make `snapshot` the current one with one atomic rename."""
    tmp = root / f"CURRENT.{os.getpid()}.tmp"
    tmp.write_text(snapshot.name + "\n")
    _fsync_file(tmp)
    os.replace(tmp, root / "CURRENT")
    _fsync_dir(root)


def append_log(name: str, record: Mapping[str, Any], root: Path | None = None) -> None:
    """Append one JSON line to an append-only log beside the snapshots (never inside one)."""
    root = root or warehouse_dir()
    root.mkdir(parents=True, exist_ok=True)
    line = json.dumps(dict(record), default=str, ensure_ascii=False) + "\n"
    fd = os.open(root / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_log(name: str, root: Path | None = None) -> list[dict]:
    path = (root or warehouse_dir()) / name
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):  # a torn last line from a crash is skipped
            out.append(json.loads(line))
    return out


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def checksum(root: Path | None = None) -> str:
    """One hash of what readers see: CURRENT and the bytes of every snapshot file."""
    root = root or warehouse_dir()
    h = hashlib.sha256()
    cur = root / "CURRENT"
    h.update(cur.read_bytes() if cur.exists() else b"")
    for snap in snapshots(root):
        h.update(snap.name.encode())
        h.update(file_sha256(snap).encode())
    return h.hexdigest()


def sql_text(name: str) -> str:
    """The text of queries/<name>.sql."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def bind(sql: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The params that `sql` names as $name (DuckDB rejects unused ones)."""
    return {k: v for k, v in (params or {}).items() if re.search(rf"\${re.escape(k)}\b", sql)}


def run_script(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None):
    """Run each statement of queries/<name>.sql in turn, binding its params; returns the last result."""
    result = con
    for statement in (s.strip() for s in sql_text(name).split(";\n")):
        body = "\n".join(ln for ln in statement.splitlines() if not ln.strip().startswith("--")).strip()
        if body:
            result = con.execute(statement, bind(statement, params))
    return result


# ---------------------------------------------------------------- writing

@contextlib.contextmanager
def writer(root: Path | None = None, *, wait_seconds: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the next snapshot, published when the block ends without error.

    Only one writer at a time: a second waits up to `wait_seconds`, then raises WarehouseBusy.
    """
    root = root or warehouse_dir()
    (root / "snapshots").mkdir(parents=True, exist_ok=True)
    lock = open(root / ".lock", "a+")  # noqa: SIM115 - held for the whole block
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                lock.close()
                raise WarehouseBusy(
                    f"{root}: another ingest is running; wait for it to finish or pass --wait SECONDS"
                ) from None
            time.sleep(0.2)
    try:
        for stale in root.glob("snapshots/.tmp-*"):  # left by a writer that crashed
            stale.unlink(missing_ok=True)
        base = current_snapshot(root)
        existing = snapshots(root)
        number = int(existing[-1].stem) + 1 if existing else 1
        tmp = root / "snapshots" / f".tmp-{number:06d}.duckdb"
        if base is not None:
            shutil.copyfile(base, tmp)
        con = duckdb.connect(str(tmp))
        try:
            con.execute("set TimeZone = 'UTC'")
            if base is None:
                con.execute(sql_text("_schema"))
            yield con
            con.execute(sql_text("_macros"))
            con.execute("checkpoint")
        finally:
            con.close()
        _fsync_file(tmp)
        final = root / "snapshots" / f"{number:06d}.duckdb"
        os.replace(tmp, final)
        _fsync_dir(root / "snapshots")
        publish(root, final)
    except BaseException:
        for stale in root.glob("snapshots/.tmp-*"):
            stale.unlink(missing_ok=True)
        raise
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def prune(root: Path | None = None, keep: int | None = None) -> list[Path]:
    """Delete all but the newest `keep` snapshots (never the current one). Returns what was deleted."""
    root = root or warehouse_dir()
    keep = keep or int(os.environ.get("DASHBOARD_KEEP_SNAPSHOTS", KEEP_SNAPSHOTS_DEFAULT))
    current = current_snapshot(root)
    old = snapshots(root)[:-keep] if keep > 0 else []
    removed = [p for p in old if p != current]
    for p in removed:
        p.unlink(missing_ok=True)
    return removed


def rollback(root: Path | None = None, *, wait_seconds: float = 0.0) -> tuple[Path, Path]:
    """Publish the snapshot before the current one. Returns (from, to)."""
    root = root or warehouse_dir()
    lock = open(root / ".lock", "a+")  # noqa: SIM115
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(f"{root}: an ingest is running; try the rollback again later") from None
                time.sleep(0.2)
        current = current_snapshot(root)
        if current is None:
            raise NoWarehouse(f"{root}: no snapshot is published, nothing to roll back")
        older = [p for p in snapshots(root) if p.name < current.name]
        if not older:
            raise NoWarehouse(f"{root}: {current.name} is the oldest snapshot kept; nothing to roll back to")
        publish(root, older[-1])
        # The rolled-back snapshot is set aside so the next ingest builds on the restored one.
        os.replace(current, current.with_suffix(".rolled-back"))
        return current, older[-1]
    finally:
        lock.close()


# ---------------------------------------------------------------- reading

class Reader:
    """Read-only access to whichever snapshot is current; reopens when a new one is published."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else warehouse_dir()
        self._lock = threading.Lock()
        self._name: str | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    def _connection(self) -> tuple[duckdb.DuckDBPyConnection, str]:
        snap = current_snapshot(self.root)
        if snap is None:
            raise NoWarehouse(f"{self.root}: no data yet; run `make warehouse` or ingest an export")
        with self._lock:
            if snap.name != self._name:
                con = duckdb.connect(str(snap), read_only=True, config={"threads": 2})
                # The old connection is not closed: cursors of other sessions may still be reading it.
                self._con, self._name = con, snap.name
            assert self._con is not None
            cur = self._con.cursor()  # a cursor per call: connections are not thread-safe
        cur.execute("set TimeZone = 'UTC'")
        return cur, self._name

    @property
    def snapshot_name(self) -> str | None:
        snap = current_snapshot(self.root)
        return snap.name if snap else None

    def query(self, name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run queries/<name>.sql with its $parameters bound; values are never formatted into SQL."""
        cur, _ = self._connection()
        try:
            sql = sql_text(name)
            return cur.execute(sql, bind(sql, params)).df()
        finally:
            cur.close()


_readers: dict[str, Reader] = {}
_readers_lock = threading.Lock()


def reader(root: Path | None = None) -> Reader:
    """The process-wide reader for a warehouse folder."""
    key = str(Path(root) if root else warehouse_dir())
    with _readers_lock:
        if key not in _readers:
            _readers[key] = Reader(Path(key))
        return _readers[key]


def now_utc() -> datetime:
    return datetime.now(UTC)
