"""The pandas baseline: the same page metrics computed with plain pandas on the states already in memory.

Each function mirrors one queries/<name>.sql (same rows, same columns) on a DataFrame of
application_states, so the benchmark can say how much the warehouse buys over "load it all into
pandas". A page whose metrics all have an entry in PANDAS gets a ratio; the others say which is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import numpy as np
import pandas as pd

from dashboard.filters import Filters
from dashboard.metrics import auto_minutes, origin_for
from dashboard.programs import Program


def states_as_of(s: pd.DataFrame, f: Filters) -> pd.DataFrame:
    p = f.params()
    keep = ((s["program_id"] == p["program"]) & (s["submitted_at"] <= p["as_of"])
            & (s["valid_from"] <= p["as_of"]) & (s["valid_to"] > p["as_of"]))
    return s[keep]


def filtered_states(s: pd.DataFrame, f: Filters) -> pd.DataFrame:
    p = f.params()
    t = states_as_of(s, f)
    keep = (t["submitted_at"] >= p["start_at"]) & (t["submitted_at"] < p["end_at"])
    for col, key in (("citizenship", "countries"), ("applicant_role", "roles"), ("permit_type", "permits"),
                     ("status", "statuses")):
        if p[key] is not None:
            keep &= t[col].isin(p[key])
    return t[keep]


def cap_status(s: pd.DataFrame, f: Filters, program: Program) -> pd.DataFrame:
    intake = states_as_of(s, f)
    counts = intake["applicant_role"].isin(program.counts_toward_cap)
    counting = intake[counts & (intake["submitted_at"] >= program.opens_at)]
    counted = len(counting)
    reached = pd.NaT
    if counted >= program.cap:
        reached = counting.sort_values(["submitted_at", "application_id"])["submitted_at"].iloc[program.cap - 1]
    return pd.DataFrame([{
        "counted": counted, "cap_reached_at": reached, "over_cap": max(counted - program.cap, 0),
        "remaining": max(program.cap - counted, 0), "family": int((~counts).sum()),
        "latest_submission": intake["submitted_at"].max(),
    }])


def arrival_span(s: pd.DataFrame, f: Filters, program: Program) -> pd.DataFrame:
    t = filtered_states(s, f)
    ts = t.loc[t["applicant_role"].isin(program.counts_toward_cap), "submitted_at"]
    return pd.DataFrame([{"first_at": ts.min(), "last_at": ts.max()}])


def cumulative_principals(s: pd.DataFrame, f: Filters, program: Program, minutes: int | None = None) -> pd.DataFrame:
    t = filtered_states(s, f)
    ts = t.loc[t["applicant_role"].isin(program.counts_toward_cap), "submitted_at"]
    if minutes is None:
        if ts.empty:
            minutes = 60
        else:
            first = max(ts.min().to_pydatetime(), program.opens_at)
            minutes = auto_minutes(max(ts.max().to_pydatetime() - first, timedelta(hours=1)))
    width = pd.Timedelta(minutes=minutes)
    origin = pd.Timestamp(origin_for(program)).tz_convert("UTC")
    start = origin + ((ts - origin) // width) * width
    arrivals = start.value_counts().sort_index()
    return pd.DataFrame({
        "interval_start": arrivals.index, "interval_end": arrivals.index + width,
        "arrivals": arrivals.to_numpy(), "cumulative": np.cumsum(arrivals.to_numpy()),
    })


def applications_by_role_status(s: pd.DataFrame, f: Filters, program: Program) -> pd.DataFrame:
    t = filtered_states(s, f)
    return (t.groupby(["applicant_role", "status"]).size().rename("applications").reset_index()
            .sort_values(["applicant_role", "status"], ignore_index=True))


# metric name -> its pandas twin: (states, filters, program, **the metric's keyword arguments) -> rows
PANDAS: dict[str, Callable[..., pd.DataFrame]] = {
    "cap_status": cap_status,
    "arrival_span": arrival_span,
    "cumulative_principals": cumulative_principals,
    "applications_by_role_status": applications_by_role_status,
}


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """True when two results hold the same rows and columns (dtypes aside; times compared as instants)."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for col in a.columns:
        x, y = a[col].reset_index(drop=True), b[col].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(x) or pd.api.types.is_datetime64_any_dtype(y):
            x, y = pd.to_datetime(x, utc=True).astype("datetime64[us, UTC]"), pd.to_datetime(y, utc=True).astype(
                "datetime64[us, UTC]")
            if not ((x == y) | (x.isna() & y.isna())).all():
                return False
        elif not (x.astype(object).tolist() == y.astype(object).tolist()):
            return False
    return True
