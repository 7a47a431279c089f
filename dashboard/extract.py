"""Extracts analysts can trust: safe CSV, provenance, file names, and the record each one leaves.

CSV: RFC 4180 (CRLF), UTF-8 with a byte-order mark, stable English column names whatever the
language, times in ISO 8601 in the program's zone with their UTC offset. A text cell that a
spreadsheet would run as a formula (it starts with =, +, -, @, a tab, a carriage return or a line
feed, or their full-width forms) is prefixed with an apostrophe (OWASP "CSV injection"); numbers
stay numbers.

Publication mode applies IRCC's open-data rule (dashboard/disclosure.py) before the CSV is written.

Every extract (button or command) appends a record to audit_log.jsonl beside the snapshots, chained
to the line before it (dashboard/logs.py), so an edit or a deletion outside the dashboard shows up when
the chain is checked (`logs.verify`).

The button and the command line (dashboard/cli.py) both come to `build` and `deliver`, so they write
the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import io
import json
import os
import sys
import types
import typing
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from dashboard import filters as fl
from dashboard import logs, metrics, warehouse
from dashboard.disclosure import RULE, is_text, publish, spec_for
from dashboard.filters import Filters
from dashboard.i18n import N_, zone_name
from dashboard.programs import Program, programs

# ---------------------------------------------------------------- spreadsheet safety

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: object) -> object:
    """A text value made inert for spreadsheets; anything else unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell (object, string and categorical columns alike) neutralised; times as ISO 8601."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.map(lambda v: "" if pd.isna(v) else v.isoformat()).astype(object)
        elif is_text(s):
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


# Each metric's name for people (the Extracts menu, in the page's language through t()); the identifier
# stays what the URL, the command line and the file names use. A metric missing here shows its identifier,
# and tests/test_i18n_complete.py fails until it has a title.
TITLES: dict[str, str] = {
    "application_records": N_("Application records"),
    "applications_by_citizenship": N_("Applications by citizenship"),
    "applications_by_role_status": N_("Applications by role and status"),
    "arrival_rate": N_("Arrival rate per hour"),
    "arrival_span": N_("First and last arrival"),
    "arrivals_by_day": N_("Arrivals by day"),
    "arrivals_by_interval": N_("Arrivals by interval"),
    "cap_status": N_("Cap status"),
    "counting_arrivals": N_("Applications counting toward the cap"),
    "counting_times": N_("Submission times counting toward the cap"),
    "countries_present": N_("Citizenships present"),
    "cumulative_principals": N_("Principal applications, cumulative"),
    "decision_times": N_("Days to a decision"),
    "decisions_by_day": N_("Decisions, arrivals and backlog by day"),
    "processing_funnel": N_("Applications by stage reached"),
    "applications_by_province": N_("Applications by intended province"),
    "applications_by_us_state": N_("Applications by US state of residence"),
    "data_freshness": N_("Data freshness"),
    "h1b_approvals_by_state": N_("US H-1B approvals by state"),
    "h1b_cap_lottery": N_("US H-1B cap lottery"),
    "h1b_employer_search": N_("US H-1B employer search"),
    "h1b_employer_years": N_("US H-1B employers by fiscal year"),
    "h1b_h4_ratio_by_nationality": N_("US H-4 visas per H-1B visa, by nationality"),
    "h1b_issuance_years": N_("US H-1B visa issuance years"),
    "h1b_issuances_by_year": N_("US H-1B visas issued by year and nationality"),
    "h1b_pool_facts": N_("US H-1B pool and cap facts"),
    "h1b_representation": N_("Applicants compared with US H-1B visas"),
    "h1b_state_years": N_("US H-1B approvals by state, by fiscal year"),
    "h1b_top_employers": N_("US H-1B top employers"),
    "milestones": N_("Milestones toward the cap"),
    "programs_loaded": N_("Programs loaded"),
    "reference_sources": N_("Reference statistics sources"),
    "reference_unmatched_nationalities": N_("Reference spellings that name no country"),
    "tables_present": N_("Warehouse tables"),
}


def title(metric: str) -> str:
    """A metric's name for people, in English (the msgid: translate it with t()); else its identifier."""
    return TITLES.get(metric, metric)


def describe(metric: str) -> str:
    """A metric's one-line description, or a derived table's."""
    return DERIVED[metric][0] if metric in DERIVED else metrics.describe(metric)


# ---------------------------------------------------------------- metrics and their parameters

SERIES = ("arrivals_by_interval", "arrivals_by_day")  # the Velocity page's series, chosen by its grain


def metric_params(name: str) -> dict[str, inspect.Parameter]:
    """A metric's own parameters (beyond the shared filters), with their annotations evaluated."""
    return dict(_own_parameters(metrics.METRICS[name]))


@functools.cache
def _own_parameters(fn) -> tuple[tuple[str, inspect.Parameter], ...]:
    # evaluating the annotations was ~5 % of an Extracts rerun (the page asks for every metric's parameters)
    return tuple(inspect.signature(fn, eval_str=True).parameters.items())[1:]


def param_type(annotation: object) -> type:
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
        kind = param_type(known[key].annotation)
        try:
            out[key] = text.lower() in ("1", "true", "yes") if kind is bool else kind(text)
        except ValueError:
            raise ValueError(f"parameter {key} of {name} expects {kind.__name__}, not {text!r}") from None
    return out


def grain_params(name: str | None, grain: str) -> tuple[str, dict[str, Any]]:
    """--grain for a metric, in the page's vocabulary (filters.GRAINS): (metric, parameters).

    The arrivals series (no metric named, arrivals_by_interval or arrivals_by_day) take the grain as the
    Velocity page does: `day` is a calendar day in the program's zone (arrivals_by_day), the others fixed
    intervals. Another metric with `minutes` takes the grain's minutes (or a number of minutes); it has
    no calendar day. One with a `grain` parameter gets it as is.
    """
    named = fl.grain_name(grain)
    if (name is None or name in SERIES) and named is not None:
        return fl.grain_series(named)
    if name is None:
        raise ValueError(f"grain {grain!r}: use one of {', '.join(fl.GRAINS)}")
    known = metric_params(name)
    if "grain" in known:
        return name, {"grain": grain}
    if "minutes" in known:
        if named is not None and fl.GRAINS[named] is not None:
            return name, {"minutes": fl.GRAINS[named]}
        if grain.isdigit() and int(grain) > 0:
            return name, {"minutes": int(grain)}
        if named == "day":
            raise ValueError(f"metric {name} has no calendar-day grain: --grain 1440 gives 24-hour intervals, "
                             "or use --metric arrivals_by_day")
        raise ValueError(f"grain {grain!r}: use one of {', '.join(fl.GRAINS)} or a number of minutes")
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


def screen_times(df: pd.DataFrame, program: Program, lang: str | None = None) -> pd.DataFrame:
    """For the screen: times as wall-clock times in the program's zone, the zone named in the header as
    people say it ("submitted_at (Eastern Time)", "(heure de l'Est)")."""
    out = df.copy()
    renames = {}
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert(program.time_zone).dt.tz_localize(None)
            renames[col] = f"{col} ({zone_name(program.time_zone, lang)})"
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
    logs.append(logs.AUDIT_LOG, audit_record(ex, who=who, via=via, fmt=fmt, delivered=data, extracted_at=at), root,
                chained=True)
    return data


if __name__ == "__main__":  # python -m dashboard.extract, as documented
    from dashboard.cli import extract_main

    sys.exit(extract_main())
