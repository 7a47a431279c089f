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
import errno
import fcntl
import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from dashboard import permissions
from dashboard.programs import ROOT

QUERIES_DIR = ROOT / "queries"
DEFAULT_DIR = ROOT / "data" / "warehouse"
KEEP_SNAPSHOTS_DEFAULT = 5
KEEP_SNAPSHOTS_MIN = 2  # the one before the current must stay, for readers that just read CURRENT and for rollback
_SNAPSHOT_NAME = re.compile(r"^(\d{6})\.(?:duckdb|rolled-back)$")


DatabaseError = duckdb.Error  # what a query can raise, for modules that do not import duckdb


class WarehouseBusy(RuntimeError):
    """Another ingest holds the warehouse lock."""


class NoWarehouse(RuntimeError):
    """No snapshot has been published yet."""


class NoSpace(RuntimeError):
    """The warehouse's disk cannot hold the next snapshot: nothing was changed."""


class LogUnwritable(RuntimeError):
    """A log beside the snapshots cannot be appended: nothing was changed."""


class NeedsConfirmation(RuntimeError):
    """A rollback or roll-forward asked for more than it may do unasked."""


SPACE_MARGIN = 64 << 20  # bytes kept free beyond the next snapshot's estimate


def free_bytes(path: Path) -> int:
    """Free bytes on the disk holding `path` (the probe the writer asks before copying a snapshot)."""
    return shutil.disk_usage(path).free


def _no_space(root: Path, need: int, free: int) -> NoSpace:
    return NoSpace(f"{root}: the disk has {free / 2**20:,.0f} MB free and the next snapshot needs about "
                   f"{need / 2**20:,.0f} MB; nothing was stored: free some space (or lower "
                   "DASHBOARD_KEEP_SNAPSHOTS) and run it again")


