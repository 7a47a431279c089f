"""Extracts analysts can trust: safe CSV, publication mode, provenance and the audit log.

    python -m dashboard.extract --list
    python -m dashboard.extract --program ID --metric NAME [--from T] [--to T] [--as-of T]
        [--country ISO3 ...] [--role R ...] [--permit P ...] [--status S ...] [--grain G | --minutes N]
        [--publication] [--lang en|fr] [--out FILE]

The command writes the same CSV as the dashboard's download button, and FILE's provenance
(<stem>.provenance.json) next to it. Times given without an offset are wall-clock times in the
program's zone. Exit codes: 0 written, 1 no data or nothing publishable, 2 usage error.

CSV: RFC 4180 (CRLF), UTF-8 with a byte-order mark, stable English column names whatever the
language, times in ISO 8601 in the program's zone with their UTC offset. A text cell that a
spreadsheet would run as a formula (it starts with =, +, -, @, a tab, a carriage return or a line
feed, or their full-width forms) is prefixed with an apostrophe (OWASP "CSV injection"); numbers
stay numbers.

Publication mode applies IRCC's open-data rule to every count (`publish`, a pure function): 1 to 5
suppressed, everything else rounded to the nearest multiple of 5, totals rounded on their own,
shares recomputed from rounded counts, and complementary cells suppressed so that no suppressed cell
can be recovered from a published total.

Every extract (button or command) appends a record to audit_log.jsonl beside the snapshots; each
record carries the SHA-256 of the line before it, so an edit or a deletion outside the dashboard
shows up when the chain is checked (`verify_audit`).
"""

from __future__ import annotations

import argparse
import fcntl
import getpass
import hashlib
import inspect
import io
import json
import os
import sys
import types
import typing
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from dashboard import filters as fl
from dashboard import metrics, warehouse
from dashboard.filters import Filters
from dashboard.programs import Program, ProgramConfigError, programs

