"""Decisions, arrivals, provinces and US states on a hand-checked fixture (times naive = America/Toronto, EDT).

Principals                                              Family
  A1 sub 07-16 10:00, review 07-20, approved 08-01,       F1 spouse of A1, sub 07-16 10:30, review 07-20,
     arrived 09-01 (ON, CA)                                  approved 08-11, arrived 09-15 (ON, CA)
  A2 sub 07-16 11:00, review 07-18, approved 07-26 (ON, WA) F2 dependant of A1, sub 07-16 10:30, review 07-20:
  A3 sub 07-16 12:00, review 07-19, refused 08-05 (BC, CA)     open (ON, CA)
  A4 sub 07-17 09:00, withdrawn 07-21 (no province, TX)   F3 spouse of A3, sub 07-16 12:30, withdrawn 08-05
  A5 sub 07-17 10:00, review 07-25: open (QC, no state)      (BC, CA)
  A6 sub 07-17 11:00: open (ON, NY)
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from decided import TZ, decided_warehouse  # noqa: F401 - the fixture

from dashboard import metrics
from dashboard.filters import Filters

pytestmark = pytest.mark.usefixtures("decided_warehouse")

F = Filters("test-intake")
AUG_2 = datetime(2023, 8, 2, tzinfo=TZ)


def funnel(f: Filters) -> dict[str, tuple[int, int]]:
    return {r.stage: (r.principal, r.family) for r in metrics.processing_funnel(f).itertuples()}


def test_funnel_counts_each_stage_reached():
    assert funnel(F) == {"submitted": (6, 3), "in_review": (4, 2), "approved": (2, 1), "refused": (1, 0),
                         "withdrawn": (1, 1), "arrived": (1, 1)}


def test_decisions_and_the_open_ones_add_up_to_every_application_per_role():
    for f in (F, Filters("test-intake", as_of=AUG_2)):
        stages = funnel(f)
        backlog = metrics.decisions_by_day(f)
        for i, role in enumerate(("principal", "family")):
            still_open = int(backlog[backlog["role"] == role]["open"].iloc[-1])
            decided = sum(stages[s][i] for s in ("approved", "refused", "withdrawn"))
            assert decided + still_open == stages["submitted"][i], (f.as_of, role)
    # by hand: principal 2 + 1 + 1 + open 2 (A5, A6) = 6; family 1 + 0 + 1 + open 1 (F2) = 3


def test_funnel_as_of_replays_the_decisions():
    # 2 August: A3's refusal (5 Aug), F1's approval (11 Aug), F3's withdrawal and both arrivals are still to come
    assert funnel(Filters("test-intake", as_of=AUG_2)) == {
        "submitted": (6, 3), "in_review": (4, 2), "approved": (2, 0), "refused": (0, 0), "withdrawn": (1, 0),
        "arrived": (0, 0)}


def test_funnel_honours_the_filters():
    assert funnel(Filters("test-intake", statuses=("approved",))) == {
        "submitted": (2, 1), "in_review": (2, 1), "approved": (2, 1), "refused": (0, 0), "withdrawn": (0, 0),
        "arrived": (1, 1)}
    assert funnel(Filters("test-intake", roles=("spouse",)))["submitted"] == (0, 2)


def test_decision_times_by_outcome_and_role():
    df = metrics.decision_times(F)
    got = {(r.outcome, r.role): (r.applications, r.median_days, r.p10_days, r.p90_days) for r in df.itertuples()}
    # approved principals: A1 16 days (the arrival recorded later does not move it), A2 10 days
    assert got[("approved", "principal")] == (2, pytest.approx(13.0), pytest.approx(10.6), pytest.approx(15.4))
    assert got[("refused", "principal")] == (1, 20.0, 20.0, 20.0)
    assert got[("withdrawn", "principal")] == (1, 4.0, 4.0, 4.0)
    assert got[("approved", "family")] == (1, 26.0, 26.0, 26.0)
    assert got[("withdrawn", "family")] == (1, 20.0, 20.0, 20.0)
    n, *days = got[("refused", "family")]
    assert n == 0 and all(pd.isna(d) for d in days)
    assert list(df["outcome"]) == ["approved"] * 2 + ["refused"] * 2 + ["withdrawn"] * 2


def test_decisions_by_day_and_the_backlog():
    df = metrics.decisions_by_day(F)
    df["day"] = df["interval_start"].dt.tz_convert(TZ).dt.strftime("%m-%d")
    assert (df["day"].iloc[0], df["day"].iloc[-1], len(df)) == ("07-16", "09-15", 62 * 2)
    p = df[df["role"] == "principal"].set_index("day")
    fam = df[df["role"] == "family"].set_index("day")
    assert p.loc[["07-16", "07-17", "07-21", "07-26", "08-01", "08-05"], "open"].tolist() == [3, 6, 5, 4, 3, 2]
    assert (p.loc["07-21", "withdrawn"], p.loc["07-26", "approved"], p.loc["08-05", "refused"]) == (1, 1, 1)
    assert p["approved"].sum() == 2 and p["arrived"].sum() == 1 and p.loc["09-01", "arrived"] == 1
    assert fam.loc[["07-16", "08-05", "08-11", "09-15"], "open"].tolist() == [3, 2, 1, 1]
    assert fam.loc["09-15", "arrived"] == 1 and fam["approved"].sum() == 1
    # a day is local midnight to local midnight: 04:00 UTC in summer
    assert df["interval_start"].iloc[0] == pd.Timestamp("2023-07-16T04:00:00Z")


def test_decisions_by_day_as_of_runs_to_that_day():
    df = metrics.decisions_by_day(Filters("test-intake", as_of=AUG_2))
    assert df["interval_start"].iloc[-1].tz_convert(TZ).strftime("%m-%d") == "08-01"
    assert df["arrived"].sum() == 0 and df["refused"].sum() == 0


def test_applications_by_province_with_unknown():
    df = metrics.applications_by_province(F)
    assert list(df.columns) == ["province", "principal", "family"]
    top = [(r.province, r.principal, r.family) for r in df.head(3).itertuples()]
    assert top == [("ON", 3, 2), ("BC", 1, 1), ("QC", 1, 0)]
    assert df["province"].iloc[-1] == "unknown" and tuple(df.iloc[-1][["principal", "family"]]) == (1, 0)
    assert len(df) == 14 and df["principal"].sum() == 6 and df["family"].sum() == 3  # 13 places and unknown


def test_applications_by_us_state_with_unknown():
    df = metrics.applications_by_us_state(F)
    assert list(df.columns) == ["state", "principal", "family", "h1b_initial_approvals", "per_1000"]
    top = [(r.state, r.principal, r.family) for r in df.head(4).itertuples()]
    assert top == [("CA", 2, 3), ("NY", 1, 0), ("TX", 1, 0), ("WA", 1, 0)]
    assert df["state"].iloc[-1] == "unknown" and df["principal"].iloc[-1] == 1
    assert len(df) == 52 and df["h1b_initial_approvals"].isna().all()  # no reference statistics here


def test_us_states_against_uscis_approvals(warehouse_dir):
    from dashboard import reference, warehouse

    with warehouse.writer(warehouse_dir) as con:
        reference.load(con)
    assert metrics.approvals_fiscal_year(F) == 2022  # FY2023 is a partial release
    df = metrics.applications_by_us_state(F).set_index("state")
    ca = df.loc["CA"]
    published = metrics.h1b_approvals_by_state(F, fiscal_year=2022).set_index("state_code").loc["CA",
                                                                                               "initial_approvals"]
    assert ca["h1b_initial_approvals"] == published
    assert ca["per_1000"] == pytest.approx(2000 / published)
