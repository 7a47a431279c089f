"""The publication rule: what may leave the building as a count of people. No streamlit, no SQL.

Publication mode applies IRCC's open-data rule to every count (`publish`, a pure function): 1 to 5
suppressed, everything else rounded to the nearest multiple of 5, totals rounded on their own,
shares recomputed from rounded counts, and complementary cells suppressed so that no suppressed cell
can be recovered from a published total (`suppression_mask`). `SPECS` says how each metric's columns
take the rule; a table of individual records (`RECORDS`) has no published version at all.

On screen a suppressed cell shows SUPPRESSED_MARK; in a CSV it is empty, with a `<column>_suppressed`
flag beside it (a cell starting with "-" would be a formula risk in a spreadsheet).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd


def is_text(s: pd.Series) -> bool:
    """A column of text (object, string or categorical): neither numbers, booleans nor times."""
    return not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
                or pd.api.types.is_datetime64_any_dtype(s))


SUPPRESSED_MARK = "--"  # on screen only: in a CSV a cell starting with "-" is a formula risk
FLAG_SUFFIX = "_suppressed"
RULE = ("IRCC open-data rule: counts from 1 to 5 are suppressed (empty cell, <column>_suppressed = True), "
        "all other counts are rounded to the nearest multiple of 5, totals are rounded on their own (they may "
        "differ from the sum of their rounded parts), shares are computed from rounded counts, and further "
        "cells are suppressed where a suppressed one could otherwise be recovered from a total.")
# Integer columns that are labels, not counts of people, when a table's spec has to be inferred.
NOT_COUNTS = frozenset({"year", "month", "day", "hour", "minutes", "rank", "ingest_id", "fiscal_year"})


class NotPublishable(ValueError):
    """A table of individual records: publication mode has no safe version of it."""


def round_count(n: object) -> int | None:
    """IRCC's rule for one count: None (suppressed) from 1 to 5, otherwise the nearest multiple of 5.

    Zero stays zero. Counts are whole numbers, so there is never a tie to break.
    """
    if n is None or pd.isna(n):
        return None
    n = int(round(float(n)))
    if 1 <= n <= 5:
        return None
    return 5 * ((n + 2) // 5)


@dataclass(frozen=True)
class Spec:
    """How a table's columns take the rule.

    counts: cells counting people (suppressed or rounded, with complementary suppression).
    dims: the columns a long table is broken down by; each count column's cells that share every dim
        but one add up to a total someone can publish, so each such group is protected (with fewer than
        two dims, the whole column is one group).
    row_groups: count columns that add up, in each row, to a published row total (e.g. principal, family).
    totals: counts that are totals of others (cumulative, total): rounded on their own from the raw value.
    ratios: name -> (numerator, denominator[, scale]): recomputed from the rounded values (times scale),
        empty where either is suppressed, in the order given (a ratio may use one computed before it).
        The denominator is a column, a number, or None for the total the share was computed against:
        the numerator's raw total, or, where the table carries the raw share, the base it implies (a
        share of every application when the table shows some countries only), rounded on its own.
    keep: other numeric columns that are safe as they are (public reference statistics, elapsed times).
    rows: a function that keeps the rows that can be published (and may redo columns that depend on
        which rows are kept), for a table whose rows themselves are counts (milestones).
    Numeric columns named nowhere are dropped: they may have been computed from raw counts.
    """

    counts: tuple[str, ...] = ()
    dims: tuple[str, ...] = ()
    row_groups: tuple[tuple[str, ...], ...] = ()
    totals: tuple[str, ...] = ()
    ratios: Mapping[str, tuple] = field(default_factory=dict)
    keep: tuple[str, ...] = ()
    rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None


RECORDS = "records"  # the spec of a table of individual records: never published
PUBLIC = "public"  # the spec of published statistics (the US H-1B reference tables): shown as published


def publishable_milestones(df: pd.DataFrame) -> pd.DataFrame:
    """The milestones that can be published: multiples of 5 from 10 on, at least 10 apart, so that
    neither a milestone nor the applications between two of them is a count from 1 to 5 (the
    milestones metric with a step that is such a multiple keeps every row); `since_previous` is
    measured from the milestone kept before."""
    kept: list[int] = []
    for i, m in enumerate(df["milestone"]):
        if m >= 10 and m % 5 == 0 and (not kept or m - df["milestone"].iloc[kept[-1]] >= 10):
            kept.append(i)
    out = df.iloc[kept].reset_index(drop=True)
    if "since_previous" in out and "since_opening" in out and len(out):
        out["since_previous"] = out["since_opening"].diff().fillna(out["since_opening"].iloc[0])
    return out


def publishable_step(step: int) -> int:
    """The milestones' step in publication mode: `step` if publishable_milestones keeps every milestone of
    it (a multiple of 5 from 10 on), else 10."""
    return step if step >= 10 and step % 5 == 0 else 10


def few_without_times(df: pd.DataFrame) -> pd.DataFrame:
    """decision_times with no times for a group of 1 to 5 applications: the times of so few people would
    tell of them what their suppressed count hides."""
    out = df.copy()
    few = out["applications"].between(1, 5)
    for col in ("median_days", "p10_days", "p90_days"):
        out[col] = out[col].astype("Float64").mask(few)
    return out


# The metrics' specs. A metric missing here gets `infer_spec`; add a line for yours when it needs
# more than that (a row total, a share, a numeric column that is not a count).
SPECS: dict[str, Spec | str] = {
    "cap_status": Spec(counts=("counted", "over_cap", "remaining", "family")),
    "applications_by_role_status": Spec(counts=("applications",), dims=("applicant_role", "status")),
    "cumulative_principals": Spec(counts=("arrivals",), totals=("cumulative",)),
    "arrival_span": Spec(),
    "data_freshness": Spec(counts=("applications",), keep=("ingest_id",)),
    "programs_loaded": Spec(counts=("applications",), dims=("program_id",)),
    "countries_present": Spec(counts=("applications",), dims=("citizenship",)),
    "application_records": RECORDS,
    # the velocity, country and time-to-cap pages' metrics
    "counting_arrivals": RECORDS,
    "counting_times": RECORDS,
    "arrivals_by_interval": Spec(counts=("principal", "family")),
    "arrivals_by_day": Spec(counts=("principal", "family")),
    # the last hour's counts are counts; the 6-hour rates come from unrounded counts: left out
    "arrival_rate": Spec(counts=("principal", "family", "principal_per_hour_1h", "family_per_hour_1h")),
    "milestones": Spec(keep=("milestone",), rows=publishable_milestones),
    "applications_by_citizenship": Spec(
        counts=("principal", "family"), dims=("citizenship",), keep=("rank", "countries"),
        ratios={"principal_share": ("principal", None), "family_share": ("family", None)}),
    "h1b_representation": Spec(
        counts=("applications",), dims=("citizenship",),
        keep=("rank", "countries", "h1b_issuances", "h1b_share", "uscis_share", "uscis_approved"),
        ratios={"applicant_share": ("applications", None), "ratio": ("applicant_share", "h1b_share"),
                "per_1000": ("applications", "h1b_issuances", 1000)}),
    # the Decisions and arrivals page's metrics
    "processing_funnel": Spec(counts=("principal", "family"), dims=("stage",)),
    "decision_times": Spec(counts=("applications",), dims=("outcome", "role"),
                           keep=("median_days", "p10_days", "p90_days"), rows=lambda df: few_without_times(df)),
    "decisions_by_day": Spec(counts=("approved", "refused", "withdrawn", "arrived"), totals=("open",)),
    "applications_by_province": Spec(counts=("principal", "family"), dims=("province",)),
    "applications_by_us_state": Spec(counts=("principal", "family"), dims=("state",),
                                     keep=("h1b_initial_approvals",),
                                     ratios={"per_1000": ("principal", "h1b_initial_approvals", 1000)}),
    # tables computed from the metrics by the pages (DERIVED)
    "intakes_compared": Spec(totals=("cumulative",), keep=("elapsed_hours",)),
    # the fan's counts are the count so far plus even steps: even rounded they give it back; its last row
    # is the cap (a public number) and when it is reached
    "forecast_fan": Spec(keep=("count",), rows=lambda df: df.tail(1)),
    "cap_reached": Spec(keep=("count",)),  # the cap (configuration) and the moment it was reached: public
    "forecast_history": Spec(totals=("counted",), keep=("chance_by_close", "p50_error_hours")),
}
SPECS.update({name: PUBLIC for name in (
    "h1b_approvals_by_state", "h1b_cap_lottery", "h1b_employer_search", "h1b_employer_years",
    "h1b_h4_ratio_by_nationality", "h1b_issuance_years", "h1b_issuances_by_year", "h1b_pool_facts",
    "h1b_state_years", "h1b_top_employers", "reference_sources",
    "reference_unmatched_nationalities", "tables_present")})
def infer_spec(df: pd.DataFrame) -> Spec:
    """A spec from the column types: integer columns are counts (those named cumulative* or total* are
    totals), text columns are dims; other numeric columns are dropped by `publish`."""
    ints = [c for c in df.columns if pd.api.types.is_integer_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
            and str(c) not in NOT_COUNTS and not str(c).endswith(("_id", "_year"))]
    totals = tuple(c for c in ints if str(c).startswith(("cumulative", "total")))
    counts = tuple(c for c in ints if c not in totals)
    dims = tuple(c for c in df.columns if c not in ints and is_text(df[c]))
    return Spec(counts=counts, dims=dims, totals=totals)


def lists_records(metric: str) -> bool:
    """Whether a metric is a table of individual records (never published; may hold millions of rows)."""
    return SPECS.get(metric) == RECORDS


def spec_for(metric: str, df: pd.DataFrame) -> Spec:
    """The metric's declared spec, or one inferred from its columns. Raises NotPublishable for records."""
    spec = SPECS.get(metric) or infer_spec(df)
    if spec == RECORDS:
        raise NotPublishable(metric)
    if spec == PUBLIC:
        return Spec(keep=tuple(df.columns))
    assert isinstance(spec, Spec)
    return spec


