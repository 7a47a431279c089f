"""The pandas baseline: the same page metrics computed with plain pandas on the states already in memory.

Each function mirrors one queries/<name>.sql (same rows, same columns) on a DataFrame of
application_states, so the benchmark can say how much the warehouse buys over "load it all into
pandas". A page whose metrics all have an entry in PANDAS gets a ratio; the others say which is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pandas as pd

from dashboard.filters import Filters
from dashboard.metrics import MAX_INTERVALS, auto_minutes, milestone_step, origin_for, range_last
from dashboard.programs import Program

# Reference tables the twins read besides the states (bench.timing.load_states fills it).
REFERENCE: dict[str, pd.DataFrame] = {}


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


def _bucket(ts: pd.Series | pd.Timestamp, origin: pd.Timestamp, width: pd.Timedelta):
    """The start of the interval of `width` (aligned on `origin`) holding each time: queries' interval numbers."""
    return origin + ((ts - origin) // width) * width


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
    arrivals = _bucket(ts, origin, width).value_counts().sort_index()
    return pd.DataFrame({
        "interval_start": arrivals.index, "interval_end": arrivals.index + width,
        "arrivals": arrivals.to_numpy(), "cumulative": np.cumsum(arrivals.to_numpy()),
    })


def applications_by_role_status(s: pd.DataFrame, f: Filters, program: Program) -> pd.DataFrame:
    t = filtered_states(s, f)
    return (t.groupby(["applicant_role", "status"]).size().rename("applications").reset_index()
            .sort_values(["applicant_role", "status"], ignore_index=True))


def arrivals_by_interval(s: pd.DataFrame, f: Filters, program: Program, minutes: int = 60,
                         max_intervals: int = MAX_INTERVALS) -> pd.DataFrame:
    t = filtered_states(s, f)
    width = pd.Timedelta(minutes=minutes)
    origin = pd.Timestamp(origin_for(program)).tz_convert("UTC")
    start = _bucket(t["submitted_at"], origin, width)
    principal = t["applicant_role"] == "principal"
    cols = ["interval_start", "interval_end", "principal", "family"]
    first = pd.Timestamp(f.start) if f.start else (t["submitted_at"].min() if len(t) else None)
    last = max([m for m in (range_last(f), t["submitted_at"].max() if len(t) else None) if m is not None],
               default=None)
    if first is None or last is None:
        return pd.DataFrame(columns=cols)
    first, last = _bucket(pd.Timestamp(first).tz_convert("UTC"), origin, width), \
        _bucket(pd.Timestamp(last).tz_convert("UTC"), origin, width)
    grid = pd.date_range(first, min(last, first + width * max_intervals), freq=width)
    counts = pd.DataFrame({"start": start, "p": principal}).groupby("start")["p"].agg(["sum", "size"])
    counts = counts.reindex(grid, fill_value=0)
    return pd.DataFrame({"interval_start": grid, "interval_end": grid + width,
                         "principal": counts["sum"].to_numpy(), "family": (counts["size"] - counts["sum"]).to_numpy()})


def arrival_rate(s: pd.DataFrame, f: Filters, program: Program) -> pd.DataFrame:
    at = pd.Timestamp(f.as_of).tz_convert("UTC") if f.as_of else states_as_of(s, f)["submitted_at"].max()
    t = filtered_states(s, f)
    t = t[t["submitted_at"] <= at]
    principal = t["applicant_role"] == "principal"
    last1, last6 = t["submitted_at"] > at - pd.Timedelta(hours=1), t["submitted_at"] > at - pd.Timedelta(hours=6)
    return pd.DataFrame([{
        "rate_at": at, "principal": int(principal.sum()), "family": int((~principal).sum()),
        "principal_per_hour_1h": float((principal & last1).sum()), "family_per_hour_1h": float((~principal & last1).sum()),
        "principal_per_hour_6h": (principal & last6).sum() / 6.0, "family_per_hour_6h": (~principal & last6).sum() / 6.0,
    }])


def milestones(s: pd.DataFrame, f: Filters, program: Program, step: int | None = None) -> pd.DataFrame:
    step = step or milestone_step(program.cap)
    opens = pd.Timestamp(program.opens_at).tz_convert("UTC")
    t = filtered_states(s, f)
    t = t[t["applicant_role"].isin(program.counts_toward_cap) & (t["submitted_at"] >= opens)]
    ts = t.sort_values(["submitted_at", "application_id"])["submitted_at"].reset_index(drop=True)
    n = np.arange(1, len(ts) + 1)
    keep = (n % step == 0) | (n == program.cap)
    at = ts[keep].reset_index(drop=True)
    return pd.DataFrame({"milestone": n[keep], "submitted_at": at, "since_opening": at - opens,
                         "since_previous": at - at.shift(1, fill_value=opens)})


def _top_and_others(ranked: pd.DataFrame, top_n: int, counts: list[str]) -> pd.DataFrame:
    """The query macro top_and_others: the first top_n rows, then one row (citizenship None) for the rest."""
    head = ranked[ranked["rank"] <= top_n].assign(countries=1)
    rest = ranked[ranked["rank"] > top_n]
    if len(rest):
        others = {"rank": top_n + 1, "citizenship": None, "countries": len(rest), **{c: rest[c].sum() for c in counts}}
        head = pd.concat([head, pd.DataFrame([others])], ignore_index=True)
    return head[["rank", "citizenship", "countries", *counts]].reset_index(drop=True)


def _ranked(by: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    by = by.sort_values(order, ascending=[False] * (len(order) - 1) + [True], ignore_index=True)
    return by.assign(rank=np.arange(1, len(by) + 1))


def applications_by_citizenship(s: pd.DataFrame, f: Filters, program: Program, top_n: int = 10) -> pd.DataFrame:
    t = filtered_states(s, replace(f, countries=()))
    principal = t["applicant_role"] == "principal"
    totals = int(principal.sum()), int((~principal).sum())
    by = pd.DataFrame({"citizenship": t["citizenship"], "principal": principal, "family": ~principal})
    by = by.groupby("citizenship", as_index=False)[["principal", "family"]].sum()
    if f.countries:
        by = by[by["citizenship"].isin(f.countries)]
    out = _top_and_others(_ranked(by, ["principal", "family", "citizenship"]), top_n, ["principal", "family"])
    return out.assign(principal_share=out["principal"] / totals[0] if totals[0] else np.nan,
                      family_share=out["family"] / totals[1] if totals[1] else np.nan)


def h1b_representation(s: pd.DataFrame, f: Filters, program: Program, year: int, top_n: int = 10) -> pd.DataFrame:
    issued, approved = REFERENCE["h1b_issuances"], REFERENCE["h1b_approvals"]
    t = filtered_states(s, replace(f, countries=()))
    principals = t.loc[t["applicant_role"] == "principal", "citizenship"]
    apps = principals.value_counts().rename("applications")
    iss = issued[(issued["visa_class"] == "H1B") & (issued["year"] == year) & issued["iso3"].notna()]
    iss = iss.groupby("iso3")["issuances"].sum().rename("h1b_issuances")
    by = pd.concat([apps, iss], axis=1).fillna(0).astype("int64").rename_axis("citizenship").reset_index()
    if f.countries:
        by = by[by["citizenship"].isin(f.countries)]
    out = _top_and_others(_ranked(by, ["applications", "h1b_issuances", "citizenship"]), top_n,
                          ["applications", "h1b_issuances"])
    total_apps, total_iss = len(principals), iss.sum()
    out["applicant_share"] = out["applications"] / total_apps if total_apps else np.nan
    out["h1b_share"] = out["h1b_issuances"] / total_iss if total_iss else np.nan
    out["ratio"] = out["applicant_share"] / out["h1b_share"].replace(0, np.nan)
    out["per_1000"] = 1000 * out["applications"] / out["h1b_issuances"].replace(0, np.nan)
    appr = approved[(approved["fiscal_year"] == year) & (approved["petition_scope"] == "all") & approved["iso3"].notna()]
    appr = appr.assign(uscis_share=appr["share_pct"] / 100).rename(columns={"iso3": "citizenship",
                                                                           "approved_petitions": "uscis_approved"})
    out = out.merge(appr[["citizenship", "uscis_share", "uscis_approved"]], on="citizenship", how="left")
    return out[["rank", "citizenship", "countries", "applications", "applicant_share", "h1b_issuances", "h1b_share",
                "ratio", "per_1000", "uscis_share", "uscis_approved"]]


def counting_times(s: pd.DataFrame, f: Filters, program: Program) -> pd.DataFrame:
    t = states_as_of(s, f)
    return t.loc[t["applicant_role"].isin(program.counts_toward_cap), ["submitted_at"]].sort_values(
        "submitted_at", ignore_index=True)


RECORD_COLUMNS = ["application_id", "program_id", "submitted_at", "applicant_role", "principal_application_id",
                  "permit_type", "citizenship", "birth_country", "us_state", "intended_province", "status", "status_at"]


def application_records_preview(s: pd.DataFrame, f: Filters, program: Program, limit: int) -> pd.DataFrame:
    """application_records' first `limit` rows, with their number in attrs (metrics.preview)."""
    t = filtered_states(s, f)
    rows = t.sort_values(["submitted_at", "application_id"]).head(limit)[RECORD_COLUMNS].reset_index(drop=True)
    rows.attrs["total_rows"] = len(t)
    return rows


# metric name -> its pandas twin: (states, filters, program, **the metric's keyword arguments) -> rows
PANDAS: dict[str, Callable[..., pd.DataFrame]] = {
    "cap_status": cap_status,
    "cumulative_principals": cumulative_principals,
    "applications_by_role_status": applications_by_role_status,
    "arrivals_by_interval": arrivals_by_interval,
    "arrival_rate": arrival_rate,
    "milestones": milestones,
    "applications_by_citizenship": applications_by_citizenship,
    "h1b_representation": h1b_representation,
    "counting_times": counting_times,
    "preview:application_records": application_records_preview,
}


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """True when two results hold the same rows and columns (dtypes aside; times compared as instants)."""
    if list(a.columns) != list(b.columns) or len(a) != len(b) or a.attrs.get("total_rows") != b.attrs.get("total_rows"):
        return False
    for col in a.columns:
        x, y = a[col].reset_index(drop=True), b[col].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(x) or pd.api.types.is_datetime64_any_dtype(y):
            x, y = pd.to_datetime(x, utc=True).astype("datetime64[us, UTC]"), pd.to_datetime(y, utc=True).astype(
                "datetime64[us, UTC]")
            if not ((x == y) | (x.isna() & y.isna())).all():
                return False
        elif pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            xf, yf = pd.to_numeric(x).astype("float64"), pd.to_numeric(y).astype("float64")
            if not np.allclose(xf.fillna(-1.0), yf.fillna(-1.0), rtol=1e-9, atol=0) or not (xf.isna() == yf.isna()).all():
                return False
        elif [None if pd.isna(v) else v for v in x.astype(object)] != [None if pd.isna(v) else v for v in y.astype(object)]:
            return False
    return True
