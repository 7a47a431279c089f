"""The storage design measured at scale: `python -m bench.storage` (figures for docs/storage.md).

At ROWS application states (default 10,000,000, built by the real ingest from the demo generator):

- ingest of a batch (BATCH rows: half new applications, half status changes of stored ones) through
  the real ingest, split into its phases: the snapshot copy, the merge statements, the rest
  (validation, checkpoint, fsync, publish); each run is rolled back so every run starts alike;
- a current-state and an "as of" breakdown by citizenship and status, three ways: validity intervals
  (the design: a range filter), a row_number() window per application over the same DuckDB table, and
  immutable Parquet batches plus a manifest (states appended, never rewritten, so the window again);
- the Parquet alternative's ingest of the same batch (write one file, replace the manifest).

This is the one module outside dashboard/warehouse.py that imports duckdb: it opens snapshots and
Parquet files the dashboard's Reader does not. Its SQL is in bench/sql/_bench_*.sql (bench.queries reads it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from bench import intake, queries, report
from dashboard import demo, ingest, warehouse
from dashboard.filters import FAR_FUTURE
from dashboard.programs import ROOT, programs

# the three layouts' breakdown by citizenship and status: label -> bench/sql/<name>.sql
SHAPES = {
    "validity intervals (DuckDB snapshot)": "_bench_breakdown_intervals",
    "row_number() window (same DuckDB table)": "_bench_breakdown_window",
    "Parquet batches + manifest (window)": "_bench_breakdown_parquet",
}



def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm: the file's pages in the buffer pool, as in a running server
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def batch_csv(root: Path, rows: int, path: Path) -> Path:
    """rows/2 new application rows (fresh ids) and rows/2 status changes of stored applications."""
    p = demo.load_params()
    prog = programs()[p["program_id"]]
    new = demo.generate(prog, p, principals=rows // 2, seed=7).iloc[: rows // 2].copy()
    for col in ("application_id", "principal_application_id"):
        new[col] = new[col].str.replace(f"{prog.id}-", f"{prog.id}-B", regex=False)
    con = duckdb.connect(str(warehouse.current_snapshot(root)), read_only=True)
    try:
        warehouse.run_script(con, "_session")
        changed = queries.run_script(con, "_bench_batch_changes", {"n": rows - len(new)}).df()
    finally:
        con.close()
    changed["status"] = "withdrawn"
    changed["status_at"] = changed["status_at"] + timedelta(days=1)
    changed["principal_application_id"] = changed["principal_application_id"].fillna("")
    for col in ("submitted_at", "status_at"):
        changed[col] = changed[col].astype(new[col].dtype)
    return demo.write_csv(pd.concat([new, changed[new.columns]], ignore_index=True), path, prog)


@contextmanager
def phase_clock(phases: dict[str, float]):
    """Time the snapshot copy and each merge script inside a real ingest (by wrapping them)."""
    copyfile, run_script = shutil.copyfile, warehouse.run_script

    def timed_copy(*a, **k):
        started = time.perf_counter()
        try:
            return copyfile(*a, **k)
        finally:
            phases["snapshot copy"] = phases.get("snapshot copy", 0) + time.perf_counter() - started

    def timed_script(con, name, params=None):
        started = time.perf_counter()
        try:
            return run_script(con, name, params)
        finally:
            phases[f"sql {name}"] = phases.get(f"sql {name}", 0) + time.perf_counter() - started

    shutil.copyfile, warehouse.run_script = timed_copy, timed_script
    try:
        yield
    finally:
        shutil.copyfile, warehouse.run_script = copyfile, run_script


def measure_batch_ingest(root: Path, batch: Path, repeats: int) -> dict:
    runs = []
    for _ in range(repeats):
        phases: dict[str, float] = {}
        started = time.perf_counter()
        with phase_clock(phases):
            s = ingest.ingest([batch], root=root)
        phases["total"] = time.perf_counter() - started
        phases["rest (read, validate, checkpoint, fsync, publish)"] = phases["total"] - sum(
            v for k, v in phases.items() if k != "total")
        runs.append(phases)
        summary = s.lines()[0]
        warehouse.rollback(root)
    keys = list(runs[0])
    return {"summary": summary, "phases_s": {k: round(statistics.median(r[k] for r in runs), 3) for k in keys}}


def parquet_layout(root: Path, folder: Path, batches: int) -> Path:
    """The states as immutable Parquet batches (no validity interval: batches are never rewritten)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    con = duckdb.connect(str(warehouse.current_snapshot(root)), read_only=True)
    try:
        warehouse.run_script(con, "_session")
        for i in range(batches):  # one ingest's states, split by application so each file stays small
            rows = queries.run_script(con, "_bench_parquet_batch", {"n": batches, "i": i}).to_arrow_table()
            pq.write_table(rows, folder / f"batch-{i:04d}.parquet")
    finally:
        con.close()
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(sorted(p.name for p in folder.glob("*.parquet"))))
    return manifest


