"""Plan the next intake: when will a cap be reached, before the first application has arrived?

    python -m dashboard.forecast plan --like PROGRAM --cap N --opens 2026-06-01T09:00 --zone America/Toronto
                                      [--pool N] [--first-hour N]

The shape is learned from an earlier intake (a loaded program): its applications counting toward the
cap, by time since its opening. The new intake is assumed to draw applications at the same pace,
scaled by the size of the eligible pool (new pool / earlier pool; the pools are facts of the
reference data named by `pool_fact` in programs.toml, the new one adjustable). How far the new
intake's demand may differ from that (people apply more or less eagerly, news, the economy) is the
one uncertain factor: lognormal, with 80 % of its weight within SPREAD times either way. When the
first hour's count is known, that factor is updated (Poisson likelihood of the count), and the range
narrows. Nothing is simulated; the quantiles come from inverting the earlier cumulative curve.

Beyond the earlier intake's last application (it stopped at its cap), its pace over its last tenth
goes on: a plan that needs more applications than the earlier intake saw says so (`beyond_seen`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from scipy import stats

SPREAD = 1.5  # P10-P90 of the demand factor: from 1/1.5 to 1.5 times the earlier intake's pace
QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class Plan:
    """The planned cap moment: P10, P50, P90 (aware, in the new intake's zone), and the
    demand factor's quantiles they come from."""

    p10: datetime
    p50: datetime
    p90: datetime
    factor: tuple[float, float, float]  # demand factor at P90, P50, P10 of the time (high demand = early)
    pool_ratio: float
    expected_first_hour: float  # applications expected in the first hour at the median factor
    beyond_seen: bool  # P90 needs more applications than the earlier intake saw


def _shape(arrivals: Iterable, opens_at: datetime) -> np.ndarray:
    idx = pd.DatetimeIndex(list(arrivals) if not isinstance(arrivals, (pd.Series, pd.Index)) else arrivals)
    if len(idx) and idx.tz is None:
        raise ValueError("arrival times must be timezone-aware")
    h = ((idx - pd.Timestamp(opens_at)) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
    return np.sort(h[h >= 0])


def _time_for(count: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Hours after opening at which the earlier curve reaches `count` (fractional counts interpolate);
    beyond its last arrival, at its pace over its last tenth."""
    n = len(h)
    span = max(h[-1] / 10.0, 1e-6)
    tail_rate = max(np.sum(h >= h[-1] - span), 1) / span
    inside = np.interp(count, np.arange(1, n + 1), h)
    return np.where(count <= n, inside, h[-1] + (count - n) / tail_rate)


def plan_cap(earlier: Iterable, earlier_opens: datetime, cap: int, opens_at: datetime, *,
             pool_ratio: float = 1.0, first_hour: int | None = None, spread: float = SPREAD) -> Plan:
    """The cap moment of a new intake opening at `opens_at` (aware) with `cap` places, from an
    earlier intake's counting arrivals (aware times) since `earlier_opens`, its pace scaled by
    `pool_ratio`; `first_hour` (applications in the new intake's first hour) narrows the range."""
    if opens_at.tzinfo is None or earlier_opens.tzinfo is None:
        raise ValueError("opens_at and earlier_opens must be timezone-aware")
    if cap < 1 or pool_ratio <= 0:
        raise ValueError("cap and pool_ratio must be positive")
    h = _shape(earlier, earlier_opens)
    if len(h) < 2:
        raise ValueError("the earlier intake has fewer than two applications: no shape to learn from")
    sd = np.log(spread) / stats.norm.ppf(0.9)
    first_expected = pool_ratio * max(float(np.sum(h <= 1.0)), 0.5)
    if first_hour is None:
        z = stats.norm.ppf(QUANTILES)
        log_f = sd * z  # P10, P50, P90 of the factor
    else:  # posterior of log factor on a grid: normal prior x Poisson(first_hour | factor * expected)
        grid = np.linspace(-6 * sd, 6 * sd, 4001)
        logpost = stats.norm.logpdf(grid, 0, sd) + stats.poisson.logpmf(first_hour, first_expected * np.exp(grid))
        w = np.exp(logpost - logpost.max())
        cdf = np.cumsum(w) / w.sum()
        log_f = np.interp(QUANTILES, cdf, grid)
    factor = np.exp(log_f)[::-1]  # high demand first: it gives the early moment (P10)
    needed = cap / (pool_ratio * factor)
    hours = _time_for(needed, h)
    zone = opens_at.tzinfo
    p10, p50, p90 = ((opens_at + timedelta(hours=float(x))).astimezone(zone) for x in hours)
    return Plan(p10, p50, p90, tuple(float(x) for x in factor), pool_ratio, first_expected,
                bool(needed[-1] > len(h)))


# ---------------------------------------------------------------- command line

def default_opening(earlier_opens: datetime, today: date) -> date:
    """The opening day a plan starts from: the earlier intake's day of the week (its first days' shape is
    learned by time since opening, and weekdays differ), in the first week at least four weeks after
    `today`. (It was the earlier opening plus three years, a date already past in December 2026.)"""
    first = today + timedelta(days=28)
    return first + timedelta(days=(earlier_opens.weekday() - first.weekday()) % 7)


def pool_of(program, facts: pd.DataFrame) -> float | None:
    if not program.pool_fact:
        return None
    row = facts[facts["fact"] == program.pool_fact]
    return float(row["value"].iloc[0]) if len(row) else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dashboard.forecast plan", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--like", required=True, help="the earlier intake to learn the shape from (a program id)")
    ap.add_argument("--cap", type=int, required=True, help="places in the new intake")
    ap.add_argument("--opens", required=True, help="opening moment, e.g. 2026-06-01T09:00 (in --zone)")
    ap.add_argument("--zone", default=None, help="IANA time zone of --opens (default: the earlier program's)")
    ap.add_argument("--pool", type=float, help="eligible pool of the new intake (default: the earlier one's)")
    ap.add_argument("--first-hour", type=int, help="applications counted in the new intake's first hour")
    args = ap.parse_args(argv)

    from dashboard import metrics
    from dashboard.filters import Filters
    from dashboard.i18n import fmt_datetime
    from dashboard.programs import ProgramConfigError, programs

    def fail(message: str) -> int:
        print(f"python -m dashboard.forecast plan: {message}", file=sys.stderr)
        return 2

    try:
        progs = programs()
    except ProgramConfigError as exc:
        return fail(str(exc))
    if args.like not in progs:
        return fail(f"--like {args.like}: no such program in programs.toml (known: {', '.join(progs)})")
    earlier = progs[args.like]
    try:
        zone = ZoneInfo(args.zone) if args.zone else earlier.tz
    except (ZoneInfoNotFoundError, ValueError):
        return fail(f"--zone {args.zone}: not an IANA time zone name such as America/Toronto")
    try:
        opens = datetime.fromisoformat(args.opens)
    except ValueError:
        return fail(f"--opens {args.opens}: expected an ISO 8601 time such as 2026-06-01T09:00")
    opens = opens.replace(tzinfo=zone) if opens.tzinfo is None else opens
    if args.cap < 1:
        return fail("--cap must be at least 1")
    try:
        times = metrics.counting_arrivals(Filters(earlier.id))["submitted_at"]
        facts = metrics.h1b_pool_facts() if earlier.pool_fact else pd.DataFrame(columns=["fact", "value"])
    except Exception as exc:  # noqa: BLE001 - no warehouse yet, or none with this program: say so
        return fail(f"cannot read the warehouse ({exc}); run `make run` or `python -m dashboard.build` first")
    times = pd.to_datetime(times, utc=True)
    if len(times) < 2:
        return fail(f"--like {args.like}: the warehouse holds fewer than two of its applications")
    old_pool = pool_of(earlier, facts)
    if args.pool is not None and old_pool is None:
        return fail(f"--pool: {args.like} names no eligible pool (pool_fact in programs.toml); leave --pool out")
    ratio = (args.pool / old_pool) if args.pool is not None else 1.0
    plan = plan_cap(times, earlier.opens_at, args.cap, opens, pool_ratio=ratio, first_hour=args.first_hour)

    def when(x: datetime) -> str:
        return f"{fmt_datetime(x, zone.key, 'en')} ({(x - opens) / timedelta(hours=1):,.1f} h after opening)"

    print(f"Planned intake: {args.cap:,} places, opening {fmt_datetime(opens, zone.key, 'en')} ({zone.key})")
    print(f"Shape from: {earlier.name_en} ({len(times):,} applications counting toward its cap)")
    pool_line = "the same eligible pool as the earlier intake"
    if old_pool is not None:
        pool_line = f"eligible pool {args.pool or old_pool:,.0f} against {old_pool:,.0f} ({earlier.pool_fact})"
    print(f"Demand: {pool_line}; pace factor P10-P90 {1 / SPREAD:.2f}-{SPREAD:.2f}"
          + (f", updated by {args.first_hour:,} applications in the first hour" if args.first_hour is not None
             else f"; about {plan.expected_first_hour:,.0f} expected in the first hour"))
    print(f"Cap expected between {when(plan.p10)} and {when(plan.p90)}")
    print(f"Most likely around {when(plan.p50)}")
    if plan.beyond_seen:
        print("Note: the late end needs more applications than the earlier intake saw; its last pace is assumed to go on.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
