"""Publishing: the checked rows of one call become one new snapshot, or nothing changes.

Every ingest, rejected ones included, is recorded in the ingest log (the Data loads page shows it).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from dashboard import alerts, logs, warehouse
from dashboard.ingest.format import COLUMNS, IngestRejected, Problem, Summary
from dashboard.ingest.read import read_csv_cells, read_parquet_cells
from dashboard.ingest.validate import (
    conflicts_within,
    first_copies,
    is_in,
    program_conflicts,
    validate_frame,
)
from dashboard.programs import Program, programs


def _load(paths: Sequence[Path], progs: dict[str, Program], now: pd.Timestamp
          ) -> tuple[pd.DataFrame, list[Problem], Summary, str]:
    summary = Summary()
    frames, problems = [], []
    digest = hashlib.sha256()
    for path in paths:
        if path.suffix.lower() == ".parquet":
            digest.update(bytes.fromhex(warehouse.file_sha256(path)))
            cells = read_parquet_cells(path)
        else:
            digest.update(bytes.fromhex(warehouse.file_sha256(path)))
            cells = read_csv_cells(path)
        df, chk, dropped, identifiers = validate_frame(str(path), cells, progs, now)
        del cells
        summary.files.append(str(path))
        summary.rows_read += len(df)
        if dropped:
            summary.dropped_columns[str(path)] = dropped
        if identifiers:
            summary.identifier_columns[str(path)] = identifiers
        problems.extend(chk.problems)
        df["_bad"] = df.index.isin(list(chk.bad_rows))
        frames.append(df)
    data = pd.concat(frames, ignore_index=True)
    return data, problems, summary, digest.hexdigest()


def _mark(df: pd.DataFrame, rows: pd.DataFrame, column: str, message: str, problems: list[Problem]) -> pd.Series:
    for _, r in rows.iterrows():
        problems.append(Problem(r["file"], int(r["line"]), column, message))
    return df.index.isin(rows.index)


ORIGINS = ("export", "demo")
DEFAULT_MEMORY_LIMIT = "1GB"  # DuckDB's share of an ingest; past it the merge spills beside the next snapshot


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
    started = time.monotonic()
    paths = [Path(p) for p in paths]
    progs = programs()
    now = now or pd.Timestamp.now(tz="UTC")
    data, problems, summary, file_hash = _load(paths, progs, now)
    valid = ~data["_bad"]
    data["_first"], shared = first_copies(data)
    conflict = conflicts_within(data[valid & data["_first"] & shared])
    valid &= ~_mark(data, conflict, "status_at",
                    "another row of this application has the same status_at with different values; keep one",
                    problems)
    multi = program_conflicts(data[valid])
    valid &= ~_mark(data, multi, "program_id", "this application_id appears under two programs", problems)
    if problems and not skip_invalid:
        raise IngestRejected(sorted(problems, key=lambda p: (p.file, p.line)))

    root = root or warehouse.warehouse_dir()
    try:
        _publish(data, valid, problems, summary, file_hash, root, skip_invalid, wait_seconds, now, origin,
                 expect_bytes=sum(p.stat().st_size for p in paths), memory_limit=memory_limit)
    except _Unchanged:
        summary.snapshot = None  # every row is stored already: no new snapshot
    summary.seconds = time.monotonic() - started
    logs.append(logs.INGEST_LOG, {
        "event": "ingest" if summary.snapshot else "ingest-unchanged", "ingest_id": summary.ingest_id,
        "snapshot": summary.snapshot, "at": now.isoformat(),
        "files": summary.files, "file_hash": file_hash, "rows_read": summary.rows_read,
        "inserted": summary.inserted, "updated": summary.updated, "unchanged": summary.unchanged,
        "rejected": summary.rejected, "seconds": round(summary.seconds, 3),
    }, root)
    if summary.snapshot:
        warehouse.prune(root)
        alerts.after_ingest(root)  # starts a checker and returns: alerts never hold up or fail an ingest
    return summary


def _check_origin(con, incoming: pd.DataFrame, origin: str) -> None:
    """Reject the ingest when a program of its rows holds records of the other origin. Refused rather than
    turning the program real: a real export added to the synthetic demo records would make every count of
    the program (the cap moment first) a sum of invented and real applications, shown as real."""
    mixed = warehouse.run_script(con, "_other_origin", {"origin": origin}).df()["program_id"].tolist()
    if not mixed:
        return
    problems = []
    for program in mixed:
        first = incoming[incoming["program_id"] == program].iloc[0]
        if origin == "export":
            text = (f"program {program} holds the demo build's synthetic records, and real records are never mixed "
                    "with them; ingest real exports into a warehouse without the demo (a new DASHBOARD_WAREHOUSE "
                    "folder; python -m dashboard.build --reference loads the reference statistics into it)")
        else:
            text = f"program {program} holds real records; the demo build never writes synthetic records into it"
        problems.append(Problem(str(first["file"]), int(first["line"]), "program_id", text))
    raise IngestRejected(problems)


class _Unchanged(Exception):
    """Nothing new to store: the writer discards its copy."""


def _publish(data: pd.DataFrame, valid: pd.Series, problems: list[Problem], summary: Summary, file_hash: str,
             root: Path, skip_invalid: bool, wait_seconds: float, now: pd.Timestamp, origin: str,
             expect_bytes: int, memory_limit: str | None) -> None:
    with warehouse.writer(root, wait_seconds=wait_seconds, expect_bytes=expect_bytes,
                          memory_limit=memory_limit) as con:
        named = data["principal_application_id"]
        names = valid & named.notna()
        names &= ~is_in(named, data.loc[valid & (data["applicant_role"] == "principal"), "application_id"])
        if names.any():
            wanted = sorted(named[names].unique())
            stored = warehouse.run_script(con, "_stored_principals", {"ids": wanted}).df()["application_id"]
            names &= ~is_in(named, stored)
        orphan = data[names]
        valid &= ~_mark(data, orphan, "principal_application_id",
                        "no principal application with this id is in the file or already stored", problems)

        incoming = data[valid & data["_first"]]
        # Handed over as Arrow: DuckDB reads it without converting each text value through Python.
        con.register("incoming_df", pa.Table.from_pandas(incoming[[*COLUMNS, "line", "file"]], preserve_index=False))
        warehouse.run_script(con, "_stage_incoming")
        con.unregister("incoming_df")
        _check_origin(con, incoming, origin)
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

        rejected_rows = int((~valid).sum()) + len(clash)
        if problems and not skip_invalid:
            raise IngestRejected(sorted(problems, key=lambda p: (p.file, p.line)))
        row = warehouse.run_script(con, "_merge_incoming").fetchone()
        ingest_id, inserted, updated = row
        summary.inserted, summary.updated = int(inserted), int(updated)
        summary.unchanged = summary.rows_read - rejected_rows - summary.inserted - summary.updated
        summary.rejected = rejected_rows
        summary.problems = sorted(problems, key=lambda p: (p.file, p.line))
        if summary.inserted + summary.updated == 0:
            raise _Unchanged
        summary.ingest_id = int(ingest_id)
        warehouse.run_script(con, "_record_ingest", {
            "ingest_id": summary.ingest_id, "when": now.to_pydatetime(), "files": ";".join(summary.files),
            "hash": file_hash, "rows_read": summary.rows_read, "inserted": summary.inserted,
            "updated": summary.updated, "unchanged": summary.unchanged, "rejected": summary.rejected,
            "origin": origin,
        })
    summary.snapshot = warehouse.current_snapshot(root).name

