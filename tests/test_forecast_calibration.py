"""Calibration on small fixed sets of simulated intakes, one small version of each backtest family
(bench/backtest.py has the full run, docs/forecast.md its table), each forecast with what earlier intakes
of its family say of an opening rush (bench.backtest.earlier_prior), as the full run does.

Each family is its own test (one parametrised case a family), so the suite's workers share the work
out. The families the full backtest has within the issue's bounds are held to them (P10-P90 coverage
70-90 %, median P50 error at most 25 % of the time left) on ten seeds of their own, each family by its
own test and their coverage together by one more; their forecasts are computed once in the whole run
(`calibrated`: under xdist the workers hand them to each other through files). The others are held
to what the full run shows of them (the range holds the truth more often than not, the median nearer
the truth than the time left), on two."""

from __future__ import annotations

import fcntl
import functools
import pickle

import pytest

from bench.backtest import FAMILIES, Trial, run, summary

SEEDS = range(1000, 1010)  # outside the seeds of the published backtest and of its earlier intakes
DRAWS = 300

# within the issue's bounds in the full backtest (docs/forecast.md)
IN_TARGET = ["minutes", "hours", "days", "pool"]
# not yet: held to weaker bounds, on two seeds
BEHIND = [name for name in FAMILIES if name not in IN_TARGET and name != "never"]


def _family(name: str, rows: list[Trial]):
    family = FAMILIES[name](SEEDS[0]).scenario
    table = summary(rows).set_index(["scenario", "fraction"])
    assert {t.fraction for t in rows} == {0.25, 0.5, 0.75}, f"{family}: a moment of the cap was not forecast"
    assert all(t.p10 <= t.p50 <= t.p90 for t in rows if t.p90 is not None)
    return table.loc[(family, "all")], family


@pytest.fixture(scope="session")
def calibrated(request, tmp_path_factory):
    """The forecasts of a family within the target on SEEDS, computed once in the whole run: its own
    test and the test of the families together both read them. Under xdist each worker has a session
    of its own, so the first worker to ask for a family computes it (holding the family's lock) and
    leaves it in the run's temporary folder, where the other finds it (the folder the workers share:
    the parent of each worker's own, new for every run)."""
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    if worker is None:
        return functools.cache(lambda name: run([name], SEEDS, draws=DRAWS))
    shared = tmp_path_factory.getbasetemp().parent

    def get(name: str) -> list[Trial]:
        path = shared / f"calibration-{name}.pickle"
        with open(shared / f"calibration-{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                path.write_bytes(pickle.dumps(run([name], SEEDS, draws=DRAWS)))
            return pickle.loads(path.read_bytes())

    return get


@pytest.mark.parametrize("name", IN_TARGET)
def test_a_calibrated_family_meets_the_issue_bounds(name, calibrated):
    # The range holds the truth at least 70 % of the time and the median error is at most 25 % of the
    # time left; the 90 % bound is on the families together (next test): thirty forecasts do not read
    # it (a binomial sd of 5 to 7 points; on these seeds "fills in minutes" covers 93 %, 84 % on the
    # published thirty).
    rows = calibrated(name)
    row, family = _family(name, rows)
    assert row["coverage"] >= 0.70, f"{family}: P10-P90 coverage {row['coverage']:.0%} on {len(rows)} forecasts"
    assert row["median_error"] <= 0.25, f"{family}: median P50 error {row['median_error']:.0%} of the time left"
    # every intake of these families fills long before it closes: none is called "not before close"
    assert row["false_not_before_close"] == 0


def test_the_calibrated_families_together_cover_70_to_90_percent(calibrated):
    covered = [t.covered for name in IN_TARGET for t in calibrated(name)]
    assert len(covered) == 3 * len(SEEDS) * len(IN_TARGET)
    pooled = sum(covered) / len(covered)
    assert 0.70 <= pooled <= 0.90, f"P10-P90 coverage {pooled:.0%} on {len(covered)} forecasts"


@pytest.mark.parametrize("name", BEHIND)
def test_a_family_not_yet_calibrated_is_forecast_the_right_way(name):
    rows = run([name], SEEDS[:2], draws=DRAWS)
    row, family = _family(name, rows)
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
    rows = run(["never"], range(1000, 1020), draws=DRAWS)
    row, family = _family("never", rows)
    assert 0.70 <= row["coverage"] <= 0.90, f"{family}: P10-P90 coverage {row['coverage']:.0%} on {len(rows)} forecasts"
    assert row["median_error"] <= 0.25, f"{family}: median P50 error {row['median_error']:.0%} of the time left (where it filled)"
    assert row["not_before_close_right"] >= 0.75, f"{family}: 'not before close' called {row['not_before_close_right']:.0%}"
