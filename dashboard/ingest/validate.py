"""Checking an export's rows: every value against the format (data/README.md), each problem named by
file, line and column. The rows come back typed, the bad ones flagged, nothing stored yet."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from dashboard import reference
from dashboard.country_codes import to_iso3
from dashboard.ingest.format import COLUMNS, IDENTIFIER_PATTERN, REQUIRED, IngestRejected, Problem
from dashboard.ingest.read import Cells
from dashboard.programs import PERMIT_TYPES, ROLES, STATUSES, Program

PROVINCES = frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT".split())
FUTURE_TOLERANCE = pd.Timedelta(minutes=5)
# After stripping: a tab, a line break, a terminal escape (C0 and C1 controls, DEL) or a Unicode line or
# paragraph separator inside a value; a line-based reader of an extract would split the record there.
_CONTROL = "[\x00-\x1f\x7f-\x9f\u2028\u2029]"
# Invisible formatting characters (Unicode category Cf): zero-width spaces and joiners, direction marks,
# the byte-order mark, soft hyphens. An id holding one looks like another id on screen.
_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
ID_COLUMNS = ("application_id", "principal_application_id", "program_id")
# A time this long before its program opened is a wrong year, not an early application.
BEFORE_OPENING = pd.Timedelta(days=366)
_OFFSET = re.compile(r"(?:Z|[+-]\d\d(?::?\d\d)?)$", re.IGNORECASE)


@cache
def us_state_codes() -> frozenset[str]:
    """The us_state codes an export may use: reference.us_states() (states, DC, the territories)
    without the Armed Forces post offices, which are mail routes rather than places."""
    states = reference.us_states()
    return frozenset(states.loc[states["kind"] != reference.MILITARY_KIND, "code"])


def _parse_times(values: pd.Series, tz: pd.Series) -> tuple[pd.Series, pd.Series]:
    """UTC timestamps and an error text per value ('' when fine). Naive values are in the row's zone.

    Each distinct (value, zone) is parsed once: the states of one application repeat its times.
    """
    vcode, _ = pd.factorize(values, use_na_sentinel=False)
    zcode, zones = pd.factorize(tz, use_na_sentinel=False)
    _, first, inverse = np.unique(vcode.astype("int64") * max(len(zones), 1) + zcode,
                                  return_index=True, return_inverse=True)
    out, err = _parse_distinct_times(values.iloc[first].reset_index(drop=True), tz.iloc[first].reset_index(drop=True))
    return out.iloc[inverse].set_axis(values.index), err.iloc[inverse].set_axis(values.index)


def _parse_distinct_times(values: pd.Series, tz: pd.Series) -> tuple[pd.Series, pd.Series]:
    n = len(values)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")  # UTC
    err = np.full(n, "", dtype=object)
    stripped = values.str.strip()
    has_offset = (stripped.str.contains(_OFFSET, regex=True) & stripped.str.contains(r"\d[T ]\d", regex=True)
                  ).to_numpy(dtype=bool, na_value=False)
    aware = np.flatnonzero(has_offset)
    if len(aware):
        parsed = pd.to_datetime(stripped.iloc[aware], format="ISO8601", utc=True, errors="coerce")
        out[aware] = parsed.dt.round("us").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")  # a .NET export's 7th decimal
    naive = np.flatnonzero(~has_offset)
    zones = tz.to_numpy(dtype=object)[naive]
    for zone in pd.unique(zones):
        at = naive[zones == zone]
        parsed = pd.DatetimeIndex(pd.to_datetime(stripped.iloc[at], format="ISO8601", errors="coerce"))
        ok = ~parsed.isna()
        local = parsed[ok].tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        dst = local.isna()
        err[at[ok][dst]] = (
            f"this local time does not exist or occurs twice in {zone} (a daylight-saving change); "
            "add a UTC offset such as -04:00"
        )
        out[at[ok][~dst]] = local[~dst].tz_convert("UTC").round("us").tz_localize(None).to_numpy(dtype="datetime64[us]")
    err[np.isnat(out) & (err == "")] = "not a valid ISO 8601 date and time; expected e.g. 2023-07-16T09:30:00-04:00"
    return (pd.Series(out, index=values.index).dt.tz_localize("UTC"),
            pd.Series(err, index=values.index, dtype="string"))


class _Checker:
    def __init__(self, file: str, lines: pd.Series):
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []
        self.bad_rows: set[int] = set()

    def flag(self, mask: pd.Series, column: str, message: str | pd.Series) -> None:
        for idx in mask[mask].index:
            text = message if isinstance(message, str) else message.loc[idx]
            self.problems.append(Problem(self.file, int(self.lines.loc[idx]), column, text))
            self.bad_rows.add(idx)


def _per_distinct(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """fn of each value, called once per distinct value (an export repeats a few values a million times)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(u) for u in uniques]
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _code_map(values: pd.Series) -> pd.Series:
    return _per_distinct(values, lambda v: to_iso3(v) if v else "").astype("string")  # all unknown: not null-typed


