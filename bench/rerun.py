"""Server CPU of a page's rerun after a filter change, with and without the figure cache (issue 17).

    python -m bench.rerun [--warehouse data/warehouse | --rows N] [--repeats 5] [--pages overview,velocity,...]
                          [--json FILE] [--update-docs]

--rows N: the bench intake of N application rows (bench.load.scaled_warehouse: built once, then reused).

The page runs through Streamlit's AppTest in this process on the warehouse given (the demo warehouse by
default: `make warehouse`), as one session whose sidebar Status filter cycles through a few settings.
Measured: the CPU time of the thread that runs the script (time.thread_time), median over every rerun,
for three cases in the same run, interleaved setting by setting so that the machine's load falls alike:

    before        DASHBOARD_FIGURE_CACHE=0: every rerun builds its figures through graph_objects
    after         the figure cache on, the settings already drawn once (by this or another session)
    after, new    the figure cache on but emptied before each rerun: filters nobody drew since the ingest
    new setting   a Status and Applicant role setting no run of this process asked for yet: its metrics
                  queried and its figures built, as for 83 % of bench.load's script runs (issue 17)

The metrics are cached in the first three (every setting is run once before timing), as they are on
a server after the first visit, so what differs is the figures. As on a server, the scripts are compiled
once (AppTest alone recompiles them on every run, which no server does).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench import report, timing
from dashboard.programs import ROOT

PAGES = {"overview": None, "velocity": "views/velocity.py", "countries": "views/countries.py",
         "time_to_cap": "views/time_to_cap.py", "extracts": "views/extracts.py"}
SETTINGS = ([], ["approved"], ["refused", "withdrawn"], ["approved", "in_review"], ["submitted"])
CASES = ("before", "after", "after_new", "new_setting")
SECTION = "## Rerun server CPU after a filter change (issue 17)"


@contextlib.contextmanager
def compiled_once() -> Iterator[None]:
    """AppTest compiling each script once, as a server does (one ScriptCache for every run; AppTest alone
    makes a new one per run, so it parses and compiles app.py and the page on every rerun)."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    saved = (app_test.ScriptCache, local_script_runner.ScriptCache)
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache = saved


@contextlib.contextmanager
def server_like() -> Iterator[list[float]]:
    """AppTest as a server runs scripts (compiled_once), each run's script-thread CPU time appended to
    the list yielded."""
    from streamlit.runtime.scriptrunner import script_runner

    cpu: list[float] = []
    original = script_runner.ScriptRunner._run_script

    def timed(self, *args, **kwargs):
        started = time.thread_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            cpu.append(time.thread_time() - started)

    script_runner.ScriptRunner._run_script = timed
    try:
        with compiled_once():
            yield cpu
    finally:
        script_runner.ScriptRunner._run_script = original


@contextlib.contextmanager
def figure_cache(on: bool) -> Iterator[None]:
    with timing.env_var("DASHBOARD_FIGURE_CACHE", "1" if on else "0"):
        yield


def unseen_settings() -> Iterator[tuple[list[str], list[str]]]:
    """(roles, statuses) settings that none of SETTINGS is (those leave the roles open): 7 × 30 of them, in an
    order shuffled once and for all (a fixed seed): in the order they are made, the first page measured got
    only "submitted" settings, which match almost nothing on the demo, so it drew no chart (session 8)."""
    import random
    from itertools import combinations

    from dashboard.programs import ROLES, STATUSES

    settings = [(list(roles), list(statuses)) for k in (1, 2, 3, 4) for statuses in combinations(STATUSES, k)
                for n in (1, 2, 3) for roles in combinations(ROLES, n)]
    random.Random(17).shuffle(settings)
    yield from settings


def measure_page(page: str, repeats: int, settings=SETTINGS, fresh: Iterator | None = None) -> dict:
    """{case: {"median_ms", "n", "ms": [...]}} for one page; `fresh`: the settings the "new setting" case
    takes one at a time (shared by the pages of a run, so that no page gets one another page's run cached)."""
    from streamlit.testing.v1 import AppTest

    from dashboard.sidebar import FILTERS_OPEN
    from dashboard.ui import figures

    fresh = fresh if fresh is not None else unseen_settings()

    with server_like() as cpu:
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
        at.session_state[FILTERS_OPEN] = True  # the filters section opened, as a person changing them has
        at.run()
        if PAGES[page]:
            at.switch_page(PAGES[page]).run()

        def rerun(setting, roles=()) -> float:
            at.sidebar.multiselect(key="f_role").set_value(list(roles))
            at.sidebar.multiselect(key="f_status").set_value(list(setting)).run()
            if at.exception:
                raise RuntimeError(f"{page} with status {setting}: {at.exception[0].message}")
            return cpu[-1]

        for setting in settings:  # untimed: every setting's metrics cached, and its figures drawn once
            rerun(setting)
        times: dict[str, list[float]] = {case: [] for case in CASES}
        for _ in range(repeats):
            for setting in settings:
                # each case comes to `setting` from another one, as after a filter change
                previous = settings[settings.index(setting) - 1]
                with figure_cache(False):
                    rerun(previous)
                    times["before"].append(rerun(setting))
                with figure_cache(True):
                    figures.clear()  # nothing drawn yet: `previous` builds its figures, then `setting` does
                    rerun(previous)
                    times["after_new"].append(rerun(setting))
                    rerun(previous)  # both drawn now
                    times["after"].append(rerun(setting))
                    roles, statuses = next(fresh, (None, None))
                    if roles is None:
                        raise RuntimeError("no new filter setting left for the new-setting case: ask fewer --repeats")
                    times["new_setting"].append(rerun(statuses, roles))
                    rerun(previous)  # (the next case comes from a known setting again)
    return {case: {"median_ms": round(statistics.median(v) * 1000, 1), "n": len(v),
                   "ms": [round(x * 1000, 1) for x in v]} for case, v in times.items()}


