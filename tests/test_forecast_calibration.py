"""Calibration on small fixed sets of simulated intakes, one small version of each backtest family
(bench/backtest.py has the full run, docs/forecast.md its table), each forecast with what earlier intakes
of its family say of an opening rush (bench.backtest.earlier_prior), as the full run does.

Each family is its own test (one parametrised case a family, no shared fixture: the suite's workers
share the work out by test, and a module fixture would be computed once in each). The families the
full backtest has within the issue's bounds are held to them (P10-P90 coverage 70-90 %, median P50
error at most 25 % of the time left) on ten seeds of their own; the overnight surge, whose range is
too wide, to the error bound and 70 % on ten; the news family (stories expected at the rate earlier
intakes show, session 12) to the issue's bounds on five; the others to what the full run shows of them
(the range holds the truth more often than not, the median nearer the truth than the time left), on two."""

from __future__ import annotations

import pytest

from bench.backtest import FAMILIES, run, summary

SEEDS = range(1000, 1010)  # outside the seeds of the published backtest and of its earlier intakes
DRAWS = 300

# within the issue's bounds in the full backtest (docs/forecast.md)
IN_TARGET = ["minutes", "hours", "days", "pool"]
# within the error bound, its range too wide until session 10 (94 %, now 87 %): held to the error bound and 70 %
WIDE = ["overnight"]
# within the issue's bounds on other seeds too since stories to come are expected (session 12): on five
NEWS = "news"
# not yet: held to weaker bounds, on two seeds
BEHIND = [name for name in FAMILIES if name not in [*IN_TARGET, *WIDE, NEWS] and name != "never"]


def _family(name: str, seeds: range):
    rows = run([name], seeds, draws=DRAWS)
    family = FAMILIES[name](seeds[0]).scenario
    table = summary(rows).set_index(["scenario", "fraction"])
    assert {t.fraction for t in rows} == {0.25, 0.5, 0.75}, f"{family}: a moment of the cap was not forecast"
    assert all(t.p10 <= t.p50 <= t.p90 for t in rows if t.p90 is not None)
    return rows, table.loc[(family, "all")], family


def test_the_calibrated_families_meet_the_issue_bounds():
    # One test for the four (no shared fixture: make test's workers share tests out, and a module
    # fixture is computed in each). Each family: the range holds the truth at least 70 % of the time
    # and the median error is at most 25 % of the time left; the 90 % bound on the four together
    # (120 forecasts): thirty do not read it (a binomial sd of 5 to 7 points; on these seeds
    # "fills in minutes" covers 93 %, 84 % on the published thirty).
    covered = []
    for name in IN_TARGET:
        rows, row, family = _family(name, SEEDS)
        assert row["coverage"] >= 0.70, f"{family}: P10-P90 coverage {row['coverage']:.0%} on {len(rows)} forecasts"
        assert row["median_error"] <= 0.25, f"{family}: median P50 error {row['median_error']:.0%} of the time left"
        # every intake of these families fills long before it closes: none is called "not before close"
        assert row["false_not_before_close"] == 0
        covered += [t.covered for t in rows]
    pooled = sum(covered) / len(covered)
    assert 0.70 <= pooled <= 0.90, f"P10-P90 coverage {pooled:.0%} on {len(covered)} forecasts"


@pytest.mark.parametrize("name", WIDE)
def test_a_family_whose_range_is_too_wide_meets_the_error_bound(name):
    # The overnight surge, read as added to the day's applicants (session 10): its median error within
    # the issue's bound (59 % before, the surge read as multiplying the night's low profile), the range
    # holding the truth at least 70 % of the time; it held it too often (94 % on the published thirty)
    # until the weekday doubt was learned from earlier intakes (session 10, third step: 87 % there,
    # 87 % / 21 % on these ten seeds), which thirty forecasts do not read.
    rows, row, family = _family(name, SEEDS)
    assert row["coverage"] >= 0.70, f"{family}: P10-P90 coverage {row['coverage']:.0%} on {len(rows)} forecasts"
    assert row["median_error"] <= 0.25, f"{family}: median P50 error {row['median_error']:.0%} of the time left"
    assert row["false_not_before_close"] == 0


def test_the_news_family_meets_the_issue_bounds():
    # The futures expect news stories at the rate, and of the sizes, the family's earlier intakes show
    # (learn_stories, session 12): its forecasts made before a story no longer all come late. Five seeds
    # (its forecasts take a few seconds): 87 % / 18 % (main's code before: 67 % / 24 %, at a quarter of
    # the cap 40 %); on the backtest's seeds 0-29 and 30-59 inside as well (docs/forecast.md).
    rows, row, family = _family(NEWS, SEEDS[:5])
    assert row["coverage"] >= 0.70, f"{family}: P10-P90 coverage {row['coverage']:.0%} on {len(rows)} forecasts"
    assert row["median_error"] <= 0.25, f"{family}: median P50 error {row['median_error']:.0%} of the time left"
    assert row["false_not_before_close"] == 0


@pytest.mark.parametrize("name", BEHIND)
def test_a_family_not_yet_calibrated_is_forecast_the_right_way(name):
    rows, row, family = _family(name, SEEDS[:2])
    assert row["coverage"] >= 0.5, f"{family}: the range misses more often than not ({row['coverage']:.0%})"
    assert row["median_error"] <= 0.6, f"{family}: median P50 error {row['median_error']:.0%} of the time left"
    assert row["false_not_before_close"] == 0
    if name == "closed":  # no quantile falls in the portal's closed hours
        calendars = {seed: FAMILIES[name](seed).accepts for seed in SEEDS[:2]}
        moments = [(t.seed, m) for t in rows for m in (t.p10, t.p50, t.p90) if m is not None]
        assert len(moments) >= 12
        for seed, moment in moments:
            assert calendars[seed]([moment])[0], f"{moment} is in closed hours of {calendars[seed]}"


def test_an_intake_that_may_not_fill_meets_the_issue_bounds():
    # a cap not reached is held by the range with the chance its randomised PIT falls in 10-90 %
    # (bench/backtest.py, Trial.covered): "after close" at P(cap by close) = 2 % is not a sure hit.
    # Twenty intakes (their forecasts are quick): ten hold too few that filled.
    rows, row, family = _family("never", range(1000, 1020))
    assert 0.70 <= row["coverage"] <= 0.90, f"{family}: P10-P90 coverage {row['coverage']:.0%} on {len(rows)} forecasts"
    assert row["median_error"] <= 0.25, f"{family}: median P50 error {row['median_error']:.0%} of the time left (where it filled)"
    assert row["not_before_close_right"] >= 0.75, f"{family}: 'not before close' called {row['not_before_close_right']:.0%}"
