"""A fresh browser: Overview to all charts drawn against a bare one-chart page, same run (issue 17).

    python -m bench.fresh [--warm 6] [--out bench/out/fresh.json] [--against DIR]

The same measurement as `python -m bench`'s browser figures (bench/browser.py: headless Chromium, a new
context per visit, the page's and the bare page's visits interleaved so that other load on the machine
falls on both alike), on the demo warehouse alone, so that it can be re-run in a few minutes without the
1M/10M intakes. Reported: the median over the warm visits of (Overview, both charts drawn) / (bare page,
its chart drawn), each pair taken back to back; target ≤ 1.3×. Beside it, the same ratio of the renderer
processes' CPU time (bench/browser.py), which a busy shared machine moves much less than the wall times.

--against DIR serves another checkout's dashboard too (DIR: e.g. `git worktree add --detach /tmp/base main`
with its .venv linked), on the same warehouse, its visits interleaved with this checkout's round by round
(bench/browser.py measure_pages): both ratios for each, and the two versions' paired ratio (this / DIR),
for an A/B in the same minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench import browser as br
from bench.reliability import OUT, ROOT, site


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.fresh", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warm", type=int, default=6, help="repeat visits of each page, interleaved")
    ap.add_argument("--out", type=Path, default=OUT / "fresh.json")
    ap.add_argument("--against", type=Path, help="another checkout whose Overview is measured in the same run")
    args = ap.parse_args(argv)
    if args.against is not None and not (args.against / "dashboard" / "app.py").is_file():
        ap.error(f"--against {args.against}: no dashboard/app.py there")
    with site(programs=False) as s:
        print("building the demo warehouse ...", flush=True)
        subprocess.run([sys.executable, "-m", "dashboard.build", "--force"], cwd=ROOT, env=s.env, check=True,
                       stdout=subprocess.DEVNULL)
        pw, chromium = br.launch()
        server = bare = other = None
        try:
            server = br.serve("dashboard/app.py", s.warehouse)
            bare = br.serve("bench/bare_app.py", s.folder / "none" / "warehouse")
            before = os.getloadavg()
            if args.against is None:
                pair = br.measure_pair(chromium, server, 2, bare, [], args.warm)
            else:
                other = br.serve("dashboard/app.py", s.warehouse, root=args.against)
                both = br.measure_pages(chromium, {"this": server, "against": other}, 2, bare, args.warm)
                pair = both["versions"]["this"]
        finally:
            for srv in (server, bare, other):
                if srv is not None:
                    srv.stop()
            chromium.close()
            pw.stop()
    result = {"overview_all_ms": pair["page"]["warm_all_ms"], "bare_first_ms": pair["bare"]["warm_first_ms"],
              "paired_ratio": pair["paired_ratio"], "warm_visits": args.warm,
              "overview_renderer_cpu_ms": pair["page"]["warm_renderer_cpu_ms"],
              "bare_renderer_cpu_ms": pair["bare"]["warm_renderer_cpu_ms"], "paired_cpu_ratio": pair["paired_cpu_ratio"],
              "overview_cold_all_ms": pair["page"]["cold"]["all_ms"], "bare_cold_first_ms": pair["bare"]["cold"]["first_ms"],
              "load_average_before": list(before), "load_average_after": list(os.getloadavg()),
              "outside_requests": sorted(set(pair["page"]["outside_requests"]) | set(pair["bare"]["outside_requests"])),
              "visits": pair}
    if args.against is not None:
        result["against"] = {"checkout": str(args.against.resolve()), **both["versions"]["against"],
                             "this_over_against": both["between"]["this/against"]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"Overview, all charts drawn: {result['overview_all_ms']:,.0f} ms (median of {args.warm}); bare page, its "
          f"chart: {result['bare_first_ms']:,.0f} ms; paired ratio {result['paired_ratio']}× (target ≤ 1.3×); "
          f"renderer CPU {result['overview_renderer_cpu_ms']:,.0f} / {result['bare_renderer_cpu_ms']:,.0f} ms, paired "
          f"ratio {result['paired_cpu_ratio']}×; load average {before[0]:.1f} → {result['load_average_after'][0]:.1f}")
    if args.against is not None:
        a = result["against"]
        print(f"--against {a['checkout']}: Overview {a['page']['warm_all_ms']:,.0f} ms, paired ratio {a['paired_ratio']}×, "
              f"CPU ratio {a['paired_cpu_ratio']}×; this / against, same rounds: wall {a['this_over_against']['all_ms']}×, "
              f"renderer CPU {a['this_over_against']['renderer_cpu_ms']}×")
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
