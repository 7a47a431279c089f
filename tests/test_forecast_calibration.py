"""Calibration on a small fixed set of simulated intakes (bench/backtest.py has the full run): the
P10-P90 range holds the true cap moment about 80 % of the time, and "not before close" is called."""

from __future__ import annotations

from bench.backtest import SCENARIOS, run, summary

SEEDS = range(1000, 1002)  # outside the seeds of the published backtest


def test_the_range_holds_the_truth_about_eight_times_in_ten():
    trials = run(list(SCENARIOS), SEEDS, draws=300)
    assert len(trials) >= 60
    covered = sum(t.covered for t in trials) / len(trials)
    assert 0.70 <= covered <= 0.90, f"P10-P90 coverage {covered:.0%} on {len(trials)} forecasts"
    assert all(t.p10 <= t.p50 <= t.p90 for t in trials if t.p90 is not None)
    table = summary(trials).set_index(["scenario", "fraction"])
    assert table.loc[("not reached before close", "all"), "not_before_close_right"] >= 0.5
    assert table.loc[("all", "all"), "false_not_before_close"] <= 0.1
