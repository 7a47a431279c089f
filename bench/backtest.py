"""Backtest of the time-to-cap forecast (dashboard/forecast.py) on simulated intakes.

    python -m bench.backtest [--seeds N] [--first-seed S] [--jobs N] [--update-docs]      (make backtest)

Each family (the kinds of intake of issue 21: filled in minutes, hours or days, a news spike, a pool
running out, closed hours, an overnight surge, one that may not fill) is an arrival process with its
parameters, cap included, drawn afresh for every seed (so the model is not tuned to one curve). For
each simulated intake, forecasts are made when 25 %, 50 % and 75 % of the cap has arrived, and set
against what then happened. Reported: how often the P10-P90
range holds the true cap moment (target 70-90 %), the median absolute error of P50 as a share of
the time that was left, and how often "not before close" (P(cap by close) below one half) was
called right. --update-docs writes the tables into docs/forecast.md.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from dashboard.forecast import RushPrior, StoryPrior, learn_rush, learn_stories, project_cap
from dashboard.programs import Accepts

ZONE = ZoneInfo("America/Toronto")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "forecast.md"
FRACTIONS = (0.25, 0.50, 0.75)
DAY = 24.0

# Hour-of-day shapes of the simulated applicants (local time), none of them the model's prior.
WAKING = np.array([0.35, 0.22, 0.12, 0.08, 0.07, 0.10, 0.25, 0.55, 0.85, 1.0, 1.0, 1.0,
                   0.95, 0.95, 1.0, 1.0, 0.95, 0.9, 0.9, 0.95, 1.0, 0.95, 0.8, 0.55])
OFFICE = np.array([0.03, 0.02, 0.02, 0.02, 0.02, 0.04, 0.10, 0.35, 0.80, 1.0, 1.0, 1.0,
                   0.85, 1.0, 1.0, 1.0, 0.90, 0.60, 0.40, 0.35, 0.30, 0.20, 0.10, 0.05])
WEST = np.roll(WAKING, 3)  # Pacific applicants on an Eastern clock
FLAT = np.ones(24)
SHAPES = (WAKING, OFFICE, WEST, FLAT)
ALL_WEEK = np.ones(7)
QUIET_WEEKEND = np.array([1, 1, 1, 1, 1, 0.7, 0.7])


@dataclass(frozen=True)
class Intake:
    """One simulated intake: arrival times, its cap, opening and close (aware datetimes), and the
    calendar of hours its portal accepts applications in (None: around the clock)."""

    scenario: str
    seed: int
    arrivals: pd.DatetimeIndex
    cap: int
    opens_at: datetime
    closes_at: datetime | None
    accepts: Accepts | None = None

    @property
    def truth(self) -> datetime | None:
        """The moment the cap was reached, or None when it was not before closing."""
        if len(self.arrivals) < self.cap:
            return None
        at = self.arrivals[self.cap - 1].to_pydatetime()
        return at if self.closes_at is None or at <= self.closes_at else None


Rate = Callable[[np.ndarray, pd.DatetimeIndex], np.ndarray]


def _intake(name: str, seed: int, rng: np.random.Generator, *, opens: datetime, closes: datetime | None,
            cap: int, rate: Rate, expected: float, by_hour: float, horizon_h: float, steps: int = 20_000,
            accepts: Accepts | None = None) -> Intake:
    """Arrivals of a Poisson process whose rate is `rate(hours since opening, local time)` (times the
    open hours of `accepts`), scaled so that `expected` arrivals are due by `by_hour`, simulated for
    `horizon_h` hours in about `steps` steps."""
    step = horizon_h / steps
    edges = np.arange(0.0, horizon_h + step / 2, step)
    mid = edges[:-1] + step / 2
    local = (pd.Timestamp(opens) + pd.to_timedelta(mid * 3600.0, unit="s")).tz_convert(ZONE)
    lam = np.asarray(rate(mid, local), dtype=float)
    if accepts is not None:
        lam = lam * accepts(local)
    due = np.cumsum(lam) * step
    lam = lam * expected / float(np.interp(by_hour, edges[1:], due))
    k = rng.poisson(lam * step)
    t = np.sort(np.repeat(edges[:-1], k) + rng.random(int(k.sum())) * step)
    arrivals = pd.DatetimeIndex(pd.Timestamp(opens).tz_convert("UTC") + pd.to_timedelta(t * 3600.0, unit="s"))
    return Intake(name, seed, arrivals.floor("us"), cap, opens, closes, accepts)


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _cycle(diurnal: np.ndarray, weekday: np.ndarray = ALL_WEEK) -> Callable[[pd.DatetimeIndex], np.ndarray]:
    return lambda local: diurnal[local.hour] * weekday[local.day_of_week]


def _rush(peak: float, fade: float) -> Callable[[np.ndarray], np.ndarray]:
    """An opening rush `peak` times the settled rate, fading with a time constant of `fade` hours."""
    return lambda t: 1 + (peak - 1) * np.exp(-t / fade)


def minutes(seed: int) -> Intake:
    """Gone in minutes (Parents and Grandparents 2019: 27,000 forms, reported filled within minutes):
    5,000 to 30,000 places in 3 to 30 minutes, the rush fading as it goes."""
    rng = np.random.default_rng([11, seed])
    cap, target = round(_log_uniform(rng, 5_000, 30_000)), rng.uniform(3, 30) / 60
    rush = _rush(rng.uniform(1.5, 5.0), rng.uniform(0.1, 0.6) * target)
    return _intake("fills in minutes", seed, rng, opens=datetime(2019, 1, 28, 12, 0, tzinfo=ZONE),
                   closes=datetime(2019, 3, 1, 12, 0, tzinfo=ZONE), cap=cap, rate=lambda t, _: rush(t),
                   expected=cap, by_hour=target, horizon_h=3 * target)


def hours(seed: int) -> Intake:
    """Gone in hours (Home Care Worker pilots, 31 March 2025: 2,750 places, full by mid-afternoon):
    300 to 3,000 places in 2 to 8 hours from a weekday-morning opening."""
    rng = np.random.default_rng([12, seed])
    cap, target = round(_log_uniform(rng, 300, 3_000)), rng.uniform(2, 8)
    rush, cycle = _rush(rng.uniform(1.5, 5.0), rng.uniform(0.3, 3.0)), _cycle(SHAPES[rng.integers(0, 3)])
    return _intake("fills in hours", seed, rng, opens=datetime(2025, 3, 31, 9, 0, tzinfo=ZONE),
                   closes=datetime(2025, 12, 31, 23, 59, tzinfo=ZONE), cap=cap,
                   rate=lambda t, local: rush(t) * cycle(local), expected=cap, by_hour=target, horizon_h=3 * target)


def days(seed: int) -> Intake:
    """Gone in days (the 2023 H-1B permit: 10,000 places in about a day and a half): 2,000 to 20,000
    places in 20 to 72 hours, an opening rush of 2.5 to 6 times the settled rate fading over hours."""
    rng = np.random.default_rng([13, seed])
    cap, target = round(_log_uniform(rng, 2_000, 20_000)), rng.uniform(20, 72)
    rush, cycle = _rush(rng.uniform(2.5, 6.0), rng.uniform(2.0, 10.0)), _cycle(SHAPES[rng.integers(0, 3)])
    return _intake("fills in days", seed, rng, opens=datetime(2023, 7, 16, 9, 0, tzinfo=ZONE),
                   closes=datetime(2024, 7, 16, 9, tzinfo=ZONE), cap=cap,
                   rate=lambda t, local: rush(t) * cycle(local), expected=cap, by_hour=target, horizon_h=2.5 * target)


def news(seed: int) -> Intake:
    """A news story mid-intake: steady for weeks, then a minister's post or an article multiplies the
    rate 3 to 12 times at once, fading over 4 to 36 hours; 500 to 5,000 places in 10 to 40 days."""
    rng = np.random.default_rng([14, seed])
    cap, target = round(_log_uniform(rng, 500, 5_000)), rng.uniform(10, 40) * DAY
    at, size, fade = rng.uniform(0.1, 0.7) * target, rng.uniform(3, 12), rng.uniform(4, 36)
    cycle = _cycle(SHAPES[rng.integers(0, 3)], QUIET_WEEKEND)

    def rate(t: np.ndarray, local: pd.DatetimeIndex) -> np.ndarray:
        story = np.where(t >= at, (size - 1) * np.exp(-np.maximum(t - at, 0) / fade), 0.0)
        return (1 + story) * cycle(local)

    return _intake("news spike mid-intake", seed, rng, opens=datetime(2024, 6, 3, 9, 0, tzinfo=ZONE),
                   closes=datetime(2025, 6, 3, 9, tzinfo=ZONE), cap=cap, rate=rate, expected=cap, by_hour=target,
                   horizon_h=2.5 * target)


def pool(seed: int) -> Intake:
    """The eligible pool running out: 1.2 to 3 eligible people a place, each applying at a steady
    hazard, so the rate falls as the eager have applied and does not come back; 300 to 10,000 places
    in 5 to 90 days."""
    rng = np.random.default_rng([15, seed])
    cap, target = round(_log_uniform(rng, 300, 10_000)), _log_uniform(rng, 5, 90) * DAY
    people = rng.uniform(1.2, 3.0)
    fade = -target / math.log(1 - 1 / people)
    cycle = _cycle(SHAPES[rng.integers(0, 4)], QUIET_WEEKEND)
    return _intake("pool running out", seed, rng, opens=datetime(2024, 9, 3, 9, 0, tzinfo=ZONE),
                   closes=datetime(2025, 9, 3, 9, tzinfo=ZONE), cap=cap,
                   rate=lambda t, local: np.exp(-t / fade) * cycle(local), expected=cap, by_hour=target,
                   horizon_h=2.5 * target)


CALENDARS = (
    Accepts("America/Toronto", frozenset(range(5)), ((8.5, 16.5),),
            frozenset({date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 19)})),  # business days, holidays
    Accepts("America/Toronto", frozenset(range(5))),  # closed at weekends
    Accepts("America/Toronto", hours=((7.0, 23.0),)),  # closed at night
)


def closed(seed: int, calendar: Accepts | None = None) -> Intake:
    """A portal with closed hours (business days 08:30-16:30 with holidays, closed weekends, or closed
    at night), the calendar known to the forecast; 300 to 5,000 places in 3 to 30 days. `calendar`
    replaces the one drawn (earlier intakes of a program share its calendar: earlier_prior)."""
    rng = np.random.default_rng([16, seed])
    cap, target = round(_log_uniform(rng, 300, 5_000)), _log_uniform(rng, 3, 30) * DAY
    rush, cycle = _rush(rng.uniform(1.0, 4.0), rng.uniform(2, 24)), _cycle(SHAPES[rng.integers(0, 3)])
    drawn = CALENDARS[rng.integers(0, len(CALENDARS))]
    return _intake("closed hours", seed, rng, opens=datetime(2025, 4, 14, 8, 30, tzinfo=ZONE),
                   closes=datetime(2026, 4, 14, 8, 30, tzinfo=ZONE), cap=cap,
                   rate=lambda t, local: rush(t) * cycle(local), expected=cap, by_hour=target,
                   horizon_h=2.5 * target, accepts=drawn if calendar is None else calendar)


OPENINGS = (datetime(2024, 10, 1, 9, 0, tzinfo=ZoneInfo("Europe/London")),  # 04:00 in Toronto
            datetime(2024, 10, 1, 9, 0, tzinfo=ZoneInfo("Asia/Kolkata")),  # 23:30 the night before
            datetime(2024, 10, 1, 0, 0, tzinfo=ZoneInfo("UTC")),  # 20:00 the evening before
            datetime(2024, 10, 1, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo")))  # 23:00 the night before


def overnight(seed: int) -> Intake:
    """The opening announced for an hour in another zone: the eager stay up, and the surge comes in
    the night of the program's zone, on top of applicants in their waking hours; 1,000 to 20,000
    places in 1 to 5 days."""
    rng = np.random.default_rng([17, seed])
    cap, target = round(_log_uniform(rng, 1_000, 20_000)), rng.uniform(1, 5) * DAY
    opens = OPENINGS[rng.integers(0, len(OPENINGS))].astimezone(ZONE)
    size, fade, cycle = rng.uniform(4, 20), rng.uniform(1, 6), _cycle(SHAPES[rng.integers(0, 3)])
    return _intake("overnight surge", seed, rng, opens=opens, closes=opens + timedelta(days=365), cap=cap,
                   rate=lambda t, local: cycle(local) + size * np.exp(-t / fade), expected=cap, by_hour=target,
                   horizon_h=2.5 * target)


def never(seed: int) -> Intake:
    """May never fill: the intake closes after 1 to 8 weeks with 50 to 110 % of the cap due by then
    (so most do not fill and some fill near the end), the rate steady, fading from a rush, or falling
    as a pool empties; 500 to 20,000 places."""
    rng = np.random.default_rng([18, seed])
    cap, window = round(_log_uniform(rng, 500, 20_000)), rng.uniform(7, 56) * DAY
    share, kind = rng.uniform(0.5, 1.1), rng.integers(0, 3)
    fade = rng.uniform(0.3, 2.0) * window
    shape = (lambda t: np.ones_like(t), _rush(rng.uniform(2, 6), rng.uniform(6, 48)),
             lambda t: np.exp(-t / fade))[kind]
    cycle = _cycle(SHAPES[rng.integers(0, 4)], QUIET_WEEKEND)
    opens = datetime(2024, 5, 1, 9, 0, tzinfo=ZONE)
    return _intake("may not fill before close", seed, rng, opens=opens, closes=opens + timedelta(hours=window),
                   cap=cap, rate=lambda t, local: shape(t) * cycle(local), expected=cap * share, by_hour=window,
                   horizon_h=window)


FAMILIES: dict[str, Callable[[int], Intake]] = {
    "minutes": minutes, "hours": hours, "days": days, "news": news, "pool": pool, "closed": closed,
    "overnight": overnight, "never": never,
}


@dataclass(frozen=True)
class Trial:
    scenario: str
    seed: int
    fraction: float
    as_of: datetime
    truth: datetime | None
    p10: datetime | None
    p50: datetime | None
    p90: datetime | None
    probability: float | None

    @property
    def covered(self) -> float:
        """The chance that the P10-P90 range holds the truth: 1 or 0 where the cap was reached ("after
        close" counts as beyond any date before it).

        Where it was not reached, the truth "after close" sits anywhere in the top 1 - P(cap by close)
        of the forecast distribution (its PIT is uniform on [P, 1]: a randomised PIT, the usual way of
        scoring a censored outcome), so the range holds it with the chance (0.9 - max(P, 0.1)) / (1 - P).
        A forecast that said "2 % chance of filling" and saw it not fill scores 0.82, not 1: otherwise a
        family of intakes that mostly never fill reads near 100 % whatever the forecast's spread."""
        if self.truth is None:
            if self.probability is None:
                return float(self.p90 is None)
            p = self.probability
            return max(0.9 - max(p, 0.1), 0.0) / (1.0 - p) if p < 1.0 else 0.0
        return float((self.p10 is not None and self.p10 <= self.truth) and (self.p90 is None or self.truth <= self.p90))

    @property
    def relative_error(self) -> float | None:
        """|P50 - truth| as a share of the time that was left; None when either is after close."""
        if self.truth is None or self.p50 is None:
            return None
        return abs((self.p50 - self.truth).total_seconds()) / max((self.truth - self.as_of).total_seconds(), 1.0)

    @property
    def called_not_before_close(self) -> bool:
        return self.probability is not None and self.probability < 0.5


# The earlier intakes a forecast learns an opening rush from (dashboard.forecast.learn_rush), as a
# program is compared with the intakes loaded before it: six of the same family, on seeds of their own.
EARLIER = range(100_000, 100_006)


def _earlier(name: str, seeds: range, calendar: Accepts | None) -> list[tuple[pd.DatetimeIndex, datetime, datetime]]:
    """The earlier intakes of family `name`, each read up to its cap moment (or its close, or its last
    arrival). With a `calendar` (the closed-hours family) they are drawn on it, as a program's earlier
    intakes share its portal's open hours."""
    out = []
    for seed in seeds:
        it = FAMILIES[name](seed) if calendar is None else FAMILIES[name](seed, calendar=calendar)
        until = it.truth or it.closes_at or it.arrivals[-1].to_pydatetime()
        out.append((it.arrivals, it.opens_at, until.astimezone(ZONE)))
    return out


@functools.cache
def earlier_prior(name: str, seeds: range = EARLIER, calendar: Accepts | None = None) -> RushPrior | None:
    """The rush prior learned from earlier intakes of family `name` (_earlier). With a `calendar` (the
    closed-hours family) the earlier intakes are drawn on it and read knowing it: read as open around
    the clock, with calendars of their own, their closed nights and weekends made the learned day's
    profile a mixture of closures and not the applicants' day."""
    return learn_rush(_earlier(name, seeds, calendar), accepts=calendar)


@functools.cache
def earlier_stories(name: str, seeds: range = EARLIER, calendar: Accepts | None = None) -> StoryPrior | None:
    """The news-story prior learned from the same earlier intakes (learn_stories); None where they show
    no story (every family but news: their forecasts are as without it)."""
    return learn_stories(_earlier(name, seeds, calendar), accepts=calendar)


def trials(intake: Intake, fractions: tuple[float, ...] = FRACTIONS, draws: int = 1000,
           rush_prior: RushPrior | None = None, story_prior: StoryPrior | None = None) -> list[Trial]:
    """Forecasts at each fraction of the cap, made from the arrivals seen by then (and what earlier
    intakes say of an opening rush, `rush_prior`, and of news stories, `story_prior`)."""
    out = []
    for frac in fractions:
        k = math.ceil(frac * intake.cap)
        if len(intake.arrivals) < k:
            continue
        as_of = intake.arrivals[k - 1].to_pydatetime().astimezone(ZONE)
        if intake.closes_at is not None and as_of >= intake.closes_at:
            continue
        seen = intake.arrivals[:k]
        p = project_cap(seen, intake.cap, as_of, opens_at=intake.opens_at, closes_at=intake.closes_at,
                        seed=intake.seed, draws=draws, accepts=intake.accepts, rush_prior=rush_prior,
                        story_prior=story_prior)
        out.append(Trial(intake.scenario, intake.seed, frac, as_of, intake.truth, p.p10, p.p50, p.p90,
                         p.probability_by_close))
    return out


def _one(name: str, seed: int, draws: int, learn: bool) -> list[Trial]:
    """The forecasts of one simulated intake (a task of run's processes)."""
    intake = FAMILIES[name](seed)
    prior = earlier_prior(name, calendar=intake.accepts) if learn else None
    stories = earlier_stories(name, calendar=intake.accepts) if learn else None
    return trials(intake, draws=draws, rush_prior=prior, story_prior=stories)


def run(scenarios: list[str], seeds: range, draws: int = 1000, learn: bool = True, jobs: int = 1) -> list[Trial]:
    """Every family's forecasts, in family and seed order. `jobs` > 1 shares the intakes out among that
    many processes (each learns a family's prior once, earlier_prior's cache); the trials are the same."""
    tasks = [(name, seed) for name in scenarios for seed in seeds]
    if jobs <= 1:
        done = [_one(name, seed, draws, learn) for name, seed in tasks]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = list(pool.map(_one, *zip(*tasks, strict=True), [draws] * len(tasks), [learn] * len(tasks)))
    return [t for rows in done for t in rows]


def summary(rows: list[Trial]) -> pd.DataFrame:
    """One row per scenario and fraction, plus totals: forecasts, coverage, median relative error,
    "not before close" calls right (where the cap was not reached) and wrong (where it was)."""
    df = pd.DataFrame([{
        "scenario": r.scenario, "fraction": r.fraction, "covered": r.covered, "error": r.relative_error,
        "not_reached": r.truth is None, "called": r.called_not_before_close,
    } for r in rows])

    def agg(g: pd.DataFrame) -> pd.Series:
        nr = g[g["not_reached"]]
        rr = g[~g["not_reached"]]
        return pd.Series({
            "forecasts": len(g),
            "coverage": g["covered"].mean(),
            "median_error": g["error"].dropna().median() if g["error"].notna().any() else float("nan"),
            "not_before_close_right": nr["called"].mean() if len(nr) else float("nan"),
            "false_not_before_close": rr["called"].mean() if len(rr) else float("nan"),
        })

    by = df.groupby(["scenario", "fraction"], sort=False)[list(df.columns)].apply(agg).reset_index()
    per = df.groupby("scenario", sort=False)[list(df.columns)].apply(agg).reset_index().assign(fraction="all")
    total = agg(df).to_frame().T.assign(scenario="all", fraction="all")
    return pd.concat([by, per, total], ignore_index=True)


def markdown(table: pd.DataFrame, seeds: int, seconds: float, jobs: int = 1) -> str:
    def pct(x):
        return "–" if pd.isna(x) else f"{100 * x:.0f} %"

    lines = ["| family | at | forecasts | P10-P90 coverage | median abs. error of P50 / time left "
             "| \"not before close\" right | wrongly called |", "|---|---|---:|---:|---:|---:|---:|"]
    for _, r in table.iterrows():
        at = r["fraction"] if r["fraction"] == "all" else f"{100 * r['fraction']:.0f} %"
        bold = "**" if r["scenario"] == "all" else ""
        lines.append(f"| {bold}{r['scenario']}{bold} | {at} | {int(r['forecasts'])} | {bold}{pct(r['coverage'])}{bold} "
                     f"| {pct(r['median_error'])} | {pct(r['not_before_close_right'])} "
                     f"| {pct(r['false_not_before_close'])} |")
    per = table[(table["fraction"] == "all") & (table["scenario"] != "all")]
    off = [f"{r['scenario']} ({pct(r['coverage'])}, {pct(r['median_error'])})" for _, r in per.iterrows()
           if not 0.70 <= r["coverage"] <= 0.90 or (pd.notna(r["median_error"]) and r["median_error"] > 0.25)]
    lines.append("")
    lines.append("Families outside the target (70-90 % coverage, median error at most 25 %): "
                 + ("; ".join(off) if off else "none") + ".")
    lines.append("")
    lines.append(f"{seeds} seeds per family; {int(table.iloc[-1]['forecasts'])} forecasts in {seconds:.0f} s"
                 + (f" in {jobs} processes." if jobs > 1 else "."))
    return "\n".join(lines)


def update_docs(text: str, path: Path = DOCS) -> None:
    start, end = "<!-- backtest:start -->", "<!-- backtest:end -->"
    doc = path.read_text(encoding="utf-8")
    head, rest = doc.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{text}\n{end}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.backtest", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=30, help="simulated intakes per family (default 30)")
    ap.add_argument("--first-seed", type=int, default=0,
                    help="the first seed (default 0, the published run's; 30 gives seeds 30-59 with --seeds 30)")
    ap.add_argument("--scenario", action="append", choices=list(FAMILIES), help="only these families")
    ap.add_argument("--draws", type=int, default=1000, help="simulated futures per forecast (default 1000)")
    ap.add_argument("--jobs", type=int, default=1, help="processes sharing the intakes out (default 1)")
    ap.add_argument("--update-docs", action="store_true", help="write the tables into docs/forecast.md")
    args = ap.parse_args(argv)
    started = time.monotonic()
    if args.update_docs and args.first_seed != 0:
        ap.error("--update-docs writes the published run: seeds from 0")
    rows = run(args.scenario or list(FAMILIES), range(args.first_seed, args.first_seed + args.seeds), args.draws,
               jobs=args.jobs)
    table = summary(rows)
    text = markdown(table, args.seeds, time.monotonic() - started, args.jobs)
    print(text)
    if args.update_docs:
        update_docs(text)
        print(f"written into {DOCS}")
    cov = float(table.iloc[-1]["coverage"])
    return 0 if 0.70 <= cov <= 0.90 else 1


if __name__ == "__main__":
    sys.exit(main())
