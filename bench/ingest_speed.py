"""The ingest against DuckDB's own CSV reader, on the same file in the same run (issue 18's yardstick).

    python -m bench.ingest_speed --rows 1000000 [--rows 10000000] [--repeats 3] [--no-parquet]

For each size: the bench intake CSV (bench/intake.py, generated once and reused), then in separate
processes so each peak memory is its own, taken in turns `--repeats` times (default 3 below 5M rows, 1
from there) so each pair runs in the same minutes: DuckDB's bare `read_csv` of the file into a table
(all text columns, the baseline), then `python -m dashboard.ingest` of the CSV into a fresh warehouse
holding the reference statistics; last, the same rows as Parquet. Wall seconds and CPU seconds (every
thread) of each, their ratios per round and the medians. The ingest's figures are its own (from its
start to the snapshot published: the interpreter's start and imports are not counted, nor the alerts
checker it may start, which runs on its own after the ingest and is off unless data/alerts.toml exists).
Results go to bench/out/ingest-speed.json with the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import intake
from dashboard.programs import ROOT

OUT = ROOT / "bench" / "out"
BARE = """
import resource, sys, time, duckdb
con = duckdb.connect(sys.argv[2])
con.execute("set enable_progress_bar = false")
t, c = time.perf_counter(), time.process_time()
con.execute("create table t as select * from read_csv($f, header = true, all_varchar = true)", {"f": sys.argv[1]})
print(time.perf_counter() - t, time.process_time() - c, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
TO_PARQUET = """
import sys, duckdb
duckdb.connect().read_csv(sys.argv[1], header=True, all_varchar=True).write_parquet(sys.argv[2])
"""


def bare_read_csv(csv_path: Path, work: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MB) of DuckDB's bare read_csv of the file into a table."""
    db = work / "bare.duckdb"
    db.unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-c", BARE, str(csv_path), str(db)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[-1].split()
    db.unlink(missing_ok=True)
    return float(out[0]), float(out[1]), float(out[2])


def _load() -> list[float]:
    return [round(x, 1) for x in os.getloadavg()]


def measure(rows: int, work: Path, parquet: bool = True, repeats: int | None = None) -> dict:
    csv_path = intake.intake_csv(rows, work)
    repeats = repeats or (3 if rows < 5_000_000 else 1)
    load_before = _load()
    rounds = []
    for n in range(repeats):
        load = _load()
        bare_s, bare_cpu, bare_mb = bare_read_csv(csv_path, work)
        run = intake.ingest_into(work / f"wh-{rows}", csv_path)
        r = {"round": n + 1, "load_average": load, "bare_read_csv_s": round(bare_s, 2),
             "bare_read_csv_cpu_s": round(bare_cpu, 2), "bare_read_csv_peak_mb": round(bare_mb),
             "ingest_s": round(run.seconds, 2), "ingest_cpu_s": round(run.cpu_seconds, 2),
             "ingest_wall_s": round(run.wall_seconds, 2), "ingest_peak_mb": round(run.peak_rss_mb),
             "ratio_to_bare": round(run.seconds / bare_s, 2), "cpu_ratio_to_bare": round(run.cpu_seconds / bare_cpu, 2)}
        rounds.append(r)
        print(f"{rows:,} rows, round {n + 1}: bare read_csv {bare_s:.2f} s (CPU {bare_cpu:.2f} s, {bare_mb:.0f} MB); "
              f"ingest {run.seconds:.2f} s (CPU {run.cpu_seconds:.2f} s) = {r['ratio_to_bare']}x wall, "
              f"{r['cpu_ratio_to_bare']}x CPU, peak {run.peak_rss_mb:.0f} MB; load {load} -> {_load()}", flush=True)
    med = lambda k: round(statistics.median(r[k] for r in rounds), 2)  # noqa: E731
    out = {"rows": rows, "file_mb": round(csv_path.stat().st_size / 2**20, 1), "repeats": repeats,
           **{k: med(k) for k in ("bare_read_csv_s", "bare_read_csv_cpu_s", "ingest_s", "ingest_cpu_s",
                                  "ingest_wall_s", "ratio_to_bare", "cpu_ratio_to_bare")},
           "bare_read_csv_peak_mb": max(r["bare_read_csv_peak_mb"] for r in rounds),
           "ingest_peak_mb": max(r["ingest_peak_mb"] for r in rounds), "rounds": rounds}
    if parquet:
        path = csv_path.with_suffix(".parquet")
        if not path.exists():
            subprocess.run([sys.executable, "-c", TO_PARQUET, str(csv_path), str(path)], check=True)
        prun = intake.ingest_into(work / f"wh-{rows}-parquet", path)
        out |= {"parquet_ingest_s": round(prun.seconds, 2), "parquet_ingest_cpu_s": round(prun.cpu_seconds, 2),
                "parquet_peak_mb": round(prun.peak_rss_mb)}
    return out | {"load_average_before": load_before, "load_average": _load()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest_speed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, action="append", help="rows per intake (repeatable; default 1,000,000)")
    ap.add_argument("--repeats", type=int, default=None,
                    help="rounds of bare read and ingest in turns (default 3 below 5M rows, 1 from there)")
    ap.add_argument("--work", type=Path, default=intake.CACHE,
                    help="where intakes (kept for later runs) and warehouses go (default: %(default)s)")
    ap.add_argument("--no-parquet", action="store_true", help="the CSV only")
    args = ap.parse_args(argv)
    work = args.work
    results = {"machine": f"{platform.node()} {os.cpu_count()} cores", "started": time.strftime("%Y-%m-%dT%H:%M:%SZ",
               time.gmtime()), "sizes": []}
    for rows in args.rows or [1_000_000]:
        r = measure(rows, work, parquet=not args.no_parquet, repeats=args.repeats)
        results["sizes"].append(r)
        print(f"{rows:,} rows ({r['file_mb']} MB), median of {r['repeats']}: bare read_csv {r['bare_read_csv_s']} s "
              f"(CPU {r['bare_read_csv_cpu_s']} s, {r['bare_read_csv_peak_mb']} MB); ingest {r['ingest_s']} s (CPU "
              f"{r['ingest_cpu_s']} s) = {r['ratio_to_bare']}x wall, {r['cpu_ratio_to_bare']}x CPU, peak "
              f"{r['ingest_peak_mb']} MB; Parquet ingest {r.get('parquet_ingest_s')} s (CPU "
              f"{r.get('parquet_ingest_cpu_s')} s), peak {r.get('parquet_peak_mb')} MB; load "
              f"{tuple(r['load_average_before'])} before, {tuple(r['load_average'])} after", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ingest-speed.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
