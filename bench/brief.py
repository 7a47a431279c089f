"""Time to write the minister's brief on the demo warehouse: median of a few runs, in each language.

    python -m bench.brief [--runs 3] [--program h1b-owp-2023]

Timed: gathering the figures (queries and the forecast) and printing the PDF (headless Chromium, two
charts); reported apart, with the machine named. `make bench` runs it on the demo warehouse it builds.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from dashboard import brief
from dashboard.filters import Filters


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.brief", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--program", default="h1b-owp-2023")
    args = ap.parse_args(argv)
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    for lang in ("en", "fr"):
        gather, total = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            b = brief.gather(Filters(args.program), lang=lang)
            mid = time.perf_counter()
            pdf = brief.render_pdf(brief.page_html(b, brief._plotly_js()))
            total.append(time.perf_counter() - start)
            gather.append(mid - start)
        print(f"{lang}: brief written in {statistics.median(total):.1f} s median of {args.runs} "
              f"(figures {statistics.median(gather):.1f} s, PDF {statistics.median(total) - statistics.median(gather):.1f} s), "
              f"{len(pdf):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
