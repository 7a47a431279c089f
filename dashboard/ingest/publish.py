"""Publishing: the checked rows of one call become one new snapshot, or nothing changes.

The engine path (engine.py) is tried first: DuckDB reads and checks the files inside the writer and the
merge takes its rows from there. When it raises NeedsPrecise (nothing published), the precise path runs:
each batch of rows, once checked, goes into a staging DuckDB of the call's own (a temp folder it spills
to); the checks across rows (identical and conflicting states, two programs, orphans) run there in
SQL, and the rows to merge stream from it into the next snapshot. Python holds one batch at a time.

Every ingest, rejected ones included, is recorded in the ingest log (the Data loads page shows it).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard import alerts, logs, warehouse
from dashboard.ingest import engine, stored
from dashboard.ingest.format import COLUMNS, IngestRejected, Problem, Summary, phase
from dashboard.ingest.read import iter_csv_cells, iter_parquet_cells
from dashboard.ingest.validate import validate_frame
from dashboard.programs import Program, programs

_STAGE_PREFIX = "dashboard-ingest-"


def _remove_orphaned_stages() -> None:
    """Staging folders left by an ingest that was killed (its process is gone)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_STAGE_PREFIX}*-*"):
        pid = folder.name[len(_STAGE_PREFIX):].split("-")[0]
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            continue
        shutil.rmtree(folder, ignore_errors=True)


class _Stage:
    """The staging database of one call: a DuckDB of its own in a temp folder it spills to, holding every
    row read (typed, flagged), so that Python holds one batch at a time whatever the file's size."""

    def __init__(self, memory_limit: str | None):
        _remove_orphaned_stages()
        self.folder = tempfile.mkdtemp(prefix=f"{_STAGE_PREFIX}{os.getpid()}-")
        self.con = warehouse.scratch(Path(self.folder) / "stage.duckdb", memory_limit)
        warehouse.run_script(self.con, "_stage_create")
        self.rows = 0
        self.bad = 0

    def add(self, df: pd.DataFrame, bad: np.ndarray, file: str) -> None:
        n = len(df)
        table = pa.Table.from_pandas(df[[*COLUMNS, "line"]], preserve_index=False)
        table = table.append_column("file", pa.repeat(pa.scalar(file, pa.string()), n))
        table = table.append_column("bad", pa.array(bad, pa.bool_()))
        table = table.append_column("seq", pa.array(np.arange(self.rows, self.rows + n, dtype=np.int64)))
        self.con.register("batch_df", table)
        warehouse.run_script(self.con, "_stage_batch")
        self.con.unregister("batch_df")
        self.rows += n
        self.bad += int(bad.sum())

    def marked(self, name: str, column: str, message: str, problems: list[Problem],
               params: dict | None = None) -> int:
        """Run a check across rows (queries/ingest/<name>.sql): a problem for each row it sets aside."""
        found = warehouse.run_script(self.con, name, params).fetchall()
        problems.extend(Problem(file, int(line), column, message) for file, line in found)
        return len(found)

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _load(paths: Sequence[Path], progs: dict[str, Program], now: pd.Timestamp, stage: _Stage
          ) -> tuple[list[Problem], Summary]:
    """Read and check each file a batch at a time, each batch staged as it is checked."""
    summary = Summary(path="precise")
    problems = []
    for path in paths:
        batches = iter_parquet_cells(path) if path.suffix.lower() == ".parquet" else iter_csv_cells(path)
        for cells in batches:
            df, chk, dropped, identifiers = validate_frame(str(path), cells, progs, now)
            del cells
            summary.rows_read += len(df)
            if dropped:
                summary.dropped_columns[str(path)] = dropped
            if identifiers:
                summary.identifier_columns[str(path)] = identifiers
            problems.extend(chk.problems)
            stage.add(df, df.index.isin(list(chk.bad_rows)), str(path))
            del df, chk
            pa.default_memory_pool().release_unused()  # Arrow keeps freed batches for reuse otherwise
        summary.files.append(str(path))
    return problems, summary


