"""One function per named query: Filters -> DataFrame. The docstring says what comes back, with its grain.

Plain Python: a CLI, a benchmark or a test calls these without a server. Times come back in UTC.
"""

from __future__ import annotations

import re
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
    """One row per citizenship present in the program's applications: citizenship, applications."""
    return query("countries_present", {"program": f.program_id})


# ---------------------------------------------------------------- US H-1B context (reference statistics)
# These read the reference tables only: the Filters argument is accepted for a uniform interface and
# ignored (the page passes a constant one, so the cache does not vary with the sidebar).

@metric
def h1b_issuance_years(f: Filters | None = None) -> pd.DataFrame:
    """One row per calendar year of State Department issuances: year, months (present in the file; fewer
    than 12 is an incomplete year), h1b, h4 (visas issued, all nationalities).
    """
    return query("h1b_issuance_years", {})


@metric
def h1b_issuances_by_year(f: Filters | None = None, top: int = 6) -> pd.DataFrame:
    """One row per calendar year and nationality (the `top` with the most H-1B visas over the period, then
    a row with nationality null for all others): year, months, rank, nationality, iso3, h1b, h4.
    """
    return query("h1b_issuances_by_year", {"top": top})


@metric
def h1b_h4_ratio_by_nationality(f: Filters | None = None, year: int = 2023, top: int = 10) -> pd.DataFrame:
    """One row per nationality, the `top` with the most H-1B visas issued in calendar `year`: rank,
    nationality, iso3, h1b, h4, h4_per_h1b.
    """
    return query("h1b_h4_ratio_by_nationality", {"year": year, "top": top})


@metric
def h1b_employer_years(f: Filters | None = None) -> pd.DataFrame:
    """One row per fiscal year of the Employer Data Hub: fiscal_year, partial_release, source_file,
    initial_approvals, continuing_approvals, initial_denials, continuing_denials, hub_rows, flagged_rows.
    """
    return query("h1b_employer_years", {})


EMPLOYER_RANKINGS = ("initial", "continuing")


@metric
def h1b_top_employers(f: Filters | None = None, fiscal_year: int = 2022, top: int = 15,
                      rank_by: str = "initial") -> pd.DataFrame:
    """One row per employer in `fiscal_year`, the `top` with the most `rank_by` ('initial' or
    'continuing') approvals: rank, employer, employer_flag, initial_approvals, continuing_approvals,
    initial_denials, continuing_denials, hub_rows, states, partial_release.
    """
    if rank_by not in EMPLOYER_RANKINGS:
        raise ValueError(f"rank_by must be one of {EMPLOYER_RANKINGS}, not {rank_by!r}")
    return query("h1b_top_employers", {"fiscal_year": fiscal_year, "top": top, "rank_by": rank_by})


def employer_key(text: str) -> str:
    """A name as the hub search matches it: lower-case letters and digits, single spaces (the same rule
    as employer_key in queries/_load_h1b_employers.sql). USCIS drops punctuation inconsistently
    ("AMAZON.COM" one year, "AMAZON COM" the next), so both sides are reduced alike.
    """
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


@metric
def h1b_employer_search(f: Filters | None = None, text: str = "", limit: int = 25) -> pd.DataFrame:
    """One row per employer and fiscal year whose name contains `text` (punctuation and case ignored), at
    most `limit` employers, the largest first: fiscal_year, partial_release, employer, employer_flag,
    initial_approvals, continuing_approvals, initial_denials, continuing_denials, states, hub_rows.
    Empty text matches nothing.
    """
    key = employer_key(text)
    # The key holds only [a-z0-9 ], so it carries no LIKE wildcard; it is still bound, never formatted in.
    return query("h1b_employer_search", {"pattern": f"%{key}%" if key else "", "limit": limit})


@metric
def h1b_state_years(f: Filters | None = None) -> pd.DataFrame:
    """One row per fiscal year of the hub summary by state: fiscal_year, partial_release,
    initial_approvals, continuing_approvals.
    """
    return query("h1b_state_years", {})


@metric
def h1b_approvals_by_state(f: Filters | None = None, fiscal_year: int = 2022) -> pd.DataFrame:
    """One row per employer state in `fiscal_year`, most initial approvals first: state, state_code,
    state_name, state_kind, initial_approvals, continuing_approvals, initial_denials, continuing_denials,
    employer_rows, partial_release.
    """
    return query("h1b_approvals_by_state", {"fiscal_year": fiscal_year})


@metric
def h1b_cap_lottery(f: Filters | None = None) -> pd.DataFrame:
    """One row per H-1B cap year: fiscal_year, lottery_month, eligible_registrations,
    selected_registrations, i129_receipts_from_registrations, source_id, note.
    """
    return query("h1b_cap_lottery", {})


@metric
def h1b_pool_facts(f: Filters | None = None) -> pd.DataFrame:
    """One row per published fact on the H-1B pool and the annual cap: fact, value, as_of, source_id, note."""
    return query("h1b_pool_facts", {})


@metric
def reference_sources(f: Filters | None = None) -> pd.DataFrame:
    """One row per reference file in the warehouse: table_name, file, publisher, period, caveat."""
    return query("reference_sources", {})


@metric
def reference_tables(f: Filters | None = None) -> pd.DataFrame:
    """One row per table in the current snapshot: table_name."""
    return query("reference_tables", {})