def render(results: dict) -> str:
    m = results["machine"]
    lines = [SECTION, "",
             f"`{results['command']}` (bench/rerun.py) on {results['finished']}, the demo warehouse "
             f"({results['warehouse']}). Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB; load average "
             f"{', '.join(f'{x:.1f}' for x in m['load_before'])} before and "
             f"{', '.join(f'{x:.1f}' for x in results['load_after'])} after (shared machine: CPU time, not wall "
             "time, and the three cases interleaved in one run). CPU of the script's thread per rerun after a "
             f"change of the Status filter, median of {results['repeats']} rounds over {results['settings']} settings; "
             "metrics cached in the first three cases. *before*: figures built through graph_objects on every rerun "
             "(DASHBOARD_FIGURE_CACHE=0); *after*: settings already drawn (by anyone since the last ingest); "
             "*after, new*: the figure cache emptied before each rerun; *new setting*: a Status and Applicant role "
             "setting nobody asked for yet (its queries and figures, as most of bench.load's runs).", "",
             "| page | before | after | after, new | new setting | before / after |", "|---|---|---|---|---|---|"]
    for page, r in results["pages"].items():
        b, a, n, new = (r[c]["median_ms"] for c in CASES)
        lines.append(f"| {page} | {b:,.1f} ms | {a:,.1f} ms | {n:,.1f} ms | {new:,.1f} ms | {b / a:.1f}× |")
    overview = results["pages"].get("overview")
    if overview:
        met = overview["after"]["median_ms"] <= 60
        lines += ["", f"Target: an Overview rerun ≤ 60 ms median: **{'met' if met else 'not met'}** "
                      f"({overview['after']['median_ms']:.1f} ms)."]
    return "\n".join(lines) + "\n"


def update_docs(section: str, path: Path) -> None:
    """Put `section` in place of the previous one in `path` (or at its end)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
        text = text.replace(section + "## ", section + "\n## ")
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.rerun", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", default=os.environ.get("DASHBOARD_WAREHOUSE") or str(ROOT / "data" / "warehouse"))
    ap.add_argument("--repeats", type=int, default=5, help="rounds over the filter settings")
    ap.add_argument("--settings", type=int, default=len(SETTINGS),
                    help="only the first N of the %(default)s Status settings (a smoke run)")
    ap.add_argument("--pages", default=",".join(PAGES), help="comma-separated, of: " + ", ".join(PAGES))
    ap.add_argument("--rows", type=int, help="the bench intake of this many rows instead of --warehouse")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    ap.add_argument("--update-docs", action="store_true", help="write the table into docs/benchmarks.md")
    args = ap.parse_args(argv)
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in pages if p not in PAGES]
    if unknown:
        ap.error(f"unknown page(s) {', '.join(unknown)}: choose from {', '.join(PAGES)}")
    if args.rows:
        from bench.load import scaled_warehouse

        args.warehouse = str(scaled_warehouse(args.rows))
    warehouse = Path(args.warehouse)
    if not (warehouse / "CURRENT").exists():
        print(f"No warehouse in {warehouse}: run `make warehouse` (the demo) or pass --warehouse.", file=sys.stderr)
        return 2
    os.environ["DASHBOARD_WAREHOUSE"] = str(warehouse)
    results = {"command": " ".join(["python -m bench.rerun", *(sys.argv[1:] if argv is None else argv)]),
               "machine": report.machine(), "warehouse": warehouse.name, "rows": args.rows, "repeats": args.repeats,
               "settings": max(2, args.settings), "pages": {}}
    fresh = unseen_settings()
    for page in pages:
        results["pages"][page] = r = measure_page(page, args.repeats, SETTINGS[:max(2, args.settings)], fresh)
        print(f"{page}: before {r['before']['median_ms']} ms, after {r['after']['median_ms']} ms, "
              f"after (new figures) {r['after_new']['median_ms']} ms, new setting {r['new_setting']['median_ms']} ms",
              flush=True)
    results["load_after"] = os.getloadavg()
    results["finished"] = report.stamp()
    section = render(results)
    print(section)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    if args.update_docs:
        update_docs(section, ROOT / "docs" / "benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