ORIGINS = ("export", "demo")
DEFAULT_MEMORY_LIMIT = "512MB"  # DuckDB's share of an ingest; past it the merge spills beside the next snapshot.
# At 384MB the merge of a 10M export ran out of memory on a quiet machine (both threads sorting); at 512MB
# it took 89 s with a 793 MB peak (docs/benchmarks.md).
STAGE_MEMORY_LIMIT = "192MB"  # the staging database's (it only appends while the batches are read)


def ingest(paths: Sequence[str | Path], *, skip_invalid: bool = False, root: Path | None = None,
           wait_seconds: float = 0.0, now: pd.Timestamp | None = None, origin: str = "export",
           memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> Summary:
    """Validate and publish `paths` as one new snapshot. Raises IngestRejected with the problems.

    `origin` says where the records came from: "demo" for the demo build's synthetic records, "export"
    (the default) for everything else; it is recorded with the ingest (metrics.records_origin). A program
    never holds records of both origins: such an ingest is rejected.
    A rejected ingest changes no snapshot; it is recorded in the ingest log (the Data loads page shows it).
    Raises warehouse.LogUnwritable before anything else when that log cannot be appended.
    """
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}")
    warehouse.check_appendable("ingest_log.jsonl", root or warehouse.warehouse_dir())
    try:
        return _ingest(paths, skip_invalid=skip_invalid, root=root, wait_seconds=wait_seconds, now=now,
                       origin=origin, memory_limit=memory_limit)
    except IngestRejected as exc:
        first = sorted(exc.problems, key=lambda p: (p.file, p.line))[:1]
        logs.append(logs.INGEST_LOG, {
            "event": "rejected", "at": warehouse.now_utc().isoformat(), "files": [str(p) for p in paths],
            "problems": len(exc.problems), "first_problem": str(first[0]) if first else "",
        }, root or warehouse.warehouse_dir())
        raise


def _ingest(paths: Sequence[str | Path], *, skip_invalid: bool, root: Path | None, wait_seconds: float,
            now: pd.Timestamp | None, origin: str, memory_limit: str | None) -> Summary:
    started, cpu_started = time.monotonic(), time.process_time()
    paths = [Path(p) for p in paths]
    progs = programs()
    now = (now or pd.Timestamp.now(tz="UTC")).floor("us")  # DuckDB's timestamps hold microseconds
    root = root or warehouse.warehouse_dir()
    expect_bytes = sum(p.stat().st_size for p in paths)
    passes = engine.BytePasses(paths)
    with ThreadPoolExecutor(1) as pool:  # the files' hash (and the engine path's scan) read while DuckDB reads them
        hashing = pool.submit(passes.files_hash)
        summary = Summary()
        try:
            _publish_engine(paths, progs, now, root, wait_seconds, origin, expect_bytes, memory_limit, summary,
                            hashing, passes)
        except _Unchanged:
            summary.snapshot = None  # every row is stored already: no new snapshot
        except engine.NeedsPrecise:
            passes.stop.set()  # no scan is waited on now (the hash reads on)
            tried = summary.phases
            summary = _ingest_precise(paths, progs, now, root, skip_invalid, wait_seconds, origin, expect_bytes,
                                      memory_limit, hashing)
            summary.phases = {**{f"engine {k}": v for k, v in tried.items()}, **summary.phases}
        finally:
            passes.stop.set()
        file_hash = hashing.result()
    summary.seconds = time.monotonic() - started
    summary.cpu_seconds = time.process_time() - cpu_started
    logs.append(logs.INGEST_LOG, {
        "event": "ingest" if summary.snapshot else "ingest-unchanged", "ingest_id": summary.ingest_id,
        "snapshot": summary.snapshot, "at": now.isoformat(),
        "files": summary.files, "file_hash": file_hash, "rows_read": summary.rows_read,
        "inserted": summary.inserted, "updated": summary.updated, "unchanged": summary.unchanged,
        "rejected": summary.rejected, "seconds": round(summary.seconds, 3),
        "cpu_seconds": round(summary.cpu_seconds, 3), "phases": summary.phases,
    }, root)
    if summary.snapshot:
        warehouse.prune(root)
        alerts.after_ingest(root)  # starts a checker and returns: alerts never hold up or fail an ingest
    return summary


