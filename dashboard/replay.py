"""Replay the synthetic demo intake into the warehouse through the real ingest path, faster than life.

    python -m dashboard.replay [--speed 60] [--batch-seconds 2] [--tail-speed 86400] [--max-gap-hours 6]
                               [--until TIME] [--program ID] [--principals N]
    make replay SPEED=60

A replay clock starts at the program's opening and runs SPEED times real time. Every BATCH seconds the
application states dated up to the clock (submissions, then status changes as they happen) are written
to a CSV export and ingested with `dashboard.ingest.ingest`, exactly as a real export would be, each
batch as if the ingest ran at the replay clock (so "data as of the last ingest" and the forecast
follow the replay). Open pages pick each snapshot up by themselves.

The long quiet tail is compressed: once the cap is reached the clock runs at TAIL-SPEED (default a day
per second), and a stretch with nothing to replay longer than MAX-GAP hours is skipped.

Only a program marked `synthetic = true` in programs.toml can be replayed (the demo, by default). The
warehouse folder (DASHBOARD_WAREHOUSE) may be empty or missing: the reference statistics are loaded
first. If it already holds the program's applications they are removed first, in a new snapshot
(the other programs and the reference statistics stay); `make demo` rebuilds the full demo afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from dashboard import demo, ingest, logs, reference, warehouse
from dashboard.filters import parse_time
from dashboard.programs import Program, programs


class ReplayError(RuntimeError):
    """The replay cannot start; the message says why and what to do."""


@dataclass
class Progress:
    clock: datetime
    rows: int = 0
    batches: int = 0
    counted: int = 0


def prepare(program: Program, root: Path) -> str:
    """Make the warehouse ready: the reference statistics in an empty one, none of the program's rows."""
    if warehouse.current_snapshot(root) is None:
        with warehouse.writer(root, wait_seconds=60) as con:
            reference.load(con)
        return f"started an empty warehouse in {root} (reference statistics loaded)"
    held = int(warehouse.reader(root).query("data_freshness", {"program": program.id})["applications"].iloc[0])
    if not held:
        return f"warehouse {root} holds no application of {program.id}"
    with warehouse.writer(root, wait_seconds=60) as con:
        warehouse.run_script(con, "_replay_reset", {"program": program.id})
    logs.append(logs.INGEST_LOG, {"event": "replay-reset", "program": program.id, "applications": held,
                                              "at": warehouse.now_utc().isoformat()}, root)
    return (f"removed the {held:,} applications of {program.id} from {root} to replay them "
            "(`make demo` rebuilds the full demo)")


def replay(program: Program, rows: pd.DataFrame, root: Path, *, speed: float, batch_seconds: float,
           tail_speed: float | None, max_gap: timedelta, until: datetime | None = None,
           say=print) -> Progress:
    """Ingest `rows` (export format, UTC times) in batches as the replay clock passes their status_at."""
    rows = rows.sort_values(["status_at", "application_id"], ignore_index=True)
    if until is not None:  # the generator's times have nanoseconds; the clock (and DuckDB) microseconds
        until = pd.Timestamp(until).ceil("us")
    events = rows["status_at"]
    counting = (rows["applicant_role"].isin(program.counts_toward_cap) & (rows["status_at"] == rows["submitted_at"])
                & (rows["submitted_at"] >= program.opens_at)).to_numpy()
    start = (min(pd.Timestamp(program.opens_at), rows["status_at"].iloc[0]) - pd.Timedelta(minutes=1)).floor("us")
    clock = start
    progress = Progress(clock.to_pydatetime())
    pace = speed
    i = 0
    slow_said = False
    with tempfile.TemporaryDirectory(prefix="replay-") as tmp:
        while i < len(rows):
            deadline = time.monotonic() + batch_seconds
            clock = (clock + pd.Timedelta(seconds=pace * batch_seconds)).ceil("us")
            ahead = rows["status_at"].iloc[i]
            if ahead - clock > max_gap:
                say(f"skipping a quiet stretch: nothing from {_at(clock, program)} to {_at(ahead, program)}")
                clock = ahead.ceil("us")
            if until is not None and clock > until:
                clock = pd.Timestamp(until)
            j = int(events.searchsorted(clock, side="right"))
            if j > i:
                path = demo.write_csv(rows.iloc[i:j], Path(tmp) / f"batch-{progress.batches + 1:06d}.csv", program)
                ingest.ingest([path], root=root, wait_seconds=30, now=clock, origin="demo")
                path.unlink()
                progress.counted += int(counting[i:j].sum())
                progress.rows += j - i
                progress.batches += 1
                say(f"{_at(clock, program)}  +{j - i:,} rows  counted toward the cap: "
                    f"{min(progress.counted, program.cap):,} / {program.cap:,}")
                i = j
            progress.clock = clock.to_pydatetime()
            if until is not None and clock >= until:
                break
            if tail_speed and pace != tail_speed and (progress.counted >= program.cap or not counting[i:].any()):
                pace = tail_speed
                why = "the cap is reached" if progress.counted >= program.cap else "no more applications toward the cap"
                say(f"{why}: the rest (family applications, decisions) at {tail_speed:,.0f}x")
            left = deadline - time.monotonic()
            if left > 0:
                time.sleep(left)
            elif not slow_said:
                slow_said = True
                say("an ingest takes longer than a batch: the replay runs slower than asked")
    return progress


