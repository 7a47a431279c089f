"""Backtest of the time-to-cap forecast (dashboard/forecast.py) on simulated intakes.

    python -m bench.backtest [--seeds N] [--update-docs]      (make backtest)

Each scenario is an arrival process with its parameters drawn afresh for every seed (so the model is
not tuned to one curve). For each simulated intake, forecasts are made when 10 %, 25 %, 50 % and
75 % of the cap has arrived, and set against what then happened. Reported: how often the P10-P90
range holds the true cap moment (target 70-90 %), the median absolute error of P50 as a share of
the time that was left, and how often "not before close" (P(cap by close) below one half) was
called right. --update-docs writes the tables into docs/forecast.md.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from dashboard.forecast import project_cap

ZONE = ZoneInfo("America/Toronto")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "forecast.md"
FRACTIONS = (0.10, 0.25, 0.50, 0.75)
DAY = 24.0

# Hour-of-day shapes of the simulated applicants (local time), none of them the model's prior.
WAKING = np.array([0.35, 0.22, 0.12, 0.08, 0.07, 0.10, 0.25, 0.55, 0.85, 1.0, 1.0, 1.0,
                   0.95, 0.95, 1.0, 1.0, 0.95, 0.9, 0.9, 0.95, 1.0, 0.95, 0.8, 0.55])
OFFICE = np.array([0.03, 0.02, 0.02, 0.02, 0.02, 0.04, 0.10, 0.35, 0.80, 1.0, 1.0, 1.0,
                   0.85, 1.0, 1.0, 1.0, 0.90, 0.60, 0.40, 0.35, 0.30, 0.20, 0.10, 0.05])
WEST = np.roll(WAKING, 3)  # Pacific applicants on an Eastern clock
FLAT = np.ones(24)
SHAPES = (WAKING, OFFICE, WEST, FLAT)


@dataclass(frozen=True)
class Intake:
    """One simulated intake: arrival times, its cap, opening and close (aware datetimes)."""

    scenario: str
    seed: int
    arrivals: pd.DatetimeIndex
    cap: int
    opens_at: datetime
    closes_at: datetime | None

    @property
    def truth(self) -> datetime | None:
        """The moment the cap was reached, or None when it was not before closing."""
        if len(self.arrivals) < self.cap:
            return None
        at = self.arrivals[self.cap - 1].to_pydatetime()
        return at if self.closes_at is None or at <= self.closes_at else None


def _simulate(rng: np.random.Generator, opens_at: datetime, horizon_h: float, level: Callable[[np.ndarray], np.ndarray],
              diurnal: np.ndarray, weekday: np.ndarray, step_min: float) -> pd.DatetimeIndex:
    """Arrivals of a Poisson process with rate level(t) * diurnal(hour) * weekday(day), t in hours."""
    edges = np.arange(0.0, horizon_h + step_min / 60, step_min / 60)
    mid = edges[:-1] + step_min / 120
    local = (pd.Timestamp(opens_at) + pd.to_timedelta(mid, unit="h")).tz_convert(ZONE)
    lam = level(mid) * diurnal[local.hour] * weekday[local.day_of_week]
    k = rng.poisson(lam * step_min / 60)
    t = np.repeat(edges[:-1], k) + rng.random(int(k.sum())) * step_min / 60
    t.sort()
    return pd.DatetimeIndex(pd.Timestamp(opens_at).tz_convert("UTC") + pd.to_timedelta(t, unit="h")).floor("us")


def _intake(name: str, seed: int, rng: np.random.Generator, *, opens: datetime, closes: datetime, cap: int,
            shape: Callable[[np.ndarray], np.ndarray], diurnal: np.ndarray, weekday: np.ndarray,
            expected: float, by_hour: float, horizon_h: float, step_min: float) -> Intake:
    """An intake whose rate is `shape` (a function of hours since opening) times the daily and weekly
    pattern, scaled so that `expected` arrivals are due by `by_hour`, simulated for `horizon_h` hours."""
    t = np.arange(0.0, by_hour, 1 / 12) + 1 / 24
    local = (pd.Timestamp(opens) + pd.to_timedelta(t, unit="h")).tz_convert(ZONE)
    scale = expected / float(np.sum(shape(t) * diurnal[local.hour] * weekday[local.day_of_week]) / 12)
    arrivals = _simulate(rng, opens, horizon_h, lambda x: scale * shape(x), diurnal, weekday, step_min)
    return Intake(name, seed, arrivals, cap, opens, closes)


def _fading(peak: float, fade: float) -> Callable[[np.ndarray], np.ndarray]:
    """An opening rush `peak` times the settled rate, fading with a time constant of `fade` hours."""
    return lambda t: 1 + (peak - 1) * np.exp(-t / fade)


def _flat(t: np.ndarray) -> np.ndarray:
    return np.ones_like(t)


WORKWEEK = np.array([1, 1, 1, 1, 1, 0.7, 0.7])


def surge_2023(seed: int) -> Intake:
    """A 2023-like surge: 10,000 places gone in about a day or two, the opening rush fading over hours."""
    rng = np.random.default_rng([1, seed])
    peak, fade, diurnal, target = rng.uniform(2.5, 6.0), rng.uniform(2.0, 10.0), SHAPES[rng.integers(0, 2)], \
        rng.uniform(20, 48)
    return _intake("2023-like surge", seed, rng, opens=datetime(2023, 7, 16, 9, 0, tzinfo=ZONE),
                   closes=datetime(2024, 7, 16, 9, tzinfo=ZONE), cap=10_000, shape=_fading(peak, fade),
                   diurnal=diurnal, weekday=np.ones(7), expected=10_000, by_hour=target, horizon_h=2.5 * target,
                   step_min=1.0)


def flash(seed: int) -> Intake:
    """A small cap that goes within hours of opening."""
    rng = np.random.default_rng([2, seed])
    peak, fade, diurnal, target = rng.uniform(1.5, 4.0), rng.uniform(0.5, 3.0), SHAPES[rng.integers(0, 3)], \
        rng.uniform(2, 8)
    return _intake("fills in hours", seed, rng, opens=datetime(2024, 3, 5, 10, 0, tzinfo=ZONE),
                   closes=datetime(2024, 9, 5, 10, tzinfo=ZONE), cap=600, shape=_fading(peak, fade),
                   diurnal=diurnal, weekday=np.ones(7), expected=600, by_hour=target, horizon_h=3 * target,
                   step_min=1.0)


def slow_steady(seed: int) -> Intake:
    """A slow, steady intake: 1,500 places over a few months."""
    rng = np.random.default_rng([3, seed])
    diurnal, target = SHAPES[rng.integers(0, 4)], rng.uniform(60, 150) * DAY
    return _intake("slow steady", seed, rng, opens=datetime(2024, 1, 8, 9, 0, tzinfo=ZONE),
                   closes=datetime(2025, 1, 8, 9, tzinfo=ZONE), cap=1_500, shape=_flat, diurnal=diurnal,
                   weekday=WORKWEEK, expected=1_500, by_hour=target, horizon_h=2.5 * target, step_min=10.0)


def launch_spike(seed: int) -> Intake:
    """A launch spike (ten or more times the settled rate) that decays over a day or so."""
    rng = np.random.default_rng([4, seed])
    peak, fade, diurnal, target = rng.uniform(8, 25), rng.uniform(6, 36), SHAPES[rng.integers(0, 3)], \
        rng.uniform(10, 40) * DAY
    return _intake("launch spike that decays", seed, rng, opens=datetime(2024, 4, 2, 8, 30, tzinfo=ZONE),
                   closes=datetime(2025, 4, 2, 8, 30, tzinfo=ZONE), cap=4_000, shape=_fading(peak, fade),
                   diurnal=diurnal, weekday=np.array([1, 1, 1, 1, 1, 0.6, 0.6]), expected=4_000, by_hour=target,
                   horizon_h=2.5 * target, step_min=5.0)


def weekly(seed: int) -> Intake:
    """Office hours and a strong weekday/weekend pattern."""
    rng = np.random.default_rng([5, seed])
    weekend, target = rng.uniform(0.05, 0.25), rng.uniform(20, 60) * DAY
    return _intake("weekday/weekend pattern", seed, rng, opens=datetime(2024, 2, 7, 9, 0, tzinfo=ZONE),  # a Wednesday
                   closes=datetime(2025, 2, 7, 9, tzinfo=ZONE), cap=3_000, shape=_flat, diurnal=OFFICE,
                   weekday=np.array([1, 1, 1, 1, 0.9, weekend, weekend]), expected=3_000, by_hour=target,
                   horizon_h=2.5 * target, step_min=10.0)


def not_reached(seed: int) -> Intake:
    """Closes after four months with, on average, half to nine tenths of the cap arrived."""
    rng = np.random.default_rng([6, seed])
    opens, closes = datetime(2024, 5, 1, 9, 0, tzinfo=ZONE), datetime(2024, 8, 29, 9, 0, tzinfo=ZONE)
    window = (closes - opens).total_seconds() / 3600
    diurnal, fade, share = SHAPES[rng.integers(0, 4)], rng.uniform(100, 400) * DAY, rng.uniform(0.5, 0.9)
    return _intake("not reached before close", seed, rng, opens=opens, closes=closes, cap=5_000,
                   shape=lambda t: np.exp(-t / fade), diurnal=diurnal, weekday=WORKWEEK, expected=5_000 * share,
                   by_hour=window, horizon_h=window, step_min=10.0)


def burst(seed: int) -> Intake:
    """Steady, with one news story: a burst of 5 to 15 times the rate for a few hours."""
    rng = np.random.default_rng([7, seed])
    diurnal, target = SHAPES[rng.integers(0, 3)], rng.uniform(20, 60) * DAY
    start, length, size = rng.uniform(0.05, 0.45) * target, rng.uniform(3, 12), rng.uniform(5, 15)
    return _intake("one-off burst", seed, rng, opens=datetime(2024, 6, 3, 9, 0, tzinfo=ZONE),
                   closes=datetime(2025, 6, 3, 9, tzinfo=ZONE), cap=2_000,
                   shape=lambda t: 1 + (size - 1) * ((t >= start) & (t < start + length)), diurnal=diurnal,
                   weekday=np.array([1, 1, 1, 1, 1, 0.8, 0.8]), expected=2_000, by_hour=target,
                   horizon_h=2.5 * target, step_min=5.0)


def depletion(seed: int) -> Intake:
    """A pool of eligible people running out: the rate decays steadily, the cap still reached."""
    rng = np.random.default_rng([8, seed])
    diurnal = SHAPES[rng.integers(0, 4)]
    pool, target = rng.uniform(1.25, 2.5), rng.uniform(30, 90) * DAY  # eligible people per place
    fade = -target / math.log(1 - 1 / pool)
    return _intake("pool running out", seed, rng, opens=datetime(2024, 9, 3, 9, 0, tzinfo=ZONE),
                   closes=datetime(2025, 9, 3, 9, tzinfo=ZONE), cap=2_000, shape=lambda t: np.exp(-t / fade),
                   diurnal=diurnal, weekday=WORKWEEK, expected=2_000, by_hour=target, horizon_h=2.5 * target,
                   step_min=10.0)


SCENARIOS: dict[str, Callable[[int], Intake]] = {
    "surge": surge_2023, "flash": flash, "slow": slow_steady, "spike": launch_spike, "weekly": weekly,
    "not-reached": not_reached, "burst": burst, "depletion": depletion,
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
    def covered(self) -> bool:
        """The P10-P90 range holds the truth ("after close" counts as beyond any date before it)."""
        if self.truth is None:
            return self.p90 is None
        return (self.p10 is not None and self.p10 <= self.truth) and (self.p90 is None or self.truth <= self.p90)

    @property
    def relative_error(self) -> float | None:
        """|P50 - truth| as a share of the time that was left; None when either is after close."""
        if self.truth is None or self.p50 is None:
            return None
        return abs((self.p50 - self.truth).total_seconds()) / max((self.truth - self.as_of).total_seconds(), 1.0)

    @property
    def called_not_before_close(self) -> bool:
        return self.probability is not None and self.probability < 0.5


def trials(intake: Intake, fractions: tuple[float, ...] = FRACTIONS, draws: int = 1000) -> list[Trial]:
    """Forecasts at each fraction of the cap, made from the arrivals seen by then."""
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
                        seed=intake.seed, draws=draws)
        out.append(Trial(intake.scenario, intake.seed, frac, as_of, intake.truth, p.p10, p.p50, p.p90,
                         p.probability_by_close))
    return out


def run(scenarios: list[str], seeds: range, draws: int = 1000) -> list[Trial]:
    out: list[Trial] = []
    for name in scenarios:
        for seed in seeds:
            out.extend(trials(SCENARIOS[name](seed), draws=draws))
    return out


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


def markdown(table: pd.DataFrame, seeds: int, seconds: float) -> str:
    def pct(x):
        return "–" if pd.isna(x) else f"{100 * x:.0f} %"

    lines = ["| scenario | at | forecasts | P10-P90 coverage | median abs. error of P50 / time left "
             "| \"not before close\" right | wrongly called |", "|---|---|---:|---:|---:|---:|---:|"]
    for _, r in table.iterrows():
        at = r["fraction"] if r["fraction"] == "all" else f"{100 * r['fraction']:.0f} %"
        bold = "**" if r["scenario"] == "all" else ""
        lines.append(f"| {bold}{r['scenario']}{bold} | {at} | {int(r['forecasts'])} | {bold}{pct(r['coverage'])}{bold} "
                     f"| {pct(r['median_error'])} | {pct(r['not_before_close_right'])} "
                     f"| {pct(r['false_not_before_close'])} |")
    lines.append("")
    lines.append(f"{seeds} seeds per scenario; {int(table.iloc[-1]['forecasts'])} forecasts in {seconds:.0f} s.")
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
    ap.add_argument("--seeds", type=int, default=30, help="simulated intakes per scenario (default 30)")
    ap.add_argument("--scenario", action="append", choices=list(SCENARIOS), help="only these scenarios")
    ap.add_argument("--draws", type=int, default=1000, help="simulated futures per forecast (default 1000)")
    ap.add_argument("--update-docs", action="store_true", help="write the tables into docs/forecast.md")
    args = ap.parse_args(argv)
    started = time.monotonic()
    rows = run(args.scenario or list(SCENARIOS), range(args.seeds), args.draws)
    table = summary(rows)
    text = markdown(table, args.seeds, time.monotonic() - started)
    print(text)
    if args.update_docs:
        update_docs(text)
        print(f"written into {DOCS}")
    cov = float(table.iloc[-1]["coverage"])
    return 0 if 0.70 <= cov <= 0.90 else 1


if __name__ == "__main__":
    sys.exit(main())