def check_header(file: str, header: list[str]) -> tuple[list[str], list[str]]:
    """The header's columns outside the format: (dropped, identifiers). Raises IngestRejected for a
    column named twice, a required one missing, or a header split by another delimiter."""
    seen: set[str] = set()
    head_problems = []
    for i, name in enumerate(header, start=1):
        if name in seen:
            head_problems.append(Problem(file, 1, name, f"the column appears twice (field {i}); keep one of them"))
        seen.add(name)
    missing = [c for c in REQUIRED if c not in header]
    if missing and len(header) == 1:
        for name, sep in (("tabs", "\t"), ("semicolons", ";"), ("vertical bars", "|")):
            if sep in header[0]:
                raise IngestRejected([Problem(file, 1, None, f"the header row is separated by {name}; expected "
                                              "commas (save the file as \"CSV, comma-delimited\")")])
    for c in missing:
        head_problems.append(Problem(file, 1, c, "this required column is missing from the header row"))
    if head_problems:
        raise IngestRejected(head_problems)
    identifiers = [h for h in header if h not in COLUMNS and IDENTIFIER_PATTERN.search(h)]
    dropped = [h or f"(unnamed field {i})" for i, h in enumerate(header, start=1)
               if h not in COLUMNS and h not in identifiers]
    return dropped, identifiers