def _groups(df: pd.DataFrame, spec: Spec) -> list[list[tuple[str, int]]]:
    """Sets of cells (column, row) whose sum may be published as a total."""
    groups: list[list[tuple[str, int]]] = []
    rows = list(range(len(df)))
    for col in spec.counts:
        groups.append([(col, r) for r in rows])
        dims = [d for d in spec.dims if d in df.columns]
        if len(dims) >= 2:
            for d in dims:
                others = [o for o in dims if o != d]
                for idx in df.groupby(others, dropna=False, sort=False).indices.values():
                    groups.append([(col, int(r)) for r in idx])
    for cols in spec.row_groups:
        for r in rows:
            groups.append([(c, r) for c in cols])
    return [g for g in groups if len(g) > 1]


def suppression_mask(raw: Mapping[str, Sequence[int]], groups: list[list[tuple[str, int]]]) -> dict[tuple[str, int], bool]:
    """Primary (1 to 5) and complementary suppression.

    While some group holds exactly one suppressed cell, another of its cells is suppressed too: the
    smallest non-zero one still shown (first in row order on a tie), or else a zero. Then no published
    total minus the published cells gives a suppressed one. A group whose total is 1 to 5 needs none:
    the rule suppresses that total itself.
    """
    hidden = {(c, r): 1 <= v <= 5 for c, vals in raw.items() for r, v in enumerate(vals)}
    changed = True
    while changed:
        changed = False
        for g in groups:
            if sum(hidden[cell] for cell in g) != 1 or 1 <= sum(raw[c][r] for c, r in g) <= 5:
                continue
            shown = [cell for cell in g if not hidden[cell]]
            nonzero = [cell for cell in shown if raw[cell[0]][cell[1]] > 0]
            pick = min(nonzero or shown, key=lambda cell: (raw[cell[0]][cell[1]], cell[1], cell[0]))
            hidden[pick] = True
            changed = True
    return hidden


