"""Fault trials: `make reliability` runs the long versions; tests/test_faults.py the short ones.

    python -m bench.reliability                       # all of it (about 15 minutes on 2 cores, and crash-big)
    python -m bench.reliability crash --trials 60     # SIGKILL an ingest at random moments
    python -m bench.reliability crash-big             # 20 SIGKILLs during a 10M-row ingest (bench/intake.py):
                                                      # 20 part-runs of a 90-560 s ingest (quiet to busy): 20 min to 2 h
    python -m bench.reliability viewing --sessions 10 --ingests 20
    python -m bench.reliability hostile               # every corpus file and generated hostile ones, a full disk
    python -m bench.reliability fuzz --examples 200   # the hypothesis fuzzers with many examples
    python -m bench.reliability load --sessions 20 --minutes 5   # bench/load.py

Results go to bench/out/reliability-*.json and a summary to stdout; docs/reliability.md quotes them.
Every trial works in its own temporary warehouse, with its own programs file, on the loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRACE_ENV = "DASHBOARD_INGEST_TRACE"  # dashboard/ingest/format.py: where an ingest appends its steps
OUT = ROOT / "bench" / "out"
COLUMNS = ["application_id", "program_id", "submitted_at", "applicant_role", "principal_application_id",
           "permit_type", "citizenship", "birth_country", "us_state", "intended_province", "status", "status_at"]
PROGRAM = "fault-intake"
PROGRAMS_TOML = f"""# Written by bench/reliability.py: one synthetic program with a cap no trial reaches.
[[program]]
id = "{PROGRAM}"
name_en = "Fault-trial intake"
name_fr = "Programme des essais de pannes"
time_zone = "America/Toronto"
opens_at = "2023-07-16T09:00:00"
cap = 1000000
counts_toward_cap = ["principal"]
synthetic = true
"""
OPENS = datetime(2023, 7, 16, 9, 0)
COUNTRIES = ["IND", "CHN", "KOR", "PHL", "BRA", "NGA", "MEX", "PAK"]


# ------------------------------------------------------------------ data

def batch(tag: str, principals: int, family: int, start: datetime, rng: random.Random,
          updates: list[tuple[str, datetime, str]] = ()) -> list[dict]:
    """Export rows: `principals` new principals (principal i of tag T is T-Pi, submitted at start + i s,
    citizenship country(T, i)), `family` spouses of them, and a later status for each
    (application_id, submitted_at, citizenship) in `updates`."""
    rows = []
    for i in range(principals):
        at = (start + timedelta(seconds=i)).isoformat(timespec="seconds")
        rows.append(_row(f"{tag}-P{i}", at, "principal", "", country(tag, i)))
    for i in range(family):
        at = (start + timedelta(seconds=i, minutes=30)).isoformat(timespec="seconds")
        rows.append(_row(f"{tag}-F{i}", at, "spouse", f"{tag}-P{i % principals}", country(tag, i)))
    for app_id, submitted, citizenship in updates:
        # a status time no other batch uses for this application: (start - OPENS) is unique per batch
        later = (submitted + timedelta(days=rng.randint(1, 60)) + (start - OPENS) / 1000).isoformat(timespec="seconds")
        rows.append(_row(app_id, submitted.isoformat(timespec="seconds"), "principal", "", citizenship,
                         status=rng.choice(["in_review", "approved", "refused"]), status_at=later))
    return rows


def country(tag: str, i: int) -> str:
    return COUNTRIES[(len(tag) + i) % len(COUNTRIES)]


def _row(app_id: str, submitted: str, role: str, principal: str, citizenship: str, *,
         status: str = "submitted", status_at: str | None = None) -> dict:
    return {"application_id": app_id, "program_id": PROGRAM, "submitted_at": submitted, "applicant_role": role,
            "principal_application_id": principal,
            "permit_type": "open_work_permit" if role == "principal" else "work_permit",
            "citizenship": citizenship, "birth_country": "", "us_state": "", "intended_province": "",
            "status": status, "status_at": status_at or submitted}


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


@dataclass
class Site:
    """A scratch folder with its programs file and warehouse, and the environment that names them."""

    folder: Path

    @property
    def warehouse(self) -> Path:
        return self.folder / "warehouse"

    @property
    def env(self) -> dict[str, str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DASHBOARD_WAREHOUSE": str(self.warehouse),
               "DASHBOARD_KEEP_SNAPSHOTS": "3"}
        env.pop("DASHBOARD_PROGRAMS", None)
        if (self.folder / "programs.toml").exists():
            env["DASHBOARD_PROGRAMS"] = str(self.folder / "programs.toml")
        return env


@contextmanager
def site(parent: Path | None = None, programs: bool = True) -> Iterator[Site]:
    """A scratch folder; with `programs`, its own programs file (the fault-trial program), else data/programs.toml."""
    folder = Path(tempfile.mkdtemp(prefix="reliability-", dir=parent))
    if programs:
        (folder / "programs.toml").write_text(PROGRAMS_TOML)
    try:
        yield Site(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_ingest(s: Site, path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard.ingest", str(path), *extra], cwd=ROOT, env=s.env,
                          capture_output=True, text=True, timeout=600)


def fingerprint(root: Path) -> str:
    """A hash of what the published snapshot holds: every application state and every recorded ingest."""
    from bench import queries
    from dashboard import warehouse

    reader = warehouse.Reader(root)
    try:
        h = hashlib.sha256()
        states = queries.query("_bench_states", reader=reader)
        h.update(states.sort_values(["application_id", "status_at"]).to_csv(index=False).encode())
        h.update(queries.query("_bench_ingests", reader=reader).to_csv(index=False).encode())
        return h.hexdigest()
    finally:
        reader.close()


# ------------------------------------------------------------------ crash safety

@dataclass
class CrashTrial:
    number: int
    mode: str            # "anywhere": a delay after the start; "writer": a delay after the next snapshot's file appears;
                         # "fraction": a fraction of the ingest's measured time (crash-big)
    delay_s: float
    phase: str           # where the process was when killed: starting, writing, published (the new snapshot is
                         # current, the process was logging and pruning), finished (it ended before the kill)
    outcome: str         # before, after, or MIX (a failure)
    opens: bool          # the warehouse opened and answered a query afterwards
    fraction: float | None = None  # crash-big: the moment as a fraction of the ingest's measured time
    step: str = ""       # crash-big: the ingest's step at the kill (its trace), or the phase above


def _reference_after(s: Site, path: Path) -> str:
    """The fingerprint of the warehouse once `path` is ingested, computed on a copy."""
    from dashboard.ingest import ingest

    ref = s.folder / "reference"
    shutil.rmtree(ref, ignore_errors=True)
    shutil.copytree(s.warehouse, ref)
    old = os.environ.get("DASHBOARD_PROGRAMS")
    os.environ["DASHBOARD_PROGRAMS"] = str(s.folder / "programs.toml")
    try:
        ingest([path], root=ref)
        return fingerprint(ref)
    finally:
        if old is None:
            os.environ.pop("DASHBOARD_PROGRAMS", None)
        else:
            os.environ["DASHBOARD_PROGRAMS"] = old
        shutil.rmtree(ref, ignore_errors=True)


def _tmp_files(root: Path) -> set[tuple[str, int, int]]:
    """The writers' temporary files present now, by name, inode and modification time."""
    out = set()
    for p in (root / "snapshots").glob(".tmp-*"):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        out.add((p.name, st.st_ino, st.st_mtime_ns))
    return out


