"""The viewers' filter changes while a big ingest runs, against the same without (issue 18).

    python -m bench.ingest_viewers --rows 10000000 --sessions 5 --minutes 1 [--nice 10]

One dashboard server on the demo warehouse (bench/load.py's sessions: each changes a sidebar filter on
the Overview after a think time, timed until the server reports the run finished). Three windows of
`--minutes` in one run: without an ingest, during `python -m dashboard.ingest` of the bench intake of
`--rows` rows (bench/intake.py) into a warehouse of its own on the same machine (the same cores,
memory and disk; the viewers' data stays the same, so only the competition is measured), and
without again (the machine's other work drifts: the ratio is taken against both). The ingest starts
first and must still be running when its window ends, else the run says so.
Results: bench/out/ingest-viewers.json and a summary on stdout, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import intake
from bench.load import run_load
from bench.reliability import OUT, ROOT, server, site


def _window(url: str, pid: int, args, label: str) -> dict:
    r = run_load(url, pid, args.sessions, args.minutes * 60, tuple(args.think), args.seed, 10.0, pages=("overview",))
    print(f"{label}: {r['filter_changes']} filter changes, p50 {r['change_p50_s']:.2f} s, p95 {r['change_p95_s']:.2f} s, "
          f"{r['failed_sessions']} failed sessions, server CPU {r['server_cpu_per_run_ms']} ms per run, "
          f"load {[round(x, 1) for x in os.getloadavg()]}", flush=True)
    return {k: r[k] for k in ("filter_changes", "change_p50_s", "change_p95_s", "change_max_s", "failed_sessions",
                              "failures", "server_cpu_per_run_ms", "load_average")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest_viewers", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000, help="rows of the intake ingested (default 10M)")
    ap.add_argument("--sessions", type=int, default=5)
    ap.add_argument("--minutes", type=float, default=1.0, help="each window's length")
    ap.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    ap.add_argument("--seed", type=int, default=20230716)
    ap.add_argument("--nice", type=int, default=None, help="run the ingest at this niceness (default: as it is)")
    ap.add_argument("--work", type=Path, default=intake.CACHE, help="where the intake is kept")
    ap.add_argument("--out", type=Path, default=OUT / "ingest-viewers.json")
    args = ap.parse_args(argv)
    csv_path = intake.intake_csv(args.rows, args.work)
    with site(programs=False) as s:
        print("building the demo warehouse ...", flush=True)
        subprocess.run([sys.executable, "-m", "dashboard.build", "--force"], cwd=ROOT, env=s.env, check=True,
                       stdout=subprocess.DEVNULL)
        target = s.folder / "ingest-warehouse"
        from dashboard import reference, warehouse

        with warehouse.writer(target) as con:
            reference.load(con)
        with server(s) as srv:
            pid = srv.proc.pid
            run_load(srv.url, pid, args.sessions, 20, tuple(args.think), args.seed, 5.0, pages=("overview",))  # warm
            before = _window(srv.url, pid, args, "without an ingest")
            cmd = [sys.executable, "-m", "dashboard.ingest", str(csv_path)]
            if args.nice is not None:
                cmd = ["nice", "-n", str(args.nice), *cmd]
            started = time.monotonic()
            ingest = subprocess.Popen(cmd, cwd=ROOT, env={**s.env, "DASHBOARD_WAREHOUSE": str(target)},
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            time.sleep(3)
            during = _window(srv.url, pid, args, f"during the {args.rows:,}-row ingest")
            overlapped = ingest.poll() is None
            out, _ = ingest.communicate()
            ingest_s = time.monotonic() - started
            print(f"ingest exit {ingest.returncode} after {ingest_s:.0f} s; "
                  f"{'still running at the window end' if overlapped else 'ENDED BEFORE THE WINDOW DID'}", flush=True)
            after = _window(srv.url, pid, args, "without an ingest, again")
    ratio = lambda a, b: round(a / b, 2) if a and b else None  # noqa: E731
    result = {
        "command": " ".join(["python -m bench.ingest_viewers", *(sys.argv[1:] if argv is None else argv)]),
        "rows": args.rows, "sessions": args.sessions, "minutes": args.minutes, "nice": args.nice,
        "before": before, "during": during, "after": after, "ingest_exit": ingest.returncode,
        "ingest_seconds": round(ingest_s, 1), "ingest_output": out.strip().splitlines()[-1:],
        "window_inside_ingest": overlapped,
        "p95_ratio_to_before": ratio(during["change_p95_s"], before["change_p95_s"]),
        "p95_ratio_to_after": ratio(during["change_p95_s"], after["change_p95_s"]),
        "machine": f"{os.uname().nodename} {os.cpu_count()} cores", "load_average": list(os.getloadavg()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"filter-change p95 during the ingest: {result['p95_ratio_to_before']}x the p95 before, "
          f"{result['p95_ratio_to_after']}x after -> {args.out}")
    return 0 if ingest.returncode == 0 and overlapped and not during["failed_sessions"] else 1


if __name__ == "__main__":
    sys.exit(main())
