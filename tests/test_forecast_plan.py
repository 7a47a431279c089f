"""Plan the next intake (dashboard/forecast_plan.py): a range before the first application, from an
earlier intake's shape and the eligible pool; the first hour's count narrows it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from dashboard import demo, forecast_plan
from dashboard.forecast_plan import plan_cap
from dashboard.programs import ROOT, load_programs

ET = ZoneInfo("America/Toronto")


@pytest.fixture(scope="module")
def h1b_demo():
    """The demo's own counting arrivals, its program and the moment its cap was reached."""
    params = demo.load_params()
    program = load_programs(ROOT / "data" / "programs.toml")[params["program_id"]]
    rows = demo.generate(program, params)
    times = rows[(rows["applicant_role"].isin(program.counts_toward_cap)) & (rows["status"] == "submitted")]
    times = pd.DatetimeIndex(times["submitted_at"].sort_values()).floor("us")
    return times, program, times[program.cap - 1].to_pydatetime()


def test_the_plan_on_the_demos_own_parameters_holds_its_cap_moment(h1b_demo):
    times, program, actual = h1b_demo
    # the next intake "like" the demo, with the demo's cap, opening and pool: fed only the shape and the pool
    plan = plan_cap(times, program.opens_at, program.cap, program.opens_at, pool_ratio=1.0)
    assert plan.p10 <= actual <= plan.p90, (plan, actual)
    assert plan.p10 < plan.p50 < plan.p90
    assert plan.p90 - plan.p10 >= timedelta(hours=6)  # a range, not a point


def test_a_larger_pool_fills_sooner_and_the_first_hour_narrows_the_range(h1b_demo):
    times, program, _ = h1b_demo
    opens = datetime(2026, 6, 1, 9, 0, tzinfo=ET)
    same = plan_cap(times, program.opens_at, 10_000, opens)
    larger = plan_cap(times, program.opens_at, 10_000, opens, pool_ratio=2.0)
    assert larger.p50 < same.p50 and larger.p50.tzinfo == opens.tzinfo
    seen = plan_cap(times, program.opens_at, 10_000, opens, first_hour=round(same.expected_first_hour))
    assert (seen.p90 - seen.p10) < (same.p90 - same.p10) / 2
    eager = plan_cap(times, program.opens_at, 10_000, opens, first_hour=round(2 * same.expected_first_hour))
    assert eager.p90 < same.p50


def test_a_cap_beyond_what_the_earlier_intake_saw_is_said_so():
    opens = datetime(2025, 1, 6, 9, tzinfo=ET)
    earlier = [opens + timedelta(hours=float(h)) for h in np.linspace(0.1, 10, 100)]
    plan = plan_cap(earlier, opens, 300, opens + timedelta(days=400))
    assert plan.beyond_seen and plan.p50 > opens + timedelta(days=400, hours=10)
    with pytest.raises(ValueError):
        plan_cap(earlier[:1], opens, 300, opens)


def test_the_command_line_prints_the_range(basic_warehouse, capsys):
    code = forecast_plan.main(["--like", "test-intake", "--cap", "10", "--opens", "2026-06-01T09:00",
                               "--zone", "America/Toronto"])
    out = capsys.readouterr().out
    assert code == 0 and "Cap expected between" in out and "EDT" in out and "10 places" in out


@pytest.mark.parametrize(("args", "says"), [
    (["--like", "nope"], "--like nope: no such program"),
    (["--like", "test-intake", "--zone", "Mars/Base"], "--zone Mars/Base"),
    (["--like", "test-intake", "--opens", "June"], "--opens June"),
    (["--like", "test-intake", "--pool", "1000"], "--pool: test-intake names no eligible pool"),
])
def test_bad_arguments_get_a_sentence_not_a_traceback(basic_warehouse, capsys, args, says):
    base = {"--cap": "10", "--opens": "2026-06-01T09:00"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    code = forecast_plan.main([x for kv in base.items() for x in kv])
    assert code == 2 and says in capsys.readouterr().err
