"""The warehouse: immutable DuckDB snapshots published by an atomic rename. The only duckdb importer.

Layout of a warehouse folder (DASHBOARD_WAREHOUSE, default data/warehouse):

    CURRENT                 name of the published snapshot (replaced atomically)
    snapshots/NNNNNN.duckdb immutable once published; readers open them read-only
    ingest_log.jsonl        append-only history of ingests, rollbacks and builds (outlives snapshots)
    audit_log.jsonl         append-only extract audit log, hash-chained (both logs: dashboard/logs.py)
    .lock                   held by the one writer at a time

A writer copies the current snapshot to a temporary file, changes it, checkpoints it, renames it
into snapshots/ and then replaces CURRENT. A crash at any point leaves CURRENT naming a whole
snapshot; readers never wait for writers and never see half an ingest.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import hashlib
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

from dashboard import permissions
from dashboard.programs import ROOT

QUERIES_DIR = ROOT / "queries"
DEFAULT_DIR = ROOT / "data" / "warehouse"
KEEP_SNAPSHOTS_DEFAULT = 5
KEEP_SNAPSHOTS_MIN = 2  # the one before the current must stay, for readers that just read CURRENT and for rollback
_SNAPSHOT_NAME = re.compile(r"^(\d{6})\.(?:duckdb|rolled-back)$")


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
    """The published snapshots, oldest first (never a writer's .tmp file, never a rolled-back one)."""
    root = root or warehouse_dir()
    return sorted(p for p in (root / "snapshots").glob("*.duckdb") if _SNAPSHOT_NAME.match(p.name))


def _next_number(root: Path) -> int:
    """One more than any snapshot number used so far, rolled-back ones included: a name is never reused,
    so a reader or a cache keyed by the name cannot confuse two snapshots."""
    used = [int(m.group(1)) for p in (root / "snapshots").iterdir() if (m := _SNAPSHOT_NAME.match(p.name))]
    return max(used, default=0) + 1


def _acquire(lock, wait_seconds: float) -> bool:
    """Take the writers' lock, waiting up to `wait_seconds`; False if another process still holds it."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


def publish(root: Path, snapshot: Path) -> None:
    """Make `snapshot` the current one with one atomic rename."""
    tmp = root / f"CURRENT.{os.getpid()}.tmp"
    tmp.write_text(snapshot.name + "\n")
    _fsync_file(tmp)
    os.replace(tmp, root / "CURRENT")
    _fsync_dir(root)


def append_log(name: str, record: Mapping[str, Any], root: Path | None = None) -> None:
    """logs.append, for callers not yet moved to dashboard/logs.py (the one log writer)."""
    from dashboard import logs

    logs.append(name, record, root)


def read_log(name: str, root: Path | None = None) -> list[dict]:
    """logs.read, for callers not yet moved to dashboard/logs.py."""
    from dashboard import logs

    return logs.read(name, root)


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


_sql_index: dict[Path, dict[str, Path]] = {}


def sql_files(folder: Path = QUERIES_DIR) -> dict[str, list[Path]]:
    """Every query file below `folder` by name (the file name without .sql), with every path of that name."""
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.rglob("*.sql")):
        found.setdefault(path.stem, []).append(path)
    return found


def sql_path(name: str, folder: Path = QUERIES_DIR) -> Path:
    """The file <folder>/**/<name>.sql; names are unique below a folder (a test asserts it)."""
    index = _sql_index.get(folder)
    if index is None or name not in index:  # first use, or a file added since
        files = sql_files(folder)
        index = _sql_index[folder] = {n: paths[0] for n, paths in files.items()}
        if len(files.get(name, ())) > 1:
            raise LookupError(f"two query files are named {name}.sql: {', '.join(map(str, files[name]))}; rename one")
    if name not in index:
        raise FileNotFoundError(f"no query file {name}.sql below {folder}")
    return index[name]


def sql_text(name: str, folder: Path = QUERIES_DIR) -> str:
    """The text of queries/**/<name>.sql (or of <folder>/**/<name>.sql: tests/sql, bench/sql)."""
    return sql_path(name, folder).read_text(encoding="utf-8")


def bind(sql: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The params that `sql` names as $name (DuckDB rejects unused ones)."""
    return {k: v for k, v in (params or {}).items() if re.search(rf"\${re.escape(k)}\b", sql)}


def run_script(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None,
               folder: Path = QUERIES_DIR):
    """Run each statement of queries/**/<name>.sql in turn, binding its params; returns the last result."""
    result = con
    for statement in (s.strip() for s in sql_text(name, folder).split(";\n")):
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
    permissions.warn(root)  # the ingest and build command lines say so when others may write here too
    lock = open(root / ".lock", "a+")  # noqa: SIM115 - held for the whole block
    if not _acquire(lock, wait_seconds):
        lock.close()
        raise WarehouseBusy(f"{root}: another ingest is running; wait for it to finish or pass --wait SECONDS")
    try:
        for stale in [*root.glob("snapshots/.tmp-*"), *root.glob("CURRENT.*.tmp")]:  # left by a writer that crashed
            stale.unlink(missing_ok=True)
        base = current_snapshot(root)
        number = _next_number(root)
        tmp = root / "snapshots" / f".tmp-{number:06d}.duckdb"
        if base is not None:
            shutil.copyfile(base, tmp)
        con = duckdb.connect(str(tmp))
        try:
            con.execute(sql_text("_session"))
            if base is None:
                con.execute(sql_text("_schema"))
            yield con
            con.execute(sql_text("_checkpoint"))
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


def keep_snapshots() -> int:
    """How many snapshots to keep: DASHBOARD_KEEP_SNAPSHOTS (default 5, at least 2)."""
    raw = os.environ.get("DASHBOARD_KEEP_SNAPSHOTS", "")
    keep = int(raw) if raw.strip().isdigit() else KEEP_SNAPSHOTS_DEFAULT
    return max(keep, KEEP_SNAPSHOTS_MIN)


def prune(root: Path | None = None, keep: int | None = None) -> list[Path]:
    """Delete all but the newest `keep` snapshots (never the current one). Returns what was deleted.

    Runs under the writers' lock; when a writer holds it, nothing is deleted now (the next ingest prunes).
    """
    root = root or warehouse_dir()
    keep = max(keep or keep_snapshots(), KEEP_SNAPSHOTS_MIN)
    if not (root / "snapshots").is_dir():
        return []
    lock = open(root / ".lock", "a+")  # noqa: SIM115
    try:
        if not _acquire(lock, 0.0):
            return []
        current = current_snapshot(root)
        removed = [p for p in snapshots(root)[:-keep] if p != current]
        for p in removed:
            p.unlink(missing_ok=True)
        return removed
    finally:
        lock.close()


def rollback(root: Path | None = None, *, wait_seconds: float = 0.0) -> tuple[Path, Path]:
    """Publish the snapshot before the current one. Returns (from, to)."""
    root = root or warehouse_dir()
    (root / "snapshots").mkdir(parents=True, exist_ok=True)
    lock = open(root / ".lock", "a+")  # noqa: SIM115
    try:
        if not _acquire(lock, wait_seconds):
            raise WarehouseBusy(f"{root}: an ingest is running; try the rollback again later")
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

_pins: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("snapshot_pins", default=None)


class Reader:
    """Read-only access to whichever snapshot is current; reopens when a new one is published.

    `pin()` makes the rest of the calling thread's queries read one snapshot, so a page drawn while an
    ingest publishes shows one snapshot throughout, never half of one and half of the next. A
    connection to a snapshot that is no longer current is closed once no query uses it.
    """

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else warehouse_dir()
        permissions.warn(self.root, once=True)  # at start-up, in the server's log: files DuckDB trusts
        self._lock = threading.Lock()
        self._dbs: dict[str, duckdb.DuckDBPyConnection] = {}  # one read-only database per snapshot
        self._idle: dict[str, list[duckdb.DuckDBPyConnection]] = {}  # its connections not in use
        self._users: dict[str, int] = {}

    def _current_name(self) -> str:
        snap = current_snapshot(self.root)
        if snap is None:
            raise NoWarehouse(f"{self.root}: no data yet; run `make warehouse` or ingest an export")
        return snap.name

    def pin(self, name: str | None = None) -> str:
        """Read the snapshot that is current now (or snapshot `name`) for the rest of this thread's
        (context's) queries."""
        name = name or self._current_name()
        _pins.set({**(_pins.get() or {}), str(self.root): name})
        return name

    def _wanted(self) -> str:
        pinned = (_pins.get() or {}).get(str(self.root))
        if pinned and (pinned in self._dbs or (self.root / "snapshots" / pinned).exists()):
            return pinned
        return self._current_name()  # not pinned, or the pinned one was pruned before it was opened

    def _connection(self) -> tuple[duckdb.DuckDBPyConnection, str]:
        """A connection to the wanted snapshot that no other query is using.

        Connections are kept and reused: each is set up once when opened, in UTC and with the query
        macros of queries/macros created as temp macros (its own, never stored in a snapshot; they
        shadow any a snapshot written by an earlier version still stores).
        """
        name = self._wanted()
        with self._lock:
            if name not in self._dbs:
                self._dbs[name] = duckdb.connect(str(self.root / "snapshots" / name), read_only=True,
                                                 config={"threads": 2})
                self._idle[name] = []
            self._users[name] = self._users.get(name, 0) + 1
            idle = self._idle[name]
            # connections are not thread-safe: one per query running at a time
            con, fresh = (idle.pop(), False) if idle else (self._dbs[name].cursor(), True)
        if fresh:
            try:
                con.execute(sql_text("_session"))
                con.execute(sql_text("_macros"))
            except BaseException:
                con.close()
                self._release(name)
                raise
        return con, name

    def _release(self, name: str, con: duckdb.DuckDBPyConnection | None = None) -> None:
        current = current_snapshot(self.root)
        with self._lock:
            self._users[name] -= 1
            if con is not None:
                if current is not None and name == current.name:
                    self._idle[name].append(con)
                else:
                    con.close()
            for old in [n for n, users in self._users.items() if users == 0 and (current is None or n != current.name)]:
                self._drop(old)

    def _drop(self, name: str) -> None:
        for con in self._idle.pop(name, []):
            con.close()
        self._dbs.pop(name).close()
        del self._users[name]

    def close(self) -> None:
        """Close every connection (queries still running keep theirs until they finish)."""
        with self._lock:
            for name in [n for n, users in self._users.items() if users == 0]:
                self._drop(name)

    @property
    def snapshot_name(self) -> str | None:
        """The snapshot this thread reads: the pinned one, else the current one (None before any)."""
        try:
            return self._wanted()
        except NoWarehouse:
            return None

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con, snap = self._connection()
        try:
            yield con
        finally:
            self._release(snap, con)

    def query(self, name: str, params: Mapping[str, Any] | None = None, folder: Path = QUERIES_DIR) -> pd.DataFrame:
        """Run queries/**/<name>.sql with its $parameters bound; values are never formatted into SQL.
        (`folder`: tests/sql or bench/sql, for their own queries.)"""
        sql = sql_text(name, folder)
        with self._cursor() as cur:
            return cur.execute(sql, bind(sql, params)).df()

    def preview(self, name: str, params: Mapping[str, Any] | None, limit: int) -> tuple[pd.DataFrame, int]:
        """The first `limit` rows of queries/**/<name>.sql and how many rows it has, without fetching the rest
        (a table of ten million records is counted where it lies, not copied into Python to show 200)."""
        sql = sql_text(name)
        with self._cursor() as cur:
            rel = cur.sql(sql, params=bind(sql, params))
            return rel.limit(limit).df(), int(rel.count("*").fetchall()[0][0])


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
