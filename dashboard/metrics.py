"""One function per named query: Filters -> DataFrame. The docstring says what comes back, with its grain.

Plain Python: a CLI, a benchmark or a test calls these without a server. Times come back in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pandas as pd

from dashboard import warehouse
from dashboard.filters import Filters
from dashboard.programs import Program, programs

METRICS: dict[str, Callable[..., pd.DataFrame]] = {}


def metric(fn: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    """Register a metric under its function name (= its queries/<name>.sql)."""
    METRICS[fn.__name__] = fn
    return fn


def describe(name: str) -> str:
    """The first sentence of a metric's docstring."""
    doc = (METRICS[name].__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def program_of(f: Filters) -> Program:
    return programs()[f.program_id]


def cap_params(p: Program) -> dict:
    return {"cap": p.cap, "cap_roles": list(p.counts_toward_cap), "opens_at": p.opens_at}


def query(name: str, params: dict) -> pd.DataFrame:
    return warehouse.reader().query(name, params)


def origin_for(p: Program) -> datetime:
    """Local midnight of the opening day: intervals align on the program's wall clock."""
    return p.opens_at.replace(hour=0, minute=0, second=0, microsecond=0)


def auto_minutes(span: timedelta, target_points: int = 2500) -> int:
    """The finest of 1, 5, 15, 60, 360 or 1440 minutes that keeps a series under `target_points`."""
    for m in (1, 5, 15, 60, 360, 1440):
        if span / timedelta(minutes=m) <= target_points:
            return m
    return 1440


@metric
def cap_status(f: Filters) -> pd.DataFrame:
    """One row, program-wide at the as-of moment (other filters ignored): counted, cap_reached_at,
    over_cap, remaining, family, latest_submission.
    """
    p = program_of(f)
    return query("cap_status", {**f.params(), **cap_params(p)})


@metric
def applications_by_role_status(f: Filters) -> pd.DataFrame:
    """One row per applicant role and status under the shared filters: applicant_role, status, applications."""
    return query("applications_by_role_status", f.params())


@metric
def cumulative_principals(f: Filters, minutes: int | None = None) -> pd.DataFrame:
    """One row per interval with arrivals that count toward the cap, under the shared filters:
    interval_start, interval_end (UTC), arrivals, cumulative (at the interval's end).
    """
    p = program_of(f)
    if minutes is None:
        span = arrival_span(f).iloc[0]
        if pd.isna(span["first_at"]):
            minutes = 60
        else:
            first = max(span["first_at"].to_pydatetime(), p.opens_at)
            minutes = auto_minutes(max(span["last_at"].to_pydatetime() - first, timedelta(hours=1)))
    params = {**f.params(), "cap_roles": list(p.counts_toward_cap), "minutes": minutes, "origin": origin_for(p)}
    return query("cumulative_principals", params)


@metric
def arrival_span(f: Filters) -> pd.DataFrame:
    """One row: first_at, last_at (UTC) of the applications counting toward the cap, under the shared filters."""
    p = program_of(f)
    return query("arrival_span", {**f.params(), "cap_roles": list(p.counts_toward_cap)})


@metric
def data_freshness(f: Filters) -> pd.DataFrame:
    """One row: last_ingest_at, ingest_id, file_hash, latest_submission, applications of the program."""
    return query("data_freshness", {"program": f.program_id})


@metric
def programs_loaded(f: Filters | None = None) -> pd.DataFrame:
    """One row per program with application records: program_id, applications."""
    return query("programs_loaded", {})


@metric
def countries_present(f: Filters) -> pd.DataFrame:
    """One row per citizenship present in the program's applications (any state): citizenship,
    applications (holding it in their current state)."""
    return query("countries_present", {"program": f.program_id})
