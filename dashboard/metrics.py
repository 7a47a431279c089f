"""One function per named query: Filters -> DataFrame. The docstring says what comes back, with its grain.

Plain Python: a CLI, a benchmark or a test calls these without a server. Times come back in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime, timedelta

import pandas as pd

from dashboard import regions, warehouse
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


_PREVIEW: ContextVar[int | None] = ContextVar("preview", default=None)


def query(name: str, params: dict) -> pd.DataFrame:
    limit = _PREVIEW.get()
    if limit is None:
        return warehouse.reader().query(name, params)
    rows, total = warehouse.reader().preview(name, params, limit)
    rows.attrs["total_rows"] = total
    return rows


def preview(name: str, f: Filters, limit: int, **kwargs) -> tuple[pd.DataFrame, int]:
    """The first `limit` rows of a metric and how many rows it has in all, without fetching the rest:
    for showing a table of individual records that may hold millions of rows."""
    token = _PREVIEW.set(limit)
    try:
        rows = METRICS[name](f, **kwargs)
    finally:
        _PREVIEW.reset(token)
    return rows, int(rows.attrs.pop("total_rows", len(rows)))


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
    p = program_of(f)  # minutes None: the SQL chooses them as auto_minutes would, in the same query (issue 17)
    params = {**f.params(), "cap_roles": list(p.counts_toward_cap), "minutes": minutes, "origin": origin_for(p),
              "opens_at": p.opens_at}
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


@metric

def applications_by_citizenship(f: Filters, top_n: int = 10) -> pd.DataFrame:
    """One row per citizenship among the `top_n` with the most principal applications under the shared
    filters, then one "all others" row (citizenship null): rank, citizenship, countries, principal, family,
    principal_share, family_share.

    Shares are of every citizenship under the other filters; the citizenship filter picks the rows.
    """
    return query("applications_by_citizenship", {**f.params(), "top_n": top_n})


@metric

def h1b_representation(f: Filters, year: int, top_n: int = 10) -> pd.DataFrame:
    """One row per citizenship among the `top_n` with the most principal applications (then H-1B visas),
    then "all others" (citizenship null), against US H-1B visas issued in calendar `year` and USCIS
    approvals by country of birth in fiscal `year`: rank, citizenship, countries, applications,
    applicant_share, h1b_issuances, h1b_share, ratio, per_1000, uscis_share, uscis_approved.

    Shares are of every citizenship under the other filters (H-1B: of the visas attributed to a country).
    """
    return query("h1b_representation", {**f.params(), "year": year, "top_n": top_n})


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

def reference_unmatched_nationalities(f: Filters | None = None, year: int = 0) -> pd.DataFrame:
    """One row per spelling in the reference statistics that names no country: source, spelling, non_country,
    in_year (H-1B visas or approvals in `year`), all_years.
    """
    return query("reference_unmatched_nationalities", {"year": year})


@metric

def tables_present(f: Filters | None = None) -> pd.DataFrame:
    """One row per table in the current snapshot: table_name."""
    return query("tables_present", {})


@metric

def application_records(f: Filters) -> pd.DataFrame:
    """One row per application under the shared filters, with the status it had at the as-of moment.

    Columns: application_id, program_id, submitted_at, applicant_role, principal_application_id,
    permit_type, citizenship, birth_country, us_state, intended_province, status, status_at (UTC).
    No direct identifiers exist in the warehouse: the ingest never stores them.
    """
    return query("application_records", f.params())
# ---------------------------------------------------------------- velocity

MAX_INTERVALS = 9000  # a series longer than this is cut; the page says so


def range_last(f: Filters) -> datetime | None:
    """The last moment an arrival series must cover: just before the end of the time range or the as-of
    moment (an interval that starts at the as-of moment would be an empty one nobody could see filled)."""
    ends = [m - timedelta(microseconds=1) for m in (f.end, f.as_of) if m is not None]
    return min(ends) if ends else None


@metric

def arrivals_by_interval(f: Filters, minutes: int = 60, max_intervals: int = MAX_INTERVALS) -> pd.DataFrame:
    """One row per interval of `minutes` (aligned on local midnight of the opening day), empty ones
    included as 0, under the shared filters: interval_start, interval_end (UTC), principal, family.

    The series runs from the time range's start (else the first arrival) to its end or the as-of
    moment (else the last arrival); at most `max_intervals` + 1 rows (one more means it was cut).
    Intervals are fixed lengths of time: across a daylight-saving change an hour is a UTC hour.
    """
    p = program_of(f)
    return query("arrivals_by_interval", {
        **f.params(), "minutes": minutes, "origin": origin_for(p), "range_first": f.start,
        "range_last": range_last(f), "max_intervals": max_intervals,
    })


@metric

def arrivals_by_day(f: Filters, max_intervals: int = MAX_INTERVALS) -> pd.DataFrame:
    """One row per calendar day in the program's zone (23, 24 or 25 hours), empty ones included as 0,
    under the shared filters: interval_start, interval_end (UTC), principal, family.

    The same range as arrivals_by_interval, in whole local days.
    """
    p = program_of(f)
    last = range_last(f)
    return query("arrivals_by_day", {
        **f.params(), "tz": p.time_zone,
        "range_first_day": f.start.astimezone(p.tz).date() if f.start else None,
        "range_last_day": last.astimezone(p.tz).date() if last else None, "max_intervals": max_intervals,
    })


@metric

def arrival_rate(f: Filters, at: datetime | None = None) -> pd.DataFrame:
    """One row at the end of the time range or the as-of moment, whichever is earlier (else the program's
    newest submission), under the shared filters: rate_at (UTC), principal, family (submitted by then), and
    applications per hour over the hour and the 6 hours before it: principal_per_hour_1h, family_per_hour_1h,
    principal_per_hour_6h, family_per_hour_6h.

    `at` names another moment (the Velocity page's rates up to the cap).
    """
    if at is None:
        at = min((m for m in (f.end, f.as_of) if m is not None), default=None)
    return query("arrival_rate", {**f.params(), "at": at})


def milestone_step(cap: int) -> int:
    """Milestones every tenth of the cap, rounded down to 1, 2, 2.5 or 5 times a power of ten (at least 1):
    1,000 for a cap of 10,000, 500 for 5,000, 1 for 5.
    """
    tenth = cap / 10
    if tenth < 1:
        return 1
    power = 10 ** (len(str(int(tenth))) - 1)
    return int(max(m * power for m in (1, 2, 2.5, 5) if m * power <= tenth and (m * power) % 1 == 0))


@metric

def milestones(f: Filters, step: int | None = None) -> pd.DataFrame:
    """One row per milestone (every `step`-th application counting toward the cap, default
    milestone_step(cap), and the cap-th), from the opening, under the shared filters: milestone,
    submitted_at (UTC), since_opening, since_previous (Timedelta; the first one's previous is the opening).
    """
    p = program_of(f)
    return query("milestones", {**f.params(), **cap_params(p), "step": step or milestone_step(p.cap)})

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
def counting_arrivals(f: Filters) -> pd.DataFrame:
    """One row per application of a role counting toward the cap, program-wide at the as-of moment
    (other filters ignored): application_id, submitted_at (UTC), in submission order.
    """
    return query("counting_arrivals", _counting_params(f))


@metric
def counting_times(f: Filters) -> pd.DataFrame:
    """The submission time of each application of a role counting toward the cap, program-wide at the
    as-of moment (other filters ignored), in order: submitted_at (UTC). The time-to-cap page's input.
    """
    return query("counting_times", _counting_params(f))


def _counting_params(f: Filters) -> dict:
    """Program-wide at the as-of moment: the other filters do not narrow what counts toward the cap."""
    return {"program": f.program_id, "as_of": f.params()["as_of"],
            "cap_roles": list(program_of(f).counts_toward_cap)}


# ---------------------------------------------------------------- after the cap: decisions, arrivals, places

@metric
def processing_funnel(f: Filters) -> pd.DataFrame:
    """One row per stage (submitted, in_review, approved, refused, withdrawn, arrived) under the shared filters:
    stage, principal, family (applications that had reached the stage by the as-of moment).

    Approved, refused and withdrawn count the decision standing at that moment (an application whose decision
    changed counts once, under its latest), so approved + refused + withdrawn + still open = submitted.
    """
    return query("processing_funnel", f.params())


@metric
def decision_times(f: Filters) -> pd.DataFrame:
    """One row per outcome (approved, refused, withdrawn) and role (principal, family) under the shared filters:
    outcome, role, applications, median_days, p10_days, p90_days (days from submission to the decision standing
    at the as-of moment, first reached).
    """
    return query("decision_times", f.params())


@metric
def decisions_by_day(f: Filters, max_intervals: int = MAX_INTERVALS) -> pd.DataFrame:
    """One row per calendar day in the program's zone and role (principal, family) under the shared filters:
    interval_start, interval_end (UTC), role, approved, refused, withdrawn (decisions made that day), arrived
    (first entries to Canada that day), open (the backlog: submitted and not decided at the day's end).

    Days run from the first submission to the last decision or arrival, or to the as-of day.
    """
    p = program_of(f)
    return query("decisions_by_day", {
        **f.params(), "tz": p.time_zone, "max_intervals": max_intervals,
        "last_day": (f.as_of - timedelta(microseconds=1)).astimezone(p.tz).date() if f.as_of else None,
    })


@metric
def applications_by_province(f: Filters) -> pd.DataFrame:
    """One row per Canadian province or territory (none: 0) and one `unknown` row, under the shared filters:
    province (intended, two-letter code), principal, family. Most principal applications first.
    """
    return query("applications_by_province", {**f.params(), "provinces": sorted(regions.PROVINCES)})


@metric
def applications_by_us_state(f: Filters, fiscal_year: int | None = None) -> pd.DataFrame:
    """One row per US state and DC (none: 0) and one `unknown` row, under the shared filters: state (of
    residence, two-letter code), principal, family, h1b_initial_approvals (USCIS initial H-1B approvals by
    employer state in `fiscal_year`; default the latest complete one up to the program's opening year),
    per_1000 (principal applications per 1,000 of those approvals). Most principal applications first.
    """
    approvals = _state_approvals(f, fiscal_year)
    return query("applications_by_us_state", {
        **f.params(), "states": list(regions.us_states()),
        "approval_states": approvals["state_code"].tolist(), "approvals": approvals["initial_approvals"].tolist(),
    })


def approvals_fiscal_year(f: Filters) -> int | None:
    """The fiscal year of USCIS approvals by state the US map is set against by default: the latest one
    published whole, up to the program's opening year (None without the reference statistics)."""
    if "h1b_state_summary" not in set(tables_present(f)["table_name"]):
        return None
    years = h1b_state_years(f)
    whole = years[~years["partial_release"].astype(bool)]["fiscal_year"].astype(int)
    if whole.empty:
        return None
    before = whole[whole <= program_of(f).opens_at.year]
    return int((before if len(before) else whole).max())


def _state_approvals(f: Filters, fiscal_year: int | None) -> pd.DataFrame:
    year = fiscal_year if fiscal_year is not None else approvals_fiscal_year(f)
    if year is None or "h1b_state_summary" not in set(tables_present(f)["table_name"]):
        return pd.DataFrame({"state_code": [], "initial_approvals": []})
    rows = h1b_approvals_by_state(f, fiscal_year=year)
    rows = rows[rows["state_code"].notna()]
    return rows.groupby("state_code", as_index=False)["initial_approvals"].sum()

def records_origin() -> pd.DataFrame:
    """Per program holding records: program_id, records (application states), demo_records (written by
    the demo build) and synthetic (True when every record of the program came from the demo build).

    Not a page metric: the access rules ask it whether the data an anonymous visitor would see is synthetic.
    """
    return query("records_origin", {})


def records_synthetic() -> bool:
    """True when every application record in the warehouse came from the demo build (no real record)."""
    df = records_origin()
    return bool(df["synthetic"].all()) if len(df) else True