def parquet_ingest(batch: Path, folder: Path, repeats: int) -> float:
    """Write the batch as one more Parquet file and publish a new manifest by an atomic rename."""
    df = pd.read_csv(batch, dtype=str, keep_default_na=False)
    for col in ("submitted_at", "status_at"):
        df[col] = pd.to_datetime(df[col], utc=True, format="ISO8601")
    runs = []
    for i in range(repeats):
        started = time.perf_counter()
        name = f"incoming-{i}.parquet"
        df.to_parquet(folder / name)
        listed = json.loads((folder / "manifest.json").read_text()) + [name]
        tmp = folder / "manifest.json.tmp"
        tmp.write_text(json.dumps(listed))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, folder / "manifest.json")
        runs.append(time.perf_counter() - started)
        (folder / "manifest.json").write_text(json.dumps(listed[:-1]))
        (folder / name).unlink()
    return statistics.median(runs)


def breakdown(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> list[tuple]:
    """One layout's breakdown (bench/sql/<name>.sql), its rows sorted."""
    return sorted(queries.run_script(con, name, params).fetchall())


def measure_queries(root: Path, manifest: Path, program: str, as_of, repeats: int) -> dict:
    snap = warehouse.current_snapshot(root)
    con = duckdb.connect(str(snap), read_only=True, config={"threads": 2})
    warehouse.run_script(con, "_session")
    files = [str(manifest.parent / n) for n in json.loads(manifest.read_text())]
    out: dict[str, dict[str, float]] = {}
    answers = {}
    for label, name in SHAPES.items():
        out[label] = {}
        for moment, value in (("current state", FAR_FUTURE), ("as of", as_of)):
            params = {"program": program, "as_of": value, "files": files}
            out[label][moment] = round(median_seconds(
                lambda name=name, params=params: breakdown(con, name, params), repeats), 3)
            answers[(label, moment)] = breakdown(con, name, params)
    con.close()
    for moment in ("current state", "as of"):
        first = answers[(next(iter(SHAPES)), moment)]
        for label in SHAPES:
            assert answers[(label, moment)] == first, f"{label} disagrees on the {moment} breakdown"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.storage", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--work", default=str(ROOT / "bench" / "out"))
    ap.add_argument("--reuse", action="store_true", help="keep the warehouse of an earlier run")
    ap.add_argument("--skip-queries", action="store_true", help="measure the batch ingest only")
    args = ap.parse_args(argv)
    work = Path(args.work)
    root = work / "storage" / f"rows-{args.rows}"
    machine = report.machine()
    if not (args.reuse and warehouse.current_snapshot(root)):
        print(f"building a {args.rows:,}-row warehouse", flush=True)
        build = intake.describe(intake.ingest_into(root, intake.intake_csv(args.rows, work)))
    else:
        build = None
    program = programs()[demo.load_params()["program_id"]]
    batch = batch_csv(root, args.batch, work / "storage" / f"batch-{args.batch}.csv")
    snap = warehouse.current_snapshot(root)
    result = {"rows": args.rows, "batch": args.batch, "repeats": args.repeats, "machine": machine, "build": build,
              "snapshot_mb": round(snap.stat().st_size / 2**20, 1)}
    print("batch ingest", flush=True)
    result["duckdb_ingest"] = measure_batch_ingest(root, batch, args.repeats)
    if args.skip_queries:
        print(json.dumps(result["duckdb_ingest"], indent=2))
        return 0
    print("parquet layout", flush=True)
    manifest = parquet_layout(root, work / "storage" / "parquet", 10)
    result["parquet_mb"] = round(sum(p.stat().st_size for p in manifest.parent.glob("*.parquet")) / 2**20, 1)
    result["parquet_ingest_s"] = round(parquet_ingest(batch, manifest.parent, args.repeats), 3)
    print("queries", flush=True)
    as_of = program.opens_at + timedelta(days=20)
    result["as_of"] = as_of.isoformat()
    result["queries_s"] = measure_queries(root, manifest, program.id, as_of, args.repeats)
    result["load_after"] = os.getloadavg()
    result["finished"] = report.stamp()
    intake.dump(result, work / "storage" / "results.json")
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