def _tmp_exists(root: Path, stale: set = frozenset()) -> bool:
    """True when a writer's temporary file exists that is not one of `stale` (left by an earlier kill)."""
    return bool(_tmp_files(root) - stale)


def digest(root: Path) -> str:
    """What the published snapshot holds (states and ingests), as sums computed in DuckDB: cheap at 10M rows."""
    from bench import queries
    from dashboard import warehouse

    reader = warehouse.Reader(root)
    try:
        return queries.query("_bench_state_digest", reader=reader).to_csv(index=False)
    finally:
        reader.close()


def big_crash_trials(rows: int = 10_000_000, trials: int = 20, *, work: Path | None = None, seed: int = 18,
                     log=print) -> dict:
    """SIGKILL `python -m dashboard.ingest` of the bench intake of `rows` rows (bench/intake.py) `trials`
    times, each time on a fresh copy of a warehouse holding only the reference statistics: after each kill
    the warehouse must hold exactly the state before the ingest or the one after it (as a complete run
    leaves it); then the next ingest into the last killed one works.

    The moments are fractions of an ingest's own time, one drawn in each of `trials` equal stretches of 5 to
    95 % (shuffled), so kills land in every step (read, checks, merge, checkpoint, publish) however long the
    steps are. Each ingest appends its steps' starts to a trace file (DASHBOARD_INGEST_TRACE), so a trial
    records the step the kill landed in, and the time the moments are fractions of is re-measured as the
    trials go: a clean ingest first (its trace gives each step's share of the run); a trial that ends
    before its moment (the machine got faster) is a new timing, and its moment is drawn again over it; a
    kill that lands in a step outside the stretch of the run the estimate put it in (the machine got
    slower or faster) re-estimates the run from the step's share (the middle of it; not the interpreter's
    start and the snapshot's copy, whose time moves with the load far more than the rest)."""
    from bench import intake
    from dashboard import reference, warehouse

    rng = random.Random(seed)
    work = work or intake.CACHE
    csv_path = intake.intake_csv(rows, work)
    results: list[CrashTrial] = []
    fractions = [0.05 + 0.9 * (i + rng.random()) / trials for i in range(trials)]
    rng.shuffle(fractions)
    with site(programs=False) as s:
        base = s.folder / "base"
        with warehouse.writer(base) as con:
            reference.load(con)
        before = digest(base)
        shutil.copytree(base, s.warehouse)
        full, writing = _timed_ingest(s, csv_path)
        shares = _shares(s.folder / "trace-clean.txt", full)
        timings = [full]
        after = digest(s.warehouse)
        log(f"{rows:,} rows: a whole ingest takes {full:.1f} s, {writing:.1f} s of it after the next snapshot's "
            f"file appears; load average {os.getloadavg()}")
        n = 0
        while fractions and n < 3 * trials:
            fraction, estimate = fractions[0], timings[-1]
            shutil.rmtree(s.warehouse)
            shutil.copytree(base, s.warehouse)
            current = (s.warehouse / "CURRENT").read_text()
            trace = s.folder / f"trace-{n}.txt"
            started = time.monotonic()
            proc = subprocess.Popen([sys.executable, "-m", "dashboard.ingest", str(csv_path)], cwd=ROOT,
                                    env={**s.env, TRACE_ENV: str(trace)}, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            delay = fraction * estimate
            while time.monotonic() - started < delay and proc.poll() is None:
                time.sleep(0.005)
            ended = time.monotonic() - started if proc.poll() is not None else None
            killed_at = time.time()
            phase, outcome, opens = _kill(proc, s, current, set(), digest, before, after, n, log)
            step = _step_at(trace, killed_at) if phase == "writing" else phase
            results.append(CrashTrial(n, "fraction", round(delay, 2), phase, outcome, opens, round(fraction, 3), step))
            log(f"trial {n:3d}: kill at {fraction:4.0%} of {estimate:6.1f} s = {delay:6.1f} s, "
                f"{'while ' + step if ended is None else f'finished at {ended:.1f} s'} -> {outcome}; "
                f"load {os.getloadavg()[0]:.1f}")
            if ended is not None:
                timings.append(ended)  # a new timing; the same fraction is drawn again over it
            else:
                fractions.pop(0)
                start, end = shares.get(step, (fraction, fraction))  # the interpreter's start says little
                if step not in ("starting", "opening") and not start <= fraction <= end:
                    timings.append(delay / ((start + end) / 2))
            n += 1
        head = s.folder / "next.csv"  # the intake's first rows are an export of their own (bench/intake.py)
        with csv_path.open() as src, head.open("w") as dst:
            for _, line in zip(range(1001), src, strict=False):
                dst.write(line)
        last = run_ingest(s, head, "--wait", "30")
        leftovers = sorted(p.name for p in [*(s.warehouse / "snapshots").glob(".tmp-*"), *s.warehouse.glob("CURRENT.*.tmp")])
    killed = [r for r in results if r.phase != "finished"]
    return {
        "rows": rows, "ingest_seconds": round(full, 1), "writing_seconds": round(writing, 1),
        "timings": [round(t, 1) for t in timings],
        "attempts": len(results), "killed": len(killed),
        "killed_while_writing": sum(r.phase == "writing" for r in results),
        "kills_by_step": {st: sum(r.step == st for r in killed) for st in dict.fromkeys(r.step for r in killed)},
        "before": sum(r.outcome == "before" for r in results), "after": sum(r.outcome == "after" for r in results),
        "mixed_or_unopenable": sum(r.outcome == "MIX" or not r.opens for r in results),
        "ingest_afterwards_exit_code": last.returncode, "leftovers_after_next_ingest": leftovers,
        "load_average": os.getloadavg(), "results": [asdict(r) for r in results],
    }


def _shares(trace: Path, full: float) -> dict[str, tuple[float, float]]:
    """Each step of a clean ingest (its trace; the start's epoch second on the first line) as the stretch
    (start, end) of the run it took, in fractions of `full`; "starting" and "opening" from 0."""
    lines = [ln.partition(" ") for ln in trace.read_text().splitlines()] if trace.exists() else []
    if not lines:
        return {}
    began = float(lines[0][0])
    marks = [(name, (float(at) - began) / full) for at, _, name in lines[1:]]
    out = {"starting": (0.0, marks[0][1] if marks else 1.0), "opening": (0.0, marks[0][1] if marks else 1.0)}
    for (name, at), (_, following) in zip(marks, [*marks[1:], ("", 1.0)], strict=True):
        out[name] = (min(at, 1.0), min(following, 1.0))
    return out


def _step_at(trace: Path, moment: float) -> str:
    """The step of an ingest (its trace file, see dashboard/ingest/format.py `phase`) under way at `moment`;
    "opening" before the first (the interpreter's start, imports, the writer's copy of the snapshot)."""
    step = "opening"
    if trace.exists():
        for line in trace.read_text().splitlines():
            at, _, name = line.partition(" ")
            if float(at) <= moment:
                step = name
    return step


def _kill(proc: subprocess.Popen, s: Site, current: str, stale: set, state, before: str, after: str, n: int,
          log) -> tuple[str, str, bool]:
    """SIGKILL `proc` now if it still runs: (the phase it was in, whether the warehouse holds the state
    `before` or `after` by the function `state`, or a MIX; whether it opens at all)."""
    phase = ("finished" if proc.poll() is not None
             else "published" if (s.warehouse / "CURRENT").read_text() != current
             else "writing" if _tmp_exists(s.warehouse, stale) else "starting")
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    try:
        now = state(s.warehouse)
    except Exception as exc:  # noqa: BLE001 - a warehouse that does not open is the failure we look for
        log(f"trial {n}: the warehouse does not open: {exc}")
        return phase, "MIX", False
    return phase, "before" if now == before else "after" if now == after else "MIX", True


def _timed_ingest(s: Site, path: Path) -> tuple[float, float]:
    """(seconds from start to exit, seconds from the next snapshot's file appearing to exit)."""
    stale = _tmp_files(s.warehouse)
    trace = s.folder / "trace-clean.txt"  # its steps' starts, after the moment it began (big_crash_trials)
    trace.write_text(f"{time.time():.3f} begun\n")
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.ingest", str(path)], cwd=ROOT,
                            env={**s.env, TRACE_ENV: str(trace)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    writing = None
    while proc.poll() is None:
        if writing is None and _tmp_exists(s.warehouse, stale):
            writing = time.monotonic()
        time.sleep(0.002)
    ended = time.monotonic()
    if proc.returncode != 0:
        raise RuntimeError(f"calibration ingest failed with exit code {proc.returncode}")
    return ended - started, ended - (writing or ended)


def crash_trials(trials: int, *, base_principals: int = 2000, batch_principals: int = 500, seed: int = 8,
                 parent: Path | None = None, log=print) -> dict:
    """SIGKILL `python -m dashboard.ingest` at random moments until `trials` kills hit a running process
    (an ingest that ends before its kill is counted apart, at most `trials` + 3 more attempts: with one
    more, a smoke run of one kill missed twice about once in a hundred on a busy machine); after each, the
    warehouse must open and hold exactly the snapshot before or the one after, never a mix."""
    rng = random.Random(seed)
    results: list[CrashTrial] = []
    with site(parent) as s:
        base = write_csv(s.folder / "base.csv", batch("B", base_principals, base_principals // 2, OPENS, rng))
        out = run_ingest(s, base)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        stored = [(f"B-P{i}", OPENS + timedelta(seconds=i), country("B", i)) for i in range(base_principals)]
        full = writing = 0.0
        for n in range(2 * trials + 3):
            if sum(r.phase != "finished" for r in results) >= trials:
                break
            if n % 10 == 0:  # (re)measure an ingest on this machine as it is loaded now
                day = OPENS + timedelta(days=1, hours=n)
                calib = write_csv(s.folder / f"calibration-{n}.csv", batch(f"CAL{n}", batch_principals, 0, day, rng))
                full, writing = _timed_ingest(s, calib)
                stored += [(f"CAL{n}-P{i}", day + timedelta(seconds=i), country(f"CAL{n}", i))
                           for i in range(batch_principals)]
                log(f"calibration: an ingest takes {full:.2f} s, {writing:.2f} s of it after the next snapshot's "
                    "file appears")
            start = OPENS + timedelta(days=30, hours=n)
            updates = rng.sample(stored, min(len(stored), batch_principals // 5))
            path = write_csv(s.folder / f"trial-{n:03d}.csv",
                             batch(f"T{n}", batch_principals, batch_principals // 2, start, rng, updates))
            before, after = fingerprint(s.warehouse), _reference_after(s, path)
            current = (s.warehouse / "CURRENT").read_text()
            stale = _tmp_files(s.warehouse)  # left by the previous kill: the next writer clears them
            mode = "anywhere" if n % 2 == 0 else "writer"
            proc = subprocess.Popen([sys.executable, "-m", "dashboard.ingest", str(path), "--wait", "30"], cwd=ROOT,
                                    env=s.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t0 = time.monotonic()
            if mode == "writer":
                while proc.poll() is None and not _tmp_exists(s.warehouse, stale) and time.monotonic() - t0 < full * 5:
                    time.sleep(0.001)
                delay = rng.uniform(0, writing * 1.1)
            else:
                delay = rng.uniform(0, full * 1.1)
            time.sleep(delay)
            phase, outcome, opens = _kill(proc, s, current, stale, fingerprint, before, after, n, log)
            if outcome == "after":
                stored += [(f"T{n}-P{i}", start + timedelta(seconds=i), country(f"T{n}", i))
                           for i in range(batch_principals)]
            results.append(CrashTrial(n, mode, round(delay, 4), phase, outcome, opens))
            log(f"trial {n:3d}: {mode:8s} kill after {delay:6.3f} s while {phase:9s} -> {outcome}")
        # The warehouse still takes an ingest afterwards, and the next writer clears what a kill left behind.
        final = write_csv(s.folder / "final.csv", batch("Z", 5, 0, OPENS + timedelta(days=90), rng))
        last = run_ingest(s, final, "--wait", "30")
        leftovers = sorted(p.name for p in [*(s.warehouse / "snapshots").glob(".tmp-*"), *s.warehouse.glob("CURRENT.*.tmp")])
    summary = {
        "attempts": len(results),
        "killed": sum(r.phase != "finished" for r in results),
        "killed_while_writing": sum(r.phase == "writing" for r in results),
        "killed_after_publishing": sum(r.phase == "published" for r in results),
        "before": sum(r.outcome == "before" for r in results),
        "after": sum(r.outcome == "after" for r in results),
        "mixed_or_unopenable": sum(r.outcome == "MIX" or not r.opens for r in results),
        "ingest_afterwards_exit_code": last.returncode,
        "leftovers_after_next_ingest": leftovers,
        "ingest_seconds": round(full, 3), "writing_seconds": round(writing, 3),
        "base_rows": base_principals + base_principals // 2, "batch_rows": batch_principals * 3 // 2 + batch_principals // 5,
        "results": [asdict(r) for r in results],
    }
    return summary


# ------------------------------------------------------------------ a server and browsers

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def server(s: Site, extra_env: dict | None = None) -> Iterator[Server]:
    """`streamlit run dashboard/app.py` on a free loopback port, stopped afterwards."""
    port = free_port()
    log_path = s.folder / f"streamlit-{port}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env={**s.env, **(extra_env or {})}, stdout=log, stderr=subprocess.STDOUT)
        srv = Server(proc, port, log_path)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{srv.url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError(f"streamlit did not start; see {log_path}") from None
                    time.sleep(0.3)
            yield srv
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NUMBER = r"([\d][\d,\u00a0\u202f ]*)"


def _int(text: str) -> int:
    return int(re.sub(r"\D", "", text))


@dataclass
class ViewingResult:
    sessions: int
    ingests: int
    ingest_failures: int = 0
    loads: int = 0
    errors: list[str] = field(default_factory=list)      # a session saw an error or an inconsistent page
    slow: list[str] = field(default_factory=list)        # the browser did not finish drawing within 2 min
    loads_by_session: dict[str, int] = field(default_factory=dict)
    states_seen: set[int] = field(default_factory=set)    # which ingest (k) the pages showed
    went_back: int = 0                                    # a session saw an older state than before

    def summary(self) -> dict:
        d = asdict(self)
        d["states_seen"] = sorted(self.states_seen)
        d["errors"] = self.errors[:20]
        d["error_count"] = len(self.errors)
        d["slow"] = self.slow[:20]
        return d


async def _watch(page, url: str, stop: threading.Event, result: ViewingResult, base: tuple[int, int, int],
                 step: tuple[int, int], name: str, max_loads: int) -> None:
    """Reload the Overview until `stop`; every drawn page must be one whole state of the warehouse."""
    principals0, family0, _ = base
    last_k = -1
    for _ in range(max_loads):
        if stop.is_set():
            break
        try:
            await page.goto(url, wait_until="domcontentloaded")
            await page.wait_for_function(
                """() => { const app = document.querySelector('[data-testid="stApp"]');
                           return app && app.dataset.testScriptState === 'notRunning'
                               && document.querySelectorAll('[data-testid="stMetric"]').length >= 3
                               && document.body.innerText.includes('applications match the filters'); }""",
                timeout=120_000)
            body = await page.inner_text("body", timeout=120_000)
        except Exception as exc:  # noqa: BLE001 - reported apart: a starved browser, not something shown
            result.slow.append(f"{name}: the page did not finish drawing: {str(exc).splitlines()[0]}")
            continue
        result.loads += 1
        result.loads_by_session[name] = result.loads_by_session.get(name, 0) + 1
        if "Something went wrong" in body or "Traceback" in body or await page.locator(
                '[data-testid="stException"]').count():
            result.errors.append(f"{name}: an error was shown")
            continue
        counted = re.search(r"Principal applications counted\s*\n\s*" + NUMBER, body)
        family = re.search(r"Family applications\s*\n\s*" + NUMBER, body)
        matched = re.search(NUMBER + r" applications match the filters", body)
        if not (counted and family and matched):
            result.errors.append(f"{name}: the headline numbers are missing")
            continue
        c, f, m = _int(counted.group(1)), _int(family.group(1)), _int(matched.group(1))
        k, rest = divmod(c - principals0, step[0])
        if rest or k < 0 or f != family0 + k * step[1] or m != c + f:
            result.errors.append(f"{name}: half an ingest: counted {c}, family {f}, matching {m}")
            continue
        result.states_seen.add(k)
        if k < last_k:
            result.went_back += 1
        last_k = k


async def _viewers(url: str, sessions: int, stop: threading.Event, result: ViewingResult, base, step,
                   max_loads: int) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = []
            for _ in range(sessions):
                context = await browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-CA")
                pages.append(await context.new_page())
            await asyncio.gather(*(_watch(pg, url, stop, result, base, step, f"session {i + 1}", max_loads)
                                   for i, pg in enumerate(pages)))
        finally:
            await browser.close()


def ingest_while_viewing(sessions: int, ingests: int, *, principals: int = 10, family: int = 10, seed: int = 8,
                         parent: Path | None = None, log=print, gap_s: float = 0.5, max_gap_s: float = 90) -> dict:
    """`sessions` browsers keep reloading the Overview while `ingests` ingests run one after another (each
    a separate `python -m dashboard.ingest`); no page may show an error or a mix of two snapshots.

    Before each ingest every session has drawn the page at least once since the previous one (or
    `max_gap_s` has passed), so the sessions see the states in turn however slow the machine is."""
    rng = random.Random(seed)
    result = ViewingResult(sessions, ingests)
    base = (100, 50, 150)
    with site(parent) as s:
        out = run_ingest(s, write_csv(s.folder / "base.csv", batch("B", base[0], base[1], OPENS, rng)))
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        files = [write_csv(s.folder / f"ingest-{n:02d}.csv",
                           batch(f"I{n}", principals, family, OPENS + timedelta(hours=1 + n), rng))
                 for n in range(ingests)]
        with server(s) as srv:
            stop = threading.Event()

            def everyone_drew(since: dict[str, int]) -> None:
                deadline = time.monotonic() + max_gap_s
                while time.monotonic() < deadline and not stop.is_set():
                    now = dict(result.loads_by_session)
                    if len(now) >= sessions and all(now[k] > since.get(k, 0) for k in now):
                        return
                    time.sleep(0.2)

            def ingest_all() -> None:
                everyone_drew({})  # every session draws the base state first
                for path in files:
                    done = run_ingest(s, path, "--wait", "60")
                    result.ingest_failures += done.returncode != 0
                    log(f"{path.name}: exit {done.returncode}")
                    time.sleep(gap_s)
                    everyone_drew(dict(result.loads_by_session))
                everyone_drew(dict(result.loads_by_session))  # and the last state
                stop.set()

            writer = threading.Thread(target=ingest_all, daemon=True)
            writer.start()
            failure: list[BaseException] = []

            def view() -> None:  # in a thread of its own: the caller may already run an event loop
                try:
                    asyncio.run(_viewers(srv.url, sessions, stop, result, base, (principals, family), 10_000))
                except BaseException as exc:  # noqa: BLE001 - raised again below, in the caller's thread
                    failure.append(exc)

            viewers = threading.Thread(target=view, daemon=True)
            viewers.start()
            viewers.join()
            stop.set()
            writer.join()
            if failure:
                raise failure[0]
    log(f"{result.loads} page loads; states seen {sorted(result.states_seen)}; errors {len(result.errors)}; "
        f"slow {len(result.slow)}")
    return result.summary()


# ------------------------------------------------------------------ hostile input

CORPUS = ROOT / "tests" / "corpus"
FIXTURE_PROGRAMS = ROOT / "tests" / "fixtures" / "programs.toml"
_LOCATED = re.compile(r"^.+:(\d+):( column [^:]+:)? .{10,}")


def _hostile_extra(folder: Path) -> list[tuple[str, Path, str]]:
    """Hostile files beyond the corpus, generated here: (name, path, expect)."""
    header = ",".join(COLUMNS)
    good = "H-{},test-intake,2023-07-16T11:00:00,principal,,open_work_permit,IND,,,,submitted,2023-07-16T11:00:00"
    out = []
    path = folder / "x\x1b]0;retitled\x07\x1b[2J.csv"  # a file name that drives the terminal when printed raw
    path.write_text(header + "\n" + good.format(1).replace("submitted,2023", "bogus,2023") + "\n")
    out.append(("terminal escape in the file name", path, "rejected"))
    path = folder / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(50_000)) + "\n" + ",".join("x" * 50_000) + "\n")
    out.append(("a header of 50,000 columns", path, "rejected"))
    path = folder / "lookalikes.csv"
    path.write_text(header + "\n" + "\n".join(good.format(f"P00001{c}") for c in ("\u200b", "\u200d", "\u2060"))
                    + "\n", encoding="utf-8")
    out.append(("ids with zero-width characters", path, "rejected"))
    return out


def _copy_warehouse(template: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(template, dest)
    return dest


def hostile_input(parent: Path | None = None) -> dict:
    """Every corpus file and a few generated hostile files, each through `python -m dashboard.ingest` into
    a copy of a warehouse holding the corpus's base rows: rejected with its line (exit 1, warehouse byte for
    byte unchanged, a rejection logged) or stored (exit 0) as tests/corpus/manifest.toml says, and never a
    traceback. Then a 30 MB tmpfs as the warehouse's disk (when this process may mount one)."""
    import tomllib

    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import BASIC_ROWS, write_export

    from dashboard import warehouse

    manifest = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
    cases = [(e["oddity"], CORPUS / e["name"], e["expect"]) for e in manifest["file"]]
    results, started = [], time.perf_counter()
    with site(parent, programs=False) as s:
        env = {**s.env, "DASHBOARD_PROGRAMS": str(FIXTURE_PROGRAMS)}
        template = s.folder / "template"
        subprocess.run([sys.executable, "-m", "dashboard.ingest", str(write_export(s.folder / "basic.csv", BASIC_ROWS))],
                       cwd=ROOT, env={**env, "DASHBOARD_WAREHOUSE": str(template)}, check=True, capture_output=True)
        cases += _hostile_extra(s.folder)
        for what, path, expect in cases:
            root = _copy_warehouse(template, s.warehouse)
            before, log_before = warehouse.checksum(root), len(warehouse.read_log("ingest_log.jsonl", root))
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "dashboard.ingest", str(path)], cwd=ROOT, env=env,
                                  capture_output=True, timeout=600)
            seconds = time.perf_counter() - t0
            err = done.stderr.decode("utf-8", "replace")
            first = err.splitlines()[0] if err else ""
            log = warehouse.read_log("ingest_log.jsonl", root)
            r = {"case": what, "file": path.name, "expect": expect, "exit": done.returncode,
                 "seconds": round(seconds, 2), "traceback": "Traceback" in err, "stderr_bytes": len(done.stderr),
                 "raw_escape": "\x1b" in err or "\x07" in err}
            if expect == "rejected":
                r["ok"] = (done.returncode == 1 and bool(_LOCATED.match(first)) and warehouse.checksum(root) == before
                           and len(log) == log_before + 1 and log[-1]["event"] == "rejected")
            elif expect == "stored":
                r["ok"] = done.returncode == 0 and warehouse.checksum(root) != before
            else:
                r["ok"] = done.returncode == 0 and warehouse.checksum(root) == before
            r["ok"] = r["ok"] and not r["traceback"] and not r["raw_escape"]
            results.append(r)
        disk = _full_disk(s, template, env)
    bad = [r for r in results if not r["ok"]]
    return {"files": len(results), "rejected_with_line": sum(r["ok"] and r["expect"] == "rejected" for r in results),
            "stored_as_expected": sum(r["ok"] and r["expect"] != "rejected" for r in results),
            "tracebacks": sum(r["traceback"] for r in results), "failures": bad, "full_disk": disk,
            "seconds": round(time.perf_counter() - started, 1), "results": results}


def _full_disk(s: Site, template: Path, env: dict) -> dict:
    """A 30 MB tmpfs as the warehouse's disk, filled until the next snapshot cannot fit."""
    from conftest import row, write_export

    from dashboard import warehouse

    mount = s.folder / "tmpfs"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=30m", "tmpfs", str(mount)], capture_output=True).returncode:
        return {"run": False, "why": "this process may not mount a tmpfs"}
    try:
        root = _copy_warehouse(template, mount / "warehouse")
        (mount / "filler").write_bytes(b"\0" * (warehouse.free_bytes(mount) - (1 << 20)))
        before = warehouse.checksum(root)
        path = write_export(s.folder / "next.csv", [row("FULL-1", "2023-07-18T10:00:00")])
        done = subprocess.run([sys.executable, "-m", "dashboard.ingest", str(path)], cwd=ROOT,
                              env={**env, "DASHBOARD_WAREHOUSE": str(root)}, capture_output=True, text=True)
        return {"run": True, "exit": done.returncode, "stderr": done.stderr.strip(),
                "one_sentence": len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr,
                "unchanged": warehouse.checksum(root) == before,
                "temporary_files_left": len(list((root / "snapshots").glob(".tmp-*")))}
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


# ------------------------------------------------------------------ the command line

def _save(name: str, data: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"reliability-{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


PARTS = ("crash", "crash-big", "viewing", "hostile", "fuzz", "load")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="*", help=f"which trials, of {', '.join(PARTS)} (default: all)")
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--sessions", type=int, default=None, help="viewing: 10, load: 20")
    ap.add_argument("--ingests", type=int, default=20)
    ap.add_argument("--examples", type=int, default=200)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--big-rows", type=int, default=10_000_000, help="crash-big: rows of the intake killed (default 10M)")
    ap.add_argument("--big-trials", type=int, default=20, help="crash-big: kills (default 20)")
    ap.add_argument("--work", type=Path, default=None, help="crash-big: where the generated intake is kept")
    args = ap.parse_args(argv)
    args.what = args.what or list(PARTS)
    if set(args.what) - set(PARTS):
        ap.error(f"unknown trials {', '.join(sorted(set(args.what) - set(PARTS)))}; choose from {', '.join(PARTS)}")
    failed = False
    if "crash" in args.what:
        summary = crash_trials(args.trials)
        bad = summary["mixed_or_unopenable"] or summary["ingest_afterwards_exit_code"] or summary["leftovers_after_next_ingest"]
        failed |= bool(bad)
        print(f"crash: {summary['attempts']} attempts, {summary['killed']} killed mid-run "
              f"({summary['killed_while_writing']} while writing the next snapshot): {summary['before']} before, "
              f"{summary['after']} after, {summary['mixed_or_unopenable']} mixed or unopenable -> {_save('crash', summary)}")
    if "crash-big" in args.what:
        summary = big_crash_trials(args.big_rows, args.big_trials, work=args.work)
        failed |= bool(summary["mixed_or_unopenable"] or summary["ingest_afterwards_exit_code"]
                       or summary["leftovers_after_next_ingest"] or summary["killed"] < args.big_trials)
        print(f"crash-big: {summary['rows']:,} rows, {summary['killed']} kills ({summary['killed_while_writing']} while "
              f"writing): {summary['before']} before, {summary['after']} after, {summary['mixed_or_unopenable']} mixed "
              f"or unopenable; next ingest exit {summary['ingest_afterwards_exit_code']} -> {_save('crash-big', summary)}")
    if "viewing" in args.what:
        summary = ingest_while_viewing(args.sessions or 10, args.ingests)
        failed |= bool(summary["error_count"] or summary["ingest_failures"] or summary["went_back"])
        print(f"viewing: {summary['sessions']} sessions, {summary['ingests']} ingests, {summary['loads']} page loads, "
              f"{len(summary['states_seen'])} states seen, {summary['error_count']} errors, {len(summary['slow'])} "
              f"loads not drawn within 2 min -> {_save('viewing', summary)}")
    if "hostile" in args.what:
        summary = hostile_input()
        disk = summary["full_disk"]
        failed |= bool(summary["failures"]) or (disk["run"] and not (disk["exit"] == 1 and disk["one_sentence"]
                                                                     and disk["unchanged"]))
        print(f"hostile: {summary['files']} files, {summary['rejected_with_line']} rejected with their line, "
              f"{summary['stored_as_expected']} stored or unchanged as expected, {len(summary['failures'])} failures, "
              f"{summary['tracebacks']} tracebacks; full disk: {disk} -> {_save('hostile', summary)}")
    if "fuzz" in args.what:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "FUZZ_EXAMPLES": str(args.examples), "FUZZ_RANDOM": "1"}
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/test_fuzz.py", "-p", "no:cacheprovider"],
                              cwd=ROOT, env=env)
        failed |= done.returncode != 0
        print(f"fuzz: {args.examples} examples per AppTest fuzzer, exit {done.returncode}")
    if "load" in args.what:
        from bench import load

        code = load.main(["--sessions", str(args.sessions or 20), "--minutes", str(args.minutes)])
        failed |= code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
