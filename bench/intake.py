"""Synthetic intakes at scale (the demo generator, seeded) and their warehouses, built by the real ingest.

An intake of R rows is the demo generator's output for enough principals, cut to its first R rows in
submission order: a cut there keeps every family member's principal and every application's first
state, so the file is a valid export of exactly R rows. Generated files are kept in the work folder
(keyed by rows, seed and a hash of the generator) and reused by later runs; warehouses are always
rebuilt, since their ingest is what is measured.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import peak
from dashboard import demo, reference, warehouse
from dashboard.programs import ROOT, programs

SEED = 20240716
CACHE = Path(tempfile.gettempdir()) / "bench-intakes"  # generated intakes kept for later runs (10M: 13 minutes)


@dataclass
class IngestRun:
    rows: int
    seconds: float  # the ingest's own figure: read, validate, merge, publish
    wall_seconds: float  # the whole `python -m dashboard.ingest` process, interpreter start included
    peak_rss_mb: float
    summary: str
    cpu_seconds: float = float("nan")  # the ingest's own CPU over `seconds`, DuckDB's threads included

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def generator_hash() -> str:
    h = hashlib.sha256()
    for path in (ROOT / "dashboard" / "demo.py", demo.DEMO_PARAMS):
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def principals_for(rows: int, seed: int = SEED) -> int:
    """Enough principals for `rows` rows: states per principal measured on a sample, plus a margin."""
    p = demo.load_params()
    prog = programs()[p["program_id"]]
    guess = max(rows // 4, 50)
    sample = min(guess, 50_000)
    per_principal = len(demo.generate(prog, p, principals=sample, seed=seed)) / sample
    return int(rows / per_principal * 1.04) + 50


def intake_csv(rows: int, work: Path, seed: int = SEED) -> Path:
    """The export of exactly `rows` application rows (generated once, then reused)."""
    path = work / "intakes" / f"intake-{rows}-{seed}-{generator_hash()}.csv"
    if path.exists():
        return path
    p = demo.load_params()
    prog = programs()[p["program_id"]]
    n = principals_for(rows, seed)
    while True:
        df = demo.generate(prog, p, principals=n, seed=seed)
        if len(df) >= rows:
            break
        n = int(n * 1.1)
    tmp = path.with_suffix(".tmp")
    demo.write_csv(df.iloc[:rows], tmp, prog)
    os.replace(tmp, path)
    return path


def ingest_into(root: Path, csv_path: Path) -> IngestRun:
    """A fresh warehouse at `root`: the reference statistics (untimed), then the intake through
    `python -m dashboard.ingest`, in its own process so its time and peak memory are its own."""
    if root.exists():
        shutil.rmtree(root)
    with warehouse.writer(root) as con:
        reference.load(con)
    env = {**os.environ, "DASHBOARD_WAREHOUSE": str(root), "PYTHONPATH": str(ROOT)}
    log = root.parent / f"{root.name}-ingest.log"
    with log.open("w") as fh:
        started = time.perf_counter()
        code, peak_mib = peak.run_module("dashboard.ingest", [str(csv_path)], cwd=ROOT, env=env, stdout=fh,
                                         stderr=subprocess.STDOUT)
        wall = time.perf_counter() - started
    out = log.read_text()
    if code != 0:
        raise RuntimeError(f"ingest of {csv_path} failed ({code}):\n{out[-3000:]}")
    seconds = float(re.search(r" in ([0-9.]+) s", out).group(1))
    rows = int(re.search(r"rows read ([0-9,]+)", out).group(1).replace(",", ""))
    logged = [json.loads(ln) for ln in (root / "ingest_log.jsonl").read_text().splitlines() if ln.strip()]
    cpu = next((r["cpu_seconds"] for r in reversed(logged) if r.get("event") == "ingest" and "cpu_seconds" in r),
               float("nan"))
    return IngestRun(rows, seconds, wall, peak_mib, out.strip().splitlines()[0], cpu)


def describe(run: IngestRun) -> dict:
    return {"rows": run.rows, "seconds": run.seconds, "wall_seconds": run.wall_seconds,
            "rows_per_second": run.rows_per_second, "peak_rss_mb": run.peak_rss_mb, "summary": run.summary}


def dump(obj: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, default=str))
