"""The ingest against DuckDB's own CSV reader, on the same file in the same run (issue 18's yardstick).

    python -m bench.ingest_speed --rows 1000000 [--rows 10000000]

For each size: the bench intake CSV (bench/intake.py, generated once and reused), then in separate
processes so each peak memory is its own: DuckDB's bare `read_csv` of the file into a table (all text
columns, the baseline), `python -m dashboard.ingest` of the CSV into a fresh warehouse, and the same rows
as Parquet. Results go to bench/out/ingest-speed.json with the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
t = time.perf_counter()
con.execute("create table t as select * from read_csv($f, header = true, all_varchar = true)", {"f": sys.argv[1]})
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
TO_PARQUET = """
import sys, duckdb
duckdb.connect().read_csv(sys.argv[1], header=True, all_varchar=True).write_parquet(sys.argv[2])
"""


def bare_read_csv(csv_path: Path, work: Path) -> tuple[float, float]:
    db = work / "bare.duckdb"
    db.unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-c", BARE, str(csv_path), str(db)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[-1].split()
    db.unlink(missing_ok=True)
    return float(out[0]), float(out[1])


def measure(rows: int, work: Path, parquet: bool = True) -> dict:
    csv_path = intake.intake_csv(rows, work)
    load_before = os.getloadavg()
    bare_s, bare_mb = bare_read_csv(csv_path, work)
    print(f"{rows:,} rows: bare read_csv {bare_s:.2f} s ({bare_mb:.0f} MB), load {os.getloadavg()}", flush=True)
    run = intake.ingest_into(work / f"wh-{rows}", csv_path)
    print(f"{rows:,} rows: ingest {run.seconds:.2f} s = {run.seconds / bare_s:.2f}x, peak {run.peak_rss_mb:.0f} MB, "
          f"load {os.getloadavg()}", flush=True)
    out = {"rows": rows, "file_mb": round(csv_path.stat().st_size / 2**20, 1),
           "bare_read_csv_s": round(bare_s, 2), "bare_read_csv_peak_mb": round(bare_mb),
           "ingest_s": round(run.seconds, 2), "ingest_wall_s": round(run.wall_seconds, 2),
           "ingest_peak_mb": round(run.peak_rss_mb), "ratio_to_bare": round(run.seconds / bare_s, 2)}
    if parquet:
        path = csv_path.with_suffix(".parquet")
        if not path.exists():
            subprocess.run([sys.executable, "-c", TO_PARQUET, str(csv_path), str(path)], check=True)
        prun = intake.ingest_into(work / f"wh-{rows}-parquet", path)
        out |= {"parquet_ingest_s": round(prun.seconds, 2), "parquet_peak_mb": round(prun.peak_rss_mb)}
    return out | {"load_average_before": load_before, "load_average": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest_speed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, action="append", help="rows per intake (repeatable; default 1,000,000)")
    ap.add_argument("--work", type=Path, default=intake.CACHE,
                    help="where intakes (kept for later runs) and warehouses go (default: %(default)s)")
    ap.add_argument("--no-parquet", action="store_true", help="the CSV only")
    args = ap.parse_args(argv)
    work = args.work
    results = {"machine": f"{platform.node()} {os.cpu_count()} cores", "started": time.strftime("%Y-%m-%dT%H:%M:%SZ",
               time.gmtime()), "sizes": []}
    for rows in args.rows or [1_000_000]:
        r = measure(rows, work, parquet=not args.no_parquet)
        results["sizes"].append(r)
        print(f"{rows:,} rows ({r['file_mb']} MB): bare read_csv {r['bare_read_csv_s']} s ({r['bare_read_csv_peak_mb']} MB); "
              f"ingest {r['ingest_s']} s = {r['ratio_to_bare']}x, peak {r['ingest_peak_mb']} MB; "
              f"Parquet ingest {r.get('parquet_ingest_s')} s, peak {r.get('parquet_peak_mb')} MB; load "
              f"{tuple(round(x, 1) for x in r['load_average_before'])} before, "
              f"{tuple(round(x, 1) for x in r['load_average'])} after", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ingest-speed.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