# ---------------------------------------------------------------- spreadsheet safety

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: object) -> object:
    """A text value made inert for spreadsheets; anything else unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def _is_text(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
                or pd.api.types.is_datetime64_any_dtype(s))


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell (object, string and categorical columns alike) neutralised; times as ISO 8601."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.map(lambda v: "" if pd.isna(v) else v.isoformat()).astype(object)
        elif _is_text(s):
            out[col] = s.astype(object).map(neutralise)
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The rows as an RFC 4180 CSV (CRLF line ends), UTF-8 with a BOM."""
    buf = io.StringIO()
    safe_frame(df).to_csv(buf, index=False, lineterminator="\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- publication mode

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
# Tables the pages compute from metrics (the forecast, curves laid over each other): what each is, and
# the page that shows it (the link in their provenance opens that page with the same filters).
DERIVED: dict[str, tuple[str, str]] = {
    "forecast_fan": ("One row per count on the way to the cap: when the simulated futures reach it (p10, p50, "
                     "p90), forecast by dashboard/forecast.py from counting_times.", "time-to-cap"),
    "cap_reached": ("One row: the cap (count) and the moment the application that reached it was submitted "
                    "(reached_at).", "time-to-cap"),
    "forecast_history": ("One row per forecast made along the way: when it was made, the count then, its "
                         "P10-P50-P90 cap moment and chance by close, against the actual moment.", "time-to-cap"),
    "intakes_compared": ("One row per program and moment: applications counting toward its cap by hours since "
                         "its opening (cumulative_principals of each program), and their share of its cap.",
                         "velocity"),
}


def describe(metric: str) -> str:
    """A metric's one-line description, or a derived table's."""
    return DERIVED[metric][0] if metric in DERIVED else metrics.describe(metric)


def infer_spec(df: pd.DataFrame) -> Spec:
    """A spec from the column types: integer columns are counts (those named cumulative* or total* are
    totals), text columns are dims; other numeric columns are dropped by `publish`."""
    ints = [c for c in df.columns if pd.api.types.is_integer_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
            and str(c) not in NOT_COUNTS and not str(c).endswith(("_id", "_year"))]
    totals = tuple(c for c in ints if str(c).startswith(("cumulative", "total")))
    counts = tuple(c for c in ints if c not in totals)
    dims = tuple(c for c in df.columns if c not in ints and _is_text(df[c]))
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


# ---------------------------------------------------------------- metrics and their parameters

GRAINS = {"minute": 1, "15min": 15, "hour": 60, "day": 1440}


def metric_params(name: str) -> dict[str, inspect.Parameter]:
    """A metric's own parameters (beyond the shared filters), with their annotations evaluated."""
    sig = inspect.signature(metrics.METRICS[name], eval_str=True)
    return dict(list(sig.parameters.items())[1:])


def _base_type(annotation: object) -> type:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next((a for a in typing.get_args(annotation) if a is not type(None)), str)
    return annotation if annotation in (int, float, bool, str) else str  # type: ignore[return-value]


def parse_params(name: str, raw: Mapping[str, str]) -> dict[str, Any]:
    """A metric's parameters from text (URL or command line); ValueError names the bad one."""
    known = metric_params(name)
    out: dict[str, Any] = {}
    for key, text in raw.items():
        if key not in known:
            raise ValueError(f"metric {name} takes no parameter {key!r}"
                             + (f" (it takes: {', '.join(known)})" if known else ""))
        kind = _base_type(known[key].annotation)
        try:
            out[key] = text.lower() in ("1", "true", "yes") if kind is bool else kind(text)
        except ValueError:
            raise ValueError(f"parameter {key} of {name} expects {kind.__name__}, not {text!r}") from None
    return out


def grain_params(name: str, grain: str) -> dict[str, Any]:
    """--grain for a metric: passed as is to one with a `grain` parameter, as minutes to one with `minutes`."""
    known = metric_params(name)
    if "grain" in known:
        return {"grain": grain}
    if "minutes" in known:
        if grain in GRAINS:
            return {"minutes": GRAINS[grain]}
        if grain.isdigit() and int(grain) > 0:
            return {"minutes": int(grain)}
        raise ValueError(f"grain {grain!r}: use one of {', '.join(GRAINS)} or a number of minutes")
    raise ValueError(f"metric {name} has no time grain")


def run(name: str, f: Filters, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    return metrics.METRICS[name](f, **dict(params or {}))


# ---------------------------------------------------------------- the extract

def present(df: pd.DataFrame, program: Program) -> pd.DataFrame:
    """The CSV's table: times converted to the program's zone (written with their UTC offset)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out[col] = s.dt.tz_convert(program.time_zone)
    return out


def screen_times(df: pd.DataFrame, program: Program) -> pd.DataFrame:
    """For the screen: times as wall-clock times in the program's zone, the zone named in the header."""
    out = df.copy()
    renames = {}
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert(program.time_zone).dt.tz_localize(None)
            renames[col] = f"{col} ({program.time_zone})"
    return out.rename(columns=renames)


def _stamp(dt: datetime, program: Program) -> str:
    return dt.astimezone(program.tz).strftime("%Y%m%dT%H%M")


def _list_part(values: Sequence[str], what: str) -> str:
    return "-".join(values) if len(values) <= 3 else f"{len(values)}{what}"


def file_stem(metric: str, f: Filters, params: Mapping[str, Any] | None = None, *, publication: bool = False) -> str:
    """metric[-params]_program_period[_filters]_asof[_pub]: short, and different for different extracts."""
    program = programs()[f.program_id]
    head = metric + "".join(f"-{v}min" if k == "minutes" else f"-{k}{v}" for k, v in sorted((params or {}).items()))
    if f.start and f.end:
        period = f"{_stamp(f.start, program)}-{_stamp(f.end, program)}"
    elif f.start:
        period = f"from{_stamp(f.start, program)}"
    elif f.end:
        period = f"to{_stamp(f.end, program)}"
    else:
        period = "all"
    parts = [head, f.program_id, period]
    for values, what in ((f.countries, "countries"), (f.roles, "roles"), (f.permits, "permits"),
                         (f.statuses, "statuses")):
        if values:
            parts.append(_list_part(values, what))
    parts.append(f"asof{_stamp(f.as_of, program)}" if f.as_of else "latest")
    if publication:
        parts.append("pub")
    return "_".join(parts)


def data_version(program_id: str, freshness: pd.DataFrame | None = None) -> dict[str, Any]:
    """The snapshot and its newest ingest (id, file hash, time): the data version an extract cites.

    `freshness` is the data_freshness metric's row when the caller has it (the dashboard caches it).
    """
    if freshness is None:
        freshness = metrics.data_freshness(Filters(program_id))
    row = freshness.iloc[0]
    last = row["last_ingest_at"]
    return {
        "snapshot": warehouse.reader().snapshot_name,
        "ingest_id": None if pd.isna(row["ingest_id"]) else int(row["ingest_id"]),
        "file_hash": None if pd.isna(row["file_hash"]) else str(row["file_hash"]),
        "ingested_at": None if pd.isna(last) else last.isoformat(),
    }


def base_url() -> str:
    return os.environ.get("DASHBOARD_BASE_URL", "http://localhost:8501").rstrip("/")


def link(metric: str, f: Filters, params: Mapping[str, Any] | None = None, *, publication: bool = False,
         lang: str = "en") -> str:
    """The address of the Extracts page showing this very extract (filters as the sidebar reads them), or
    for a table a page computes (DERIVED), of that page."""
    query: dict[str, list[str]] = {} if metric in DERIVED else {"metric": [metric]}
    query.update({k: [str(v)] for k, v in sorted((params or {}).items())})
    query.update(fl.to_query(f, programs(), default_program=None))
    if publication:
        query["pub"] = ["1"]
    query["lang"] = [lang]
    page = DERIVED[metric][1] if metric in DERIVED else "extracts"
    return f"{base_url()}/{page}?{urlencode(query, doseq=True)}"


def _iso(dt: datetime | None, program: Program) -> str | None:
    return dt.astimezone(program.tz).isoformat() if dt else None


@dataclass(frozen=True)
class Extract:
    """One extract: the CSV bytes and everything its provenance cites."""

    metric: str
    filters: Filters
    params: Mapping[str, Any]
    publication: bool
    lang: str
    version: Mapping[str, Any]
    table: pd.DataFrame
    csv: bytes

    @property
    def program(self) -> Program:
        return programs()[self.filters.program_id]

    @property
    def stem(self) -> str:
        return file_stem(self.metric, self.filters, self.params, publication=self.publication)

    @property
    def csv_name(self) -> str:
        return self.stem + ".csv"

    @property
    def zip_name(self) -> str:
        return self.stem + ".zip"

    def provenance(self, extracted_at: datetime) -> dict[str, Any]:
        p, f = self.program, self.filters
        out: dict[str, Any] = {
            "metric": self.metric,
            "description": describe(self.metric),
            "parameters": dict(sorted(self.params.items())),
            "program": {"id": p.id, "name": p.name(self.lang), "time_zone": p.time_zone, "synthetic": p.synthetic},
            "filters": {
                "from": _iso(f.start, p), "to": _iso(f.end, p), "countries": list(f.countries),
                "roles": list(f.roles), "permits": list(f.permits), "statuses": list(f.statuses),
            },
            "as_of": _iso(f.as_of, p) or "latest data",
            "data_version": dict(self.version),
            "publication_mode": self.publication,
        }
        if self.publication:
            out["publication_rule"] = RULE
        out.update({
            "language": self.lang,
            "file": self.csv_name,
            "rows": len(self.table),
            "columns": [str(c) for c in self.table.columns],
            "times": f"ISO 8601, wall-clock time in {p.time_zone} with its UTC offset",
            "csv_sha256": sha256(self.csv),
            "link": link(self.metric, f, self.params, publication=self.publication, lang=self.lang),
            "extracted_at": extracted_at.astimezone(UTC).isoformat(timespec="seconds"),
        })
        return out

    def provenance_bytes(self, extracted_at: datetime) -> bytes:
        return (json.dumps(self.provenance(extracted_at), indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    def zip_bytes(self, extracted_at: datetime) -> bytes:
        """The CSV and provenance.json in one zip (entries dated with the extract time, in UTC)."""
        stamp = extracted_at.astimezone(UTC).timetuple()[:6]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in ((self.csv_name, self.csv), ("provenance.json", self.provenance_bytes(extracted_at))):
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
        return buf.getvalue()


def build(metric: str, f: Filters, params: Mapping[str, Any] | None = None, *, publication: bool = False,
          lang: str = "en", df: pd.DataFrame | None = None, version: Mapping[str, Any] | None = None) -> Extract:
    """The extract of `metric` under `f`: the button and the command line both come here.

    `df` is the metric's own rows when the caller has them already (the dashboard's cache); publication
    mode and the CSV presentation are applied here, so both paths write the same bytes.
    """
    params = dict(params or {})
    rows = run(metric, f, params) if df is None else df
    if publication and not rows.attrs.get("published"):
        rows = publish(rows, spec_for(metric, rows))
    table = present(rows, programs()[f.program_id])
    return Extract(metric, f, params, publication, lang, dict(version or data_version(f.program_id)),
                   table, csv_bytes(table))


# ---------------------------------------------------------------- the audit log

AUDIT_LOG = "audit_log.jsonl"
GENESIS = "0" * 64


def _last_line(fh) -> bytes:
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    if size == 0:
        return b""
    back = min(size, 1 << 16)
    fh.seek(size - back)
    tail = fh.read(back)
    lines = tail.rstrip(b"\n").split(b"\n")
    return lines[-1]


def append_audit(record: Mapping[str, Any], root: Path | None = None) -> dict[str, Any]:
    """Append one record to the audit log beside the snapshots, chained to the line before it.

    An exclusive lock on the file keeps two extracts from chaining to the same line. A line torn by a
    crash is ended first, so the new record starts on a line of its own.
    """
    root = root or warehouse.warehouse_dir()
    root.mkdir(parents=True, exist_ok=True)
    path = root / AUDIT_LOG
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            last = _last_line(fh)
            fh.seek(0, os.SEEK_END)
            if fh.tell() and not _ends_with_newline(fh):
                fh.write(b"\n")
            full = {**record, "prev": sha256(last) if last else GENESIS}
            fh.write((json.dumps(full, default=str, ensure_ascii=False) + "\n").encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return full


def _ends_with_newline(fh) -> bool:
    fh.seek(-1, os.SEEK_END)
    end = fh.read(1) == b"\n"
    fh.seek(0, os.SEEK_END)
    return end


def read_audit(root: Path | None = None) -> list[dict]:
    return warehouse.read_log(AUDIT_LOG, root)


def verify_audit(root: Path | None = None) -> tuple[int, int | None]:
    """(records, first broken line or None): a line whose `prev` is not the hash of the line before it."""
    path = (root or warehouse.warehouse_dir()) / AUDIT_LOG
    if not path.exists():
        return 0, None
    previous = b""
    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        try:
            prev = json.loads(line)["prev"]
        except (ValueError, KeyError, TypeError):
            return len(lines), number
        if prev != (sha256(previous) if previous else GENESIS):
            return len(lines), number
        previous = line
    return len(lines), None


def audit_record(ex: Extract, *, who: str, via: str, fmt: str, delivered: bytes, extracted_at: datetime) -> dict:
    """What the audit log keeps about one extract."""
    return {
        "at": extracted_at.astimezone(UTC).isoformat(timespec="seconds"),
        "who": who,
        "via": via,
        "metric": ex.metric,
        "parameters": dict(sorted(ex.params.items())),
        "program": ex.filters.program_id,
        "filters": fl.to_query(ex.filters, programs(), default_program=None),
        "publication": ex.publication,
        "rows": len(ex.table),
        "file": ex.zip_name if fmt == "zip" else ex.csv_name,
        "format": fmt,
        "file_sha256": sha256(delivered),
        "csv_sha256": sha256(ex.csv),
        "data_version": dict(ex.version),
    }


def deliver(ex: Extract, fmt: str, *, who: str, via: str, at: datetime, root: Path | None = None) -> bytes:
    """The file's bytes (csv or zip), with its audit record appended first: no extract leaves unrecorded."""
    data = ex.zip_bytes(at) if fmt == "zip" else ex.csv
    append_audit(audit_record(ex, who=who, via=via, fmt=fmt, delivered=data, extracted_at=at), root)
    return data


# ---------------------------------------------------------------- command line

def _describe_params(name: str) -> str:
    parts = []
    for pname, prm in metric_params(name).items():
        kind = _base_type(prm.annotation).__name__
        default = "chosen from the data" if prm.default is None else prm.default
        extra = f", or --grain {'|'.join(GRAINS)}" if pname == "minutes" else ""
        parts.append(f"--{pname} {kind.upper()} (default: {default}{extra})")
    return _filters_used(name) + ("; " + "; ".join(parts) if parts else "")


def _filters_used(name: str) -> str:
    """Which filters a metric honours, read from its query (the filtered_states or states_as_of macro)."""
    try:
        sql = warehouse.sql_text(name)
    except FileNotFoundError:
        return "--program"
    if "filtered_states(" in sql:
        return "--program, the shared filters (--from --to --as-of --country --role --permit --status)"
    if "states_as_of(" in sql:
        return "--program, --as-of"
    return "--program" if "$program" in sql else "none"


def list_metrics() -> str:
    lines = []
    for name in sorted(metrics.METRICS):
        lines.append(name)
        lines.append(f"    {metrics.describe(name)}")
        lines.append(f"    parameters: {_describe_params(name)}")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m dashboard.extract", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true", help="name every metric with its description and parameters")
    ap.add_argument("--program", help="program id (data/programs.toml)")
    ap.add_argument("--metric", help="metric name (see --list)")
    ap.add_argument("--from", dest="start", metavar="TIME", help="submitted at or after (ISO 8601)")
    ap.add_argument("--to", dest="end", metavar="TIME", help="submitted before (ISO 8601)")
    ap.add_argument("--as-of", dest="as_of", metavar="TIME", help="the intake as it stood then (default: latest)")
    ap.add_argument("--country", action="append", default=[], help="ISO 3166 alpha-3 citizenship; repeatable")
    ap.add_argument("--role", action="append", default=[], help="applicant role; repeatable")
    ap.add_argument("--permit", action="append", default=[], help="permit type; repeatable")
    ap.add_argument("--status", action="append", default=[], help="status; repeatable")
    ap.add_argument("--grain", help=f"time grain: {', '.join(GRAINS)} (or minutes)")
    ap.add_argument("--publication", action="store_true", help="apply the publication rule (IRCC)")
    ap.add_argument("--lang", choices=("en", "fr"), default="en", help="language recorded in the provenance")
    ap.add_argument("--out", type=Path, help="CSV file to write (default: the dashboard's file name, here)")
    return ap


def _metric_options(extra: list[str]) -> dict[str, str]:
    """--name value (or --name=value) pairs left over by argparse: the metric's own parameters."""
    out: dict[str, str] = {}
    i = 0
    while i < len(extra):
        token = extra[i]
        if not token.startswith("--"):
            raise ValueError(f"unexpected argument {token!r}")
        key, eq, value = token[2:].partition("=")
        if not eq:
            if i + 1 >= len(extra):
                raise ValueError(f"{token} needs a value")
            i += 1
            value = extra[i]
        out[key.replace("-", "_")] = value
        i += 1
    return out


def main(argv: Sequence[str] | None = None, out=sys.stdout, err=sys.stderr) -> int:
    ap = _parser()
    try:
        args, extra = ap.parse_known_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    if args.list:
        out.write(list_metrics())
        return 0
    try:
        progs = programs()
    except ProgramConfigError as exc:
        print(exc, file=err)
        return 2
    if not args.program or not args.metric:
        ap.print_usage(err)
        print("name --program and --metric (or --list)", file=err)
        return 2
    if args.metric not in metrics.METRICS:
        print(f"unknown metric {args.metric!r}; `python -m dashboard.extract --list` names them", file=err)
        return 2
    if args.program not in progs:
        print(f"unknown program {args.program!r}; configured: {', '.join(progs)}", file=err)
        return 2
    query: dict[str, list[str]] = {"program": [args.program], "country": args.country, "role": args.role,
                                   "permit": args.permit, "status": args.status}
    for key, value in (("from", args.start), ("to", args.end), ("as_of", args.as_of)):
        if value:
            query[key] = [value]
    f = fl.parse_query(query, progs, args.program)
    if f.notices:
        for n in f.notices:
            print(f"--{n.key.replace('_', '-')} {n.value!r} is not usable: times are ISO 8601 (naive = the "
                  "program's zone), codes as in data/README.md, and --to must come after --from", file=err)
        return 2
    try:
        params = parse_params(args.metric, _metric_options(extra))
        if args.grain:
            params.update(grain_params(args.metric, args.grain))
    except ValueError as exc:
        print(exc, file=err)
        return 2
    try:
        ex = build(args.metric, f, params, publication=args.publication, lang=args.lang)
    except warehouse.NoWarehouse as exc:
        print(exc, file=err)
        return 1
    except NotPublishable:
        print(f"{args.metric} lists individual applications: publication mode cannot publish it; "
              "extract an aggregate metric instead", file=err)
        return 1
    target = args.out or Path(ex.csv_name)
    at = warehouse.now_utc()
    target.write_bytes(deliver(ex, "csv", who=_os_user(), via="command line", at=at))
    prov = target.with_name(target.stem + ".provenance.json")
    prov.write_bytes(ex.provenance_bytes(at))
    print(f"wrote {target} ({len(ex.table):,} rows) and {prov}", file=err)
    return 0


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "anonymous"


if __name__ == "__main__":
    sys.exit(main())