def publish(df: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """The table under IRCC's rule (pure: `df` is not changed).

    Each count and total column becomes nullable integers (empty where suppressed) followed by a
    `<column>_suppressed` flag column; ratios are recomputed from the rounded values; numeric columns
    the spec does not name are dropped. The result carries attrs["published"] = True.
    """
    if spec.rows is not None:
        df = spec.rows(df)
    out = df.reset_index(drop=True).copy()
    counts = [c for c in spec.counts if c in out.columns]
    raw = {c: [int(round(float(v))) if not pd.isna(v) else 0 for v in out[c]] for c in counts}
    hidden = suppression_mask(raw, _groups(out, Spec(counts=tuple(counts), dims=spec.dims,
                                                     row_groups=spec.row_groups)))
    flags: dict[str, list[bool]] = {}
    for c in counts:
        flags[c] = [hidden[(c, r)] for r in range(len(out))]
        out[c] = pd.array([None if h else round_count(v) for v, h in zip(raw[c], flags[c], strict=True)],
                          dtype="Int64")
    for c in (c for c in spec.totals if c in out.columns):
        vals = [round_count(v) for v in out[c]]
        flags[c] = [v is None and not pd.isna(raw_v) and raw_v != 0 for v, raw_v in zip(vals, out[c], strict=True)]
        out[c] = pd.array(vals, dtype="Int64")
    for name, (num, den, *scale) in spec.ratios.items():
        n = out[num].astype("Float64")
        if den is None:
            total = round_count(_share_base(df, num, name))
            d = pd.Series([total] * len(out), dtype="Float64")
        elif isinstance(den, str):
            d = out[den].astype("Float64")
        else:
            d = pd.Series([float(den)] * len(out), dtype="Float64")
        out[name] = (n / d.where(d != 0) * (scale[0] if scale else 1)).astype("Float64")
    named = set(counts) | set(spec.totals) | set(spec.ratios) | set(spec.keep) | set(spec.dims)
    dropped = [c for c in out.columns if c not in named and pd.api.types.is_numeric_dtype(out[c])
               and not pd.api.types.is_bool_dtype(out[c])]
    out = out.drop(columns=dropped)
    ordered: list[str] = []
    for c in out.columns:
        ordered.append(c)
        if c in flags:
            out[c + FLAG_SUFFIX] = flags[c]
            ordered.append(c + FLAG_SUFFIX)
    out = out[ordered]
    out.attrs = {"published": True, "dropped": dropped}
    return out


def _share_base(df: pd.DataFrame, num: str, share: str) -> float:
    """The total a share column of `df` was computed against: count / share on a row where both are
    non-zero (the query's base, which may hold rows the table leaves out), else the count column's sum."""
    if share in df.columns:
        n, s = pd.to_numeric(df[num], errors="coerce"), pd.to_numeric(df[share], errors="coerce")
        both = (n > 0) & (s > 0)
        if both.any():
            return round(float(n[both].iloc[0]) / float(s[both].iloc[0]))
    return float(pd.to_numeric(df[num], errors="coerce").sum())


def published_total(values: Sequence[object] | pd.Series) -> int | None:
    """A total under the rule: the raw sum rounded on its own (None = suppressed)."""
    return round_count(pd.to_numeric(pd.Series(values), errors="coerce").fillna(0).sum())


def screen_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A published table for the screen: the flag columns left out, and the columns whose empty cells
    mean "suppressed" (shown as SUPPRESSED_MARK)."""
    flags = [c for c in df.columns if str(c).endswith(FLAG_SUFFIX) and str(c)[: -len(FLAG_SUFFIX)] in df.columns]
    marked = [str(c)[: -len(FLAG_SUFFIX)] for c in flags] + [c for c in df.columns if c not in flags
                                                               and isinstance(df[c].dtype, pd.Float64Dtype)]
    return df.drop(columns=flags), marked