def _ingest_precise(paths: list[Path], progs: dict[str, Program], now: pd.Timestamp, root: Path, skip_invalid: bool,
                    wait_seconds: float, origin: str, expect_bytes: int, memory_limit: str | None,
                    hashing: Future) -> Summary:
    """The precise path: each file read and checked a batch at a time in Python, every problem named by
    file, line and column; the checks across rows in a staging database."""
    stage = _Stage(STAGE_MEMORY_LIMIT)
    try:
        problems, summary = _load(paths, progs, now, stage)
        warehouse.run_script(stage.con, "_stage_duplicates")
        stage.marked("_stage_conflicts", "status_at",
                     "another row of this application has the same status_at with different values; keep one",
                     problems)
        stage.marked("_stage_programs", "program_id", "this application_id appears under two programs", problems)
        if problems and not skip_invalid:
            raise IngestRejected(sorted(problems, key=lambda p: (p.file, p.line)))
        try:
            _publish(stage, problems, summary, hashing, root, skip_invalid, wait_seconds, now, origin,
                     expect_bytes=expect_bytes, memory_limit=memory_limit)
        except _Unchanged:
            summary.snapshot = None  # every row is stored already: no new snapshot
    finally:
        stage.close()
    return summary


def _publish_engine(paths: list[Path], progs: dict[str, Program], now: pd.Timestamp, root: Path,
                    wait_seconds: float, origin: str, expect_bytes: int, memory_limit: str | None, summary: Summary,
                    hashing: Future, passes: engine.BytePasses) -> None:
    """The engine path (engine.py): DuckDB reads and checks the files inside the writer; NeedsPrecise, with
    nothing published, as soon as anything needs the precise path's reading or its messages."""
    with ExitStack() as steps, warehouse.writer(root, wait_seconds=wait_seconds, expect_bytes=expect_bytes,
                                                memory_limit=memory_limit) as con:
        engine.load(con, paths, progs, now, summary, passes)
        with phase(summary, "stored"):
            if len(warehouse.run_script(con, "_other_origin", {"origin": origin}).fetchall()):
                raise engine.NeedsPrecise
            warehouse.run_script(con, "_stored_touched")
            if len(warehouse.run_script(con, "_stored_conflicts").fetchall()):
                raise engine.NeedsPrecise
        with phase(summary, "merge"):
            try:
                _merge(con, summary, 0, [], now, hashing, origin, verify=True)
            except warehouse.DatabaseError as exc:
                if VERIFY_FAILED not in str(exc):
                    raise
                raise engine.NeedsPrecise from None
        with phase(summary, "checkpoint"):
            warehouse.run_script(con, "_checkpoint")
        steps.enter_context(phase(summary, "publish"))  # ends after the writer's own: close, fsync, rename, CURRENT
    summary.snapshot = warehouse.current_snapshot(root).name


def _check_origin(con, origin: str) -> None:
    """Reject the ingest when a program of its rows holds records of the other origin. Refused rather than
    turning the program real: a real export added to the synthetic demo records would make every count of
    the program (the cap moment first) a sum of invented and real applications, shown as real."""
    mixed = warehouse.run_script(con, "_other_origin", {"origin": origin}).df()["program_id"].tolist()
    if not mixed:
        return
    problems = []
    for program in mixed:
        file, line = warehouse.run_script(con, "_incoming_first_of_program", {"program": program}).fetchone()
        if origin == "export":
            text = (f"program {program} holds the demo build's synthetic records, and real records are never mixed "
                    "with them; ingest real exports into a warehouse without the demo (a new DASHBOARD_WAREHOUSE "
                    "folder; python -m dashboard.build --reference loads the reference statistics into it)")
        else:
            text = f"program {program} holds real records; the demo build never writes synthetic records into it"
        problems.append(Problem(file, int(line), "program_id", text))
    raise IngestRejected(problems)


class _Unchanged(Exception):
    """Nothing new to store: the writer discards its copy."""