def _is_disk_full(exc: BaseException) -> bool:
    return (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or (
        isinstance(exc, duckdb.Error) and "No space left on device" in str(exc))


def check_appendable(name: str, root: Path | None = None) -> None:
    """Raise LogUnwritable when the log `name` cannot be appended (asked before anything is changed)."""
    root = root or warehouse_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        os.close(os.open(root / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
    except OSError as exc:
        raise LogUnwritable(f"{root / name}: cannot append to this log ({exc.strerror}); nothing was stored: "
                            "make it writable by the ingest and run it again") from None


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

def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def writer(root: Path | None = None, *, wait_seconds: float = 0.0, expect_bytes: int = 0,
           memory_limit: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the next snapshot, published when the block ends without error.

    Only one writer at a time: a second waits up to `wait_seconds`, then raises WarehouseBusy. Before
    copying, the disk must hold the copy, `expect_bytes` of new data and a margin, else NoSpace; a disk
    that fills up anyway raises NoSpace too, and in both cases nothing is changed. `memory_limit` (such
    as "1GB") bounds DuckDB's memory; past it DuckDB spills to a folder beside the next snapshot's file.
    """
    root = root or warehouse_dir()
    (root / "snapshots").mkdir(parents=True, exist_ok=True)
    permissions.warn(root)  # the ingest and build command lines say so when others may write here too
    lock = open(root / ".lock", "a+")  # noqa: SIM115 - held for the whole block
    if not _acquire(lock, wait_seconds):
        lock.close()
        raise WarehouseBusy(f"{root}: another ingest is running; wait for it to finish or pass --wait SECONDS")
    need = expect_bytes + SPACE_MARGIN
    try:
        for stale in [*root.glob("snapshots/.tmp-*"), *root.glob("CURRENT.*.tmp")]:  # left by a writer that crashed
            _remove(stale)
        base = current_snapshot(root)
        number = _next_number(root)
        tmp = root / "snapshots" / f".tmp-{number:06d}.duckdb"
        need = (base.stat().st_size if base is not None else 0) + expect_bytes + SPACE_MARGIN
        free = free_bytes(root / "snapshots")
        if free < need:
            raise _no_space(root, need, free)
        if base is not None:
            shutil.copyfile(base, tmp)
        config = {"memory_limit": memory_limit, "temp_directory": str(tmp.with_suffix(".spill"))} if memory_limit else {}
        con = duckdb.connect(str(tmp), config=config)
        try:
            con.execute(sql_text("_writer_session"))
            con.execute(sql_text("_session"))
            # a new warehouse gets the schema; an older snapshot gets what later versions added
            schema = sql_text("_schema") if base is None else sql_text("_schema_upgrade")
            con.execute(schema)
            yield con
            con.execute(sql_text("_checkpoint"))
        finally:
            con.close()
        _fsync_file(tmp)
        _remove(tmp.with_suffix(".spill"))
        final = root / "snapshots" / f"{number:06d}.duckdb"
        os.replace(tmp, final)
        _fsync_dir(root / "snapshots")
        publish(root, final)
    except BaseException as exc:
        for stale in root.glob("snapshots/.tmp-*"):
            _remove(stale)
        if _is_disk_full(exc):
            raise _no_space(root, need, free_bytes(root / "snapshots")) from None
        raise
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def text_columns(rel: duckdb.DuckDBPyRelation, names: Sequence[str]) -> duckdb.DuckDBPyRelation:
    """`rel`'s columns `names`, in that order; one it lacks is NULL text (built as expressions, not SQL)."""
    have = set(rel.columns)
    return rel.select(*[duckdb.ColumnExpression(n) if n in have
                        else duckdb.ConstantExpression(None).cast(duckdb.sqltype("VARCHAR")).alias(n) for n in names])


def scratch(path: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB database of its own at `path` (an ingest's staging, outside the warehouse), spilling to a
    folder beside it past `memory_limit`."""
    config = {"temp_directory": str(path.with_suffix(".spill"))}
    if memory_limit:
        config["memory_limit"] = memory_limit
    return duckdb.connect(str(path), config=config)


def keep_snapshots() -> int:
    """How many snapshots to keep: DASHBOARD_KEEP_SNAPSHOTS (default 5, at least 2)."""
    raw = os.environ.get("DASHBOARD_KEEP_SNAPSHOTS", "")
    keep = int(raw) if raw.strip().isdigit() else KEEP_SNAPSHOTS_DEFAULT
    return max(keep, KEEP_SNAPSHOTS_MIN)


def rolled_back(root: Path | None = None) -> list[Path]:
    """The snapshots set aside by a rollback, oldest first."""
    root = root or warehouse_dir()
    return sorted(p for p in (root / "snapshots").glob("*.rolled-back") if _SNAPSHOT_NAME.match(p.name))


def prune(root: Path | None = None, keep: int | None = None) -> list[Path]:
    """Delete all but the newest `keep` snapshots (never the current one), and every rolled-back snapshot
    that can no longer be rolled forward to (older than the current one) or lies beyond `keep` of them.
    Returns what was deleted.

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
        aside = rolled_back(root)
        removed += [p for p in aside if current is None or p.stem < current.stem]
        removed += [p for p in aside if current is not None and p.stem > current.stem][keep:]
        for p in removed:
            p.unlink(missing_ok=True)
        return removed
    finally:
        lock.close()


def _open_read_only(snapshot: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection. One configuration for every one in this process: DuckDB refuses a second
    connection to a file that is open with another (a rollback checks a snapshot the readers hold open)."""
    return duckdb.connect(str(snapshot), read_only=True, config={"threads": 2})


def _applications_in(snapshot: Path) -> int:
    con = _open_read_only(snapshot)
    try:
        return int(con.execute(sql_text("_applications_count")).fetchone()[0])
    except duckdb.Error:
        return 0
    finally:
        con.close()


@contextlib.contextmanager
def _published(root: Path, wait_seconds: float, verb: str) -> Iterator[Path]:
    """The current snapshot, under the writers' lock (for moving CURRENT between existing snapshots)."""
    (root / "snapshots").mkdir(parents=True, exist_ok=True)
    lock = open(root / ".lock", "a+")  # noqa: SIM115
    try:
        if not _acquire(lock, wait_seconds):
            raise WarehouseBusy(f"{root}: an ingest is running; try to {verb} again later")
        current = current_snapshot(root)
        if current is None:
            raise NoWarehouse(f"{root}: no snapshot is published, nothing to {verb}")
        yield current
    finally:
        lock.close()


def rollback(root: Path | None = None, *, wait_seconds: float = 0.0, steps: int | None = None) -> tuple[Path, Path]:
    """Publish the snapshot `steps` (default 1) before the current one. Returns (from, to).

    Going back further than one step from the newest ingest needs `steps` given explicitly (a second
    `--rollback` refuses: it would walk back one more ingest unasked), and no rollback goes to a snapshot
    without applications (the first one of a build). Each snapshot passed over is set aside as
    .rolled-back, so roll_forward can bring it back.
    """
    root = root or warehouse_dir()
    with _published(root, wait_seconds, "roll back") as current:
        newer_aside = [p for p in rolled_back(root) if p.stem > current.stem]
        if steps is None and newer_aside:
            raise NeedsConfirmation(
                f"{root}: {current.name} is already the result of a rollback from {newer_aside[-1].stem}.duckdb; "
                f"to go back one more step pass --steps {len(newer_aside) + 1} (counted from the newest ingest), "
                "or --roll-forward to undo the rollback")
        if steps is not None:
            steps -= len(newer_aside)  # counted from the newest ingest, so repeating a command does not go further
            if steps <= 0:
                raise NeedsConfirmation(f"{root}: {current.name} is already {len(newer_aside)} step(s) back; "
                                        "nothing to do (--roll-forward goes the other way)")
        older = [p for p in snapshots(root) if p.name < current.name]
        if not older:
            raise NoWarehouse(f"{root}: {current.name} is the oldest snapshot kept; nothing to roll back to")
        steps = steps or 1
        if steps > len(older):
            raise NoWarehouse(f"{root}: only {len(older)} older snapshot(s) kept; cannot go back {steps} steps")
        target = older[-steps]
        if _applications_in(target) == 0:
            raise NoWarehouse(f"{root}: {target.name} holds no applications (the start of a build); "
                              "a rollback never goes back to it")
        publish(root, target)
        # The snapshots passed over are set aside so the next ingest builds on the restored one.
        for passed in [*older[len(older) - steps + 1:], current]:
            os.replace(passed, passed.with_suffix(".rolled-back"))
        return current, target


def roll_forward(root: Path | None = None, *, wait_seconds: float = 0.0) -> tuple[Path, Path]:
    """Undo one rollback step: publish again the oldest snapshot set aside after the current one."""
    root = root or warehouse_dir()
    with _published(root, wait_seconds, "roll forward") as current:
        ahead = [p for p in rolled_back(root) if p.stem > current.stem]
        if not ahead:
            raise NoWarehouse(f"{root}: {current.name} is the newest snapshot; nothing to roll forward to "
                              "(an ingest after a rollback discards what was rolled back)")
        target = ahead[0].with_suffix(".duckdb")
        os.replace(ahead[0], target)
        _fsync_dir(root / "snapshots")
        publish(root, target)
        return current, target


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
                self._dbs[name] = _open_read_only(self.root / "snapshots" / name)
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
            return frame(cur.execute(sql, bind(sql, params)))

    def preview(self, name: str, params: Mapping[str, Any] | None, limit: int) -> tuple[pd.DataFrame, int]:
        """The first `limit` rows of queries/**/<name>.sql and how many rows it has, without fetching the rest
        (a table of ten million records is counted where it lies, not copied into Python to show 200)."""
        sql = sql_text(name)
        with self._cursor() as cur:
            rel = cur.sql(sql, params=bind(sql, params))
            return frame(rel.limit(limit)), int(rel.count("*").fetchall()[0][0])


# The column types frame() converts itself, as DuckDB's .df() would (a query returning any other: .df()).
_NULLABLE = {"BIGINT": pd.Int64Dtype(), "INTEGER": pd.Int32Dtype(), "SMALLINT": pd.Int16Dtype(),
             "TINYINT": pd.Int8Dtype(), "UBIGINT": pd.UInt64Dtype(), "UINTEGER": pd.UInt32Dtype(),
             "USMALLINT": pd.UInt16Dtype(), "UTINYINT": pd.UInt8Dtype(), "BOOLEAN": pd.BooleanDtype()}
_AS_IS = frozenset({"DOUBLE", "FLOAT", "TIMESTAMP", "DATE", "INTERVAL"})  # a null: nan or NaT, as .df() gives
_TIMESTAMPTZ = "TIMESTAMP WITH TIME ZONE"


def frame(result: duckdb.DuckDBPyConnection | duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """An executed query's (or a relation's) rows as DuckDB's .df() gives them (the same columns, dtypes and values:
    tests/test_warehouse_sql.py compares every metric's frames both ways), from .fetchnumpy() at a fraction
    of the cost: .df() turns each timestamptz column to the session's time zone through pandas, ~3 ms a
    column even for one row, and ~1 ms more a query (a new filter setting pays it for every metric of the
    page, issue 17), where every session is in UTC already (queries/warehouse/_session.sql). An ENUM column gives
    its values as text (.df() would give a pandas Categorical). A query returning another column type (decimals,
    lists, structs...) gets .df() itself."""
    types = [str(d[1]) for d in result.description]
    if not all(t in _NULLABLE or t in _AS_IS or t in (_TIMESTAMPTZ, "VARCHAR") or t.startswith("ENUM(") for t in types):
        return result.df()
    out = {}
    for (name, values), kind in zip(result.fetchnumpy().items(), types, strict=True):
        masked = isinstance(values, np.ma.MaskedArray)
        if kind.startswith("ENUM("):  # application_states' fixed lists (ingest/stored.py): their text, as VARCHAR's
            values[pd.isna(values)] = None  # (nan where null, not masked)
            kind = "VARCHAR"
        if kind == _TIMESTAMPTZ:
            column = pd.DatetimeIndex(values.filled(np.datetime64("NaT")) if masked else values).tz_localize("UTC")
        elif kind == "VARCHAR":
            column = values.data if masked else values  # None where null: pandas infers str (object if all null)
        elif masked and kind in _NULLABLE:
            column = pd.array(values.data, dtype=_NULLABLE[kind]) if not values.mask.any() else \
                pd.arrays.BooleanArray(values.data, values.mask) if kind == "BOOLEAN" else \
                pd.arrays.IntegerArray(values.data, values.mask)
        else:
            column = values.filled(np.nan if values.dtype.kind == "f" else np.datetime64("NaT") if values.dtype.kind == "M"
                                   else np.timedelta64("NaT")) if masked else values
        out[name] = column if isinstance(column, pd.Index | pd.api.extensions.ExtensionArray) else pd.Series(column)
    return pd.DataFrame(out, copy=False)


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