def validate_frame(file: str, cells: Cells, progs: dict[str, Program], now: pd.Timestamp
                   ) -> tuple[pd.DataFrame, _Checker, list[str], list[str]]:
    """Check every row; returns the typed rows (bad ones included, flagged), the checker and dropped columns."""
    header, starts = cells.header, cells.starts
    dropped, identifiers = check_header(file, header)

    lines = pd.Series(starts, dtype="int64")
    chk = _Checker(file, lines)
    width = len(header)
    wrong = list(cells.wrong)
    for i, found in cells.wrong.items():
        # Too few fields: name the first column left without a value (a semicolon row lands here).
        chk.problems.append(Problem(file, int(starts[i]), header[found] if found < width else None,
                                    f"expected {width} fields as in the header, found {found}; "
                                    "check the delimiter (a comma) and the quoting"))
        chk.bad_rows.add(i)
    pos = {h: header.index(h) for h in COLUMNS if h in header}
    n = len(starts)
    df = pd.DataFrame({c: (cells.columns[pos[c]].reset_index(drop=True) if c in pos
                           else pd.Series([""] * n, dtype="string")).str.strip()
                       for c in COLUMNS})
    df.index = pd.RangeIndex(len(df))
    lines.index = df.index
    ok_shape = ~df.index.isin(wrong)

    for c in [] if cells.plain else COLUMNS:
        chk.flag(ok_shape & df[c].str.contains(_CONTROL, regex=True), c,
                 "contains a line break or another control character; remove it (values are single-line text)")
    for c in [] if cells.plain else COLUMNS:
        wide = ~df[c].str.isascii().fillna(True).astype(bool)
        if not wide.any():  # the usual export: plain ASCII, nothing invisible, nothing to normalise
            continue
        found = df.loc[wide, c].str.extract(f"({_INVISIBLE.pattern})", expand=False).dropna()
        chk.flag(pd.Series(ok_shape & df.index.isin(found.index), index=df.index), c, found.map(
            lambda ch: f"contains an invisible formatting character (U+{ord(ch):04X}); remove it (a value must "
            "read as it looks)"))
        if c in ID_COLUMNS:  # compatibility forms (full-width digits and letters, ligatures) read as plain ones
            df.loc[wide, c] = df.loc[wide, c].str.normalize("NFKC")
    for c in REQUIRED:
        chk.flag(ok_shape & (df[c] == ""), c, "a value is required here")
    filled = ok_shape & (df["application_id"] != "")
    chk.flag(filled & (df["application_id"].str.len() > 200), "application_id", "longer than 200 characters")

    known = df["program_id"].isin(list(progs))
    chk.flag(ok_shape & (df["program_id"] != "") & ~known, "program_id",
             f"unknown program; expected one of {', '.join(progs) or '(none configured)'} (data/programs.toml)")
    zones = _per_distinct(df["program_id"], lambda v: progs[v].time_zone if v in progs else "UTC")

    for col in ("applicant_role", "permit_type", "status"):
        allowed = {"applicant_role": ROLES, "permit_type": PERMIT_TYPES, "status": STATUSES}[col]
        lowered = df[col].str.lower()
        chk.flag(ok_shape & (df[col] != "") & ~lowered.isin(list(allowed)), col,
                 f"expected one of {', '.join(allowed)}")
        df[col] = lowered

    for col in ("submitted_at", "status_at", "arrived_at"):  # an empty arrived_at stays empty (NaT)
        ts, err = _parse_times(df[col], zones)
        chk.flag(ok_shape & (df[col] != "") & (err != ""), col, err)
        df[col] = ts
    chk.flag(ok_shape & (df["submitted_at"] > now + FUTURE_TOLERANCE), "submitted_at",
             "this time is in the future; check the date and the UTC offset")
    chk.flag(ok_shape & (df["status_at"] > now + FUTURE_TOLERANCE), "status_at",
             "this time is in the future; check the date and the UTC offset")
    opened = _per_distinct(df["program_id"], lambda v: pd.Timestamp(progs[v].opens_at).tz_convert("UTC")
                           if v in progs else pd.NaT)
    early = pd.to_datetime(opened, utc=True) - BEFORE_OPENING
    chk.flag(ok_shape & (df["submitted_at"] < early), "submitted_at", _per_distinct(
        df["program_id"], lambda v: f"this time is more than a year before the program opened "
        f"({progs[v].opens_at:%Y-%m-%d}); check the year" if v in progs else ""))
    chk.flag(ok_shape & (df["status_at"] < df["submitted_at"]), "status_at",
             "the status is dated before the application was submitted; expected status_at >= submitted_at")
    chk.flag(ok_shape & (df["arrived_at"] > now + FUTURE_TOLERANCE), "arrived_at",
             "this time is in the future; check the date and the UTC offset")
    chk.flag(ok_shape & (df["arrived_at"] < df["submitted_at"]), "arrived_at",
             "the arrival is dated before the application was submitted; expected arrived_at >= submitted_at")

    for col, required in (("citizenship", True), ("birth_country", False)):
        codes = _code_map(df[col])
        chk.flag(ok_shape & (df[col] != "") & codes.isna(), col,
                 "not an ISO 3166 country; expected an alpha-3 code such as IND or an English country name")
        df[col] = codes.fillna("").astype("string")
        if not required:
            df[col] = df[col].replace("", pd.NA)

    df["us_state"] = df["us_state"].str.upper()
    chk.flag(ok_shape & (df["us_state"] != "") & ~df["us_state"].isin(list(us_state_codes())), "us_state",
             "expected a two-letter US state code such as CA")
    df["intended_province"] = df["intended_province"].str.upper()
    chk.flag(ok_shape & (df["intended_province"] != "") & ~df["intended_province"].isin(list(PROVINCES)),
             "intended_province", "expected a two-letter Canadian province or territory code such as ON")

    family = df["applicant_role"].isin(["spouse", "dependant"])
    chk.flag(ok_shape & family & (df["principal_application_id"] == ""), "principal_application_id",
             "a spouse or dependant must name the principal's application_id")
    chk.flag(ok_shape & (df["applicant_role"] == "principal") & (df["principal_application_id"] != ""),
             "principal_application_id", "a principal application must leave this empty")
    for col in ("principal_application_id", "us_state", "intended_province"):
        df[col] = df[col].replace("", pd.NA)
    df["line"] = lines
    df["file"] = pd.Categorical.from_codes(np.zeros(len(df), dtype="int8"), categories=[file])
    return df, chk, dropped, identifiers
