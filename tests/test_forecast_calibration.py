"""Calibration on a small fixed set of simulated intakes, one small version of each backtest family
(bench/backtest.py has the full run, docs/forecast.md its table): the P10-P90 range holds the true cap
moment about 80 % of the time, each family is forecast in the right direction, closed hours are
respected and "will not fill before close" is called when it is true."""

from __future__ import annotations

import pytest

from bench.backtest import FAMILIES, run, summary

SEEDS = range(1000, 1002)  # outside the seeds of the published backtest


@pytest.fixture(scope="module")
def trials():
    return run(list(FAMILIES), SEEDS, draws=300)


def test_every_family_is_forecast_at_each_moment(trials):
    seen = {(t.scenario, t.fraction) for t in trials}
    families = {FAMILIES[name](SEEDS[0]).scenario for name in FAMILIES}
    assert {f for f, _ in seen} == families
    assert {frac for _, frac in seen} == {0.25, 0.5, 0.75}
    assert all(t.p10 <= t.p50 <= t.p90 for t in trials if t.p90 is not None)


def test_the_range_holds_the_truth_about_eight_times_in_ten(trials):
    covered = sum(t.covered for t in trials) / len(trials)
    assert 0.70 <= covered <= 0.95, f"P10-P90 coverage {covered:.0%} on {len(trials)} forecasts"
    table = summary(trials).set_index(["scenario", "fraction"])
    for family in {t.scenario for t in trials}:
        assert table.loc[(family, "all"), "coverage"] >= 0.5, f"{family}: the range misses more often than not"


# the families whose cap is reached (the "may not fill" family has its own test below); the overnight
# surge was an expected failure here until the rush and the settled rate were fitted jointly
CALIBRATED = [name for name in FAMILIES if name != "never"]


@pytest.mark.parametrize("name", CALIBRATED)
def test_the_median_is_nearer_the_truth_than_the_time_left(trials, name):
    family = FAMILIES[name](SEEDS[0]).scenario
    table = summary(trials).set_index(["scenario", "fraction"])
    error = table.loc[(family, "all"), "median_error"]
    assert error <= 0.6, f"{family}: median P50 error {error:.0%} of the time left"


# the families the full backtest (docs/forecast.md) has within the issue's bounds, held to them on ten
# seeds of their own (two give six forecasts, too few to read a coverage of 70-90 % from)
IN_TARGET = ["minutes", "hours", "pool"]


@pytest.mark.parametrize("name", IN_TARGET)
def test_a_calibrated_family_meets_the_issue_bounds(name):
    rows = run([name], range(1000, 1010), draws=300)
    family = FAMILIES[name](SEEDS[0]).scenario
    table = summary(rows).set_index(["scenario", "fraction"])
    coverage, error = table.loc[(family, "all"), "coverage"], table.loc[(family, "all"), "median_error"]
    assert 0.70 <= coverage <= 0.90, f"{family}: P10-P90 coverage {coverage:.0%} on {len(rows)} forecasts"
    assert error <= 0.25, f"{family}: median P50 error {error:.0%} of the time left"


def test_an_intake_that_may_not_fill_meets_the_issue_bounds(never_trials):
    # a cap not reached is held by the range with the chance its randomised PIT falls in 10-90 %
    # (bench/backtest.py, Trial.covered): "after close" at P(cap by close) = 2 % is not a sure hit
    family = FAMILIES["never"](SEEDS[0]).scenario
    table = summary(never_trials).set_index(["scenario", "fraction"])
    coverage, error = table.loc[(family, "all"), "coverage"], table.loc[(family, "all"), "median_error"]
    assert 0.70 <= coverage <= 0.90, f"{family}: P10-P90 coverage {coverage:.0%} on {len(never_trials)} forecasts"
    assert error <= 0.25, f"{family}: median P50 error {error:.0%} of the time left (where it filled)"


@pytest.fixture(scope="module")
def never_trials():
    # more intakes of this family (its forecasts are quick): two seeds give too few unfilled ones, and
    # ten none that filled
    return run(["never"], range(1000, 1020), draws=300)


def test_will_not_fill_before_close_is_called_when_true(trials, never_trials):
    never = summary(never_trials).set_index(["scenario", "fraction"])
    family = FAMILIES["never"](SEEDS[0]).scenario
    assert never.loc[(family, "all"), "not_before_close_right"] >= 0.75
    table = summary(trials).set_index(["scenario", "fraction"])
    assert table.loc[("all", "all"), "false_not_before_close"] <= 0.1


def test_no_quantile_falls_in_closed_hours():
    intakes = [FAMILIES["closed"](seed) for seed in range(1000, 1006)]
    checked = 0
    for intake in intakes:
        for t in run_one(intake):
            for moment in (t.p10, t.p50, t.p90):
                if moment is not None:
                    assert intake.accepts([moment])[0], f"{moment} is in closed hours of {intake.accepts}"
                    checked += 1
    assert checked >= 30


def run_one(intake):
    from bench.backtest import trials as forecast_trials
    return forecast_trials(intake, draws=300)