def _publish(stage: _Stage, problems: list[Problem], summary: Summary, hashing: Future, root: Path,
             skip_invalid: bool, wait_seconds: float, now: pd.Timestamp, origin: str, expect_bytes: int,
             memory_limit: str | None) -> None:
    with warehouse.writer(root, wait_seconds=wait_seconds, expect_bytes=expect_bytes,
                          memory_limit=memory_limit) as con:
        wanted = [r[0] for r in warehouse.run_script(stage.con, "_stage_named_principals").fetchall()]
        if wanted:
            present = {r[0] for r in warehouse.run_script(con, "_stored_principals", {"ids": wanted}).fetchall()}
            stage.marked("_stage_orphans", "principal_application_id",
                         "no principal application with this id is in the file or already stored", problems,
                         {"ids": [w for w in wanted if w not in present]})

        # Handed over as an Arrow stream: neither side holds the whole call in Python.
        rows = stage.con.sql(warehouse.sql_text("_stage_incoming_rows")).to_arrow_reader(batch_size=100_000)
        con.register("incoming_df", rows)
        warehouse.run_script(con, "_stage_incoming")
        con.unregister("incoming_df")
        _check_origin(con, origin)
        warehouse.run_script(con, "_stored_touched")
        clash = warehouse.run_script(con, "_stored_conflicts").df()
        if len(clash):
            for _, r in clash.iterrows():
                problems.append(Problem(r["file"], int(r["line"]), "status_at",
                                        "a stored state of this application has the same status_at with different "
                                        "values; send a new status_at for a change"))
            if not skip_invalid:
                raise IngestRejected(problems)
            warehouse.run_script(con, "_drop_incoming", {"files": clash["file"].tolist(), "lines": clash["line"].tolist()})

        stored.ensure(con)
        flagged = warehouse.run_script(stage.con, "_stage_flagged_count").fetchone()[0]
        rejected_rows = stage.bad + int(flagged) + len(clash)
        if problems and not skip_invalid:
            raise IngestRejected(sorted(problems, key=lambda p: (p.file, p.line)))
        _merge(con, summary, rejected_rows, problems, now, hashing, origin)
    summary.snapshot = warehouse.current_snapshot(root).name



VERIFY_FAILED = "engine-verify:"  # the merge's own check failed (queries/ingest/_merge_incoming.sql)
# The merge in one sort (_merge_runs.sql) when at most one application in SPLIT_SHARE has its states apart
# (_engine_runs.sql: chunks of DuckDB's parallel read interleave, splitting about one application per chunk);
# a file in another order takes the window over every row (_merge_incoming.sql) as before.
SPLIT_SHARE = 20


def _merge(con, summary: Summary, rejected_rows: int, problems: list[Problem], now: pd.Timestamp, hashing: Future,
           origin: str, verify: bool = False) -> None:
    """The incoming rows into the history, and the ingest recorded in the snapshot; _Unchanged when
    nothing is new. With `verify`, a state twice for one application or an application under two programs
    raises a DatabaseError holding VERIFY_FAILED (the engine path's verdict leaves those to the merge)."""
    fresh = warehouse.run_script(con, "_stored_none").fetchone()[0]
    if fresh:  # none of the incoming applications is stored: read them in place
        warehouse.run_script(con, "_new_states_fresh")
    else:
        warehouse.run_script(con, "_new_states")
    apps, split = warehouse.run_script(con, "_engine_runs").fetchone() if verify and fresh else (0, 1)
    if split * SPLIT_SHARE <= apps:  # each application's states lie together: one sort, not two
        ingest_id, inserted, updated, current = warehouse.run_script(con, "_merge_runs").fetchone()
        if current != apps:  # a scan in another order than _engine_runs.sql's: the precise path does it
            raise engine.NeedsPrecise
    else:
        ingest_id, inserted, updated = warehouse.run_script(con, "_merge_incoming", {"verify": verify}).fetchone()
    summary.inserted, summary.updated = int(inserted), int(updated)
    summary.unchanged = summary.rows_read - rejected_rows - summary.inserted - summary.updated
    summary.rejected = rejected_rows
    summary.problems = sorted(problems, key=lambda p: (p.file, p.line))
    if summary.inserted + summary.updated == 0:
        raise _Unchanged
    summary.ingest_id = int(ingest_id)
    warehouse.run_script(con, "_record_ingest", {
        "ingest_id": summary.ingest_id, "when": now.to_pydatetime(), "files": ";".join(summary.files),
        "hash": hashing.result(), "rows_read": summary.rows_read, "inserted": summary.inserted,
        "updated": summary.updated, "unchanged": summary.unchanged, "rejected": summary.rejected,
        "origin": origin,
    })
