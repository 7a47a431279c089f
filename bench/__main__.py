"""python -m bench [--sizes 10000,1000000,10000000] [--no-browser] [--out docs/benchmarks.md]

Generates synthetic intakes, ingests each into its own warehouse through the real ingest, measures
ingest, server time per page (with the pandas baseline), server memory and browser timings, and
writes the report. Work files (intakes, warehouses, logs, results.json) go to bench/out/.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

from bench import browser as br
from bench import intake, report, timing
from bench.pages import PAGES
from dashboard import demo
from dashboard.filters import to_query
from dashboard.programs import ROOT, programs

DEFAULT_SIZES = (10_000, 1_000_000, 10_000_000)


def _label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows >= 1_000_000 and rows % 1_000_000 == 0 else f"{rows:,}"


def browse_urls(program, settings, page_rows: list[dict], limit: int) -> list[dict]:
    """Query strings of settings under which the Overview draws both its charts."""
    out = []
    for f, rows in zip(settings[1:], page_rows[1:], strict=True):
        if not rows["cumulative_principals"].empty and not rows["applications_by_role_status"].empty:
            out.append(to_query(f, programs(), program.id))
        if len(out) == limit:
            break
    return out


def measure_size(rows: int, args, chromium) -> dict:
    work = Path(args.work)
    started = time.perf_counter()
    csv_path = intake.intake_csv(rows, work, args.seed)
    generated = time.perf_counter() - started
    root = work / "warehouses" / f"rows-{rows}"
    print(f"[{_label(rows)}] intake {csv_path.name} ready in {generated:.0f} s; ingesting", flush=True)
    ing = intake.ingest_into(root, csv_path)
    print(f"[{_label(rows)}] ingest {ing.seconds:.1f} s ({ing.rows_per_second:,.0f} rows/s)", flush=True)
    program = programs()[demo.load_params()["program_id"]]
    with timing.using_warehouse(root):
        frame = timing.time_frame(program)
        settings = timing.settings_for(program)[: args.settings or None]
        pages = timing.time_pages(settings, args.repeats)
        print(f"[{_label(rows)}] server time " + ", ".join(f"{p}: {t['median_ms']} ms median" for p, t in pages.items()),
              flush=True)
        pandas = {}
        if not args.no_pandas:
            states = timing.load_states()
            pandas = timing.pandas_pages(states, program, settings, args.pandas_repeats, pages, args.pandas_every)
            del states
            gc.collect()
        print(f"[{_label(rows)}] pandas " + ", ".join(f"{p}: {t.get('ratio_of_medians', 'n/a')}x"
                                                      for p, t in pandas.items()), flush=True)
        urls = browse_urls(program, settings, [timing.run_page("overview", f) for f in settings], args.filter_visits) \
            if chromium and "overview" in PAGES else []
    out = {"rows_target": rows, "label": _label(rows), "rows": ing.rows, "generate_seconds": round(generated, 1),
           "ingest": intake.describe(ing), "frame": frame, "pages": pages, "pandas": pandas,
           "settings": [str(f) for f in settings]}
    if chromium:
        server = br.serve("dashboard/app.py", root)
        try:
            pair = br.measure_pair(chromium, server, 2, args.bare_server, urls, args.warm)
            out["overview_peak_mb"] = round(br.peak_rss_mb(server), 1)
            out["tour"] = br.tour(chromium, server)
            out["server_peak_mb"] = round(br.peak_rss_mb(server), 1)
        finally:
            server.stop()
        overview, bare = pair["page"], pair["bare"]
        out["browser"] = {"overview": overview, "bare": bare, "paired_ratio": pair["paired_ratio"]}
        print(f"[{_label(rows)}] browser: Overview all charts {overview['warm_all_ms']} ms, bare first chart "
              f"{bare['warm_first_ms']} ms; server peak {out['server_peak_mb']} MB after a visit of every page", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                    help="application rows per intake, comma-separated (default: %(default)s)")
    ap.add_argument("--work", default=str(ROOT / "bench" / "out"), help="folder for intakes and warehouses")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"), help="the report to write")
    ap.add_argument("--seed", type=int, default=intake.SEED)
    ap.add_argument("--repeats", type=int, default=3, help="rounds over the filter settings (warehouse)")
    ap.add_argument("--pandas-repeats", type=int, default=1, help="rounds over the filter settings (pandas)")
    ap.add_argument("--pandas-every", type=int, default=3,
                    help="pandas runs every N-th filter setting (default %(default)s: 8 of the 24)")
    ap.add_argument("--warm", type=int, default=6, help="repeat browser visits per page (each, of the page and the bare page)")
    ap.add_argument("--filter-visits", type=int, default=4, help="browser visits with new filter settings")
    ap.add_argument("--settings", type=int, default=0,
                    help="only the first N of the 24 filter settings (a smoke run; default: all)")
    ap.add_argument("--no-browser", action="store_true", help="skip Chromium (and the server memory figure)")
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    started = time.perf_counter()
    results = {"command": "make bench" if argv is None and os.environ.get("MAKELEVEL") else
               " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)]),
               "machine": report.machine(), "seed": args.seed, "repeats": args.repeats,
               "pandas_every": args.pandas_every, "sizes": []}
    pw = chromium = None
    if not args.no_browser:
        pw, chromium = br.launch()
        args.bare_server = br.serve("bench/bare_app.py", Path(args.work) / "warehouses" / "none")
        for _ in range(3):  # untimed: the browser's and the bare server's first visits are slower
            br.visit(chromium, args.bare_server.url, 1)
    try:
        for rows in sizes:
            results["sizes"].append(measure_size(rows, args, chromium))
            intake.dump(results, Path(args.work) / "results.json")
    finally:
        if chromium is not None:
            args.bare_server.stop()
            chromium.close()
            pw.stop()
    results["settings"] = len(results["sizes"][0]["settings"]) if results["sizes"] else 0
    results["minutes"] = (time.perf_counter() - started) / 60
    results["finished"] = report.stamp()
    results["load_after"] = os.getloadavg()
    intake.dump(results, Path(args.work) / "results.json")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(report.render(results), encoding="utf-8")
    print(f"wrote {args.out} in {results['minutes']:.1f} min")
    for target, measured, met in report.targets(results["sizes"]):
        print(f"  {'n/a' if met is None else ('met ' if met else 'MISS')}  {target}: {measured}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