def _at(ts: pd.Timestamp, program: Program) -> str:
    return ts.tz_convert(program.time_zone).strftime("%a %d %b %Y %H:%M %Z")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dashboard.replay", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--speed", type=float, default=60.0, help="times real speed (default 60: an hour a minute)")
    ap.add_argument("--batch-seconds", type=float, default=2.0, help="real seconds between ingests (default 2)")
    ap.add_argument("--tail-speed", type=float, default=86400.0,
                    help="speed once the cap is reached (default 86400: a day a second; 0 keeps --speed)")
    ap.add_argument("--max-gap-hours", type=float, default=6.0,
                    help="skip stretches with nothing to replay longer than this (intake hours, default 6)")
    ap.add_argument("--until", help="stop at this moment of the intake (ISO 8601; naive = the program's zone)")
    ap.add_argument("--program", help="a program marked synthetic in programs.toml (default: the demo's)")
    ap.add_argument("--principals", type=int, help="number of principal applications (default: data/demo.toml)")
    ap.add_argument("--seed", type=int, help="random seed of the demo generator (default: data/demo.toml)")
    args = ap.parse_args(argv)
    if args.speed <= 0 or args.batch_seconds <= 0 or args.tail_speed < 0 or args.max_gap_hours <= 0:
        print("--speed, --batch-seconds and --max-gap-hours must be positive, --tail-speed zero or more",
              file=sys.stderr)
        return 2
    params = demo.load_params()
    progs = programs()
    program_id = args.program or params["program_id"]
    program = progs.get(program_id)
    if program is None:
        print(f"program {program_id!r} is not in {', '.join(progs) or 'programs.toml'}", file=sys.stderr)
        return 2
    if not program.synthetic:
        print(f"program {program_id!r} holds real applications: only a synthetic program can be replayed",
              file=sys.stderr)
        return 2
    until = None
    if args.until:
        until = parse_time(args.until, program)
        if until is None:
            print(f"--until {args.until!r} is not a time; expected e.g. 2023-07-17T18:00", file=sys.stderr)
            return 2
    root = warehouse.warehouse_dir()
    rows = demo.generate(program, params, args.principals, args.seed)
    try:
        print(prepare(program, root))
        print(f"replaying {len(rows):,} application states of {program.id} at {args.speed:,.0f}x real speed, "
              f"a batch every {args.batch_seconds:g} s; Ctrl-C stops")
        progress = replay(program, rows, root, speed=args.speed, batch_seconds=args.batch_seconds,
                          tail_speed=args.tail_speed or None, max_gap=timedelta(hours=args.max_gap_hours),
                          until=until)
    except KeyboardInterrupt:
        print("stopped: the warehouse holds the intake as far as the replay got")
        return 0
    except warehouse.WarehouseBusy as exc:
        print(f"{exc}", file=sys.stderr)
        return 2
    except ingest.IngestRejected as exc:
        for p in exc.problems[:20]:
            print(p, file=sys.stderr)
        return 1
    print(f"done: {progress.rows:,} rows in {progress.batches:,} ingests, up to {_at(pd.Timestamp(progress.clock), program)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
