"""Read, validate and publish application exports (data/README.md describes the format).

    python -m dashboard.ingest FILE... [--skip-invalid] [--wait SECONDS]
    python -m dashboard.ingest --rollback
    python -m dashboard.ingest --history

Exit codes: 0 stored, 1 input rejected, 2 usage error (or the warehouse is busy).
The files of one call are published together, in one new snapshot, or not at all.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import csv
import hashlib
import io
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from dashboard import alerts, warehouse
from dashboard.country_codes import to_iso3
from dashboard.programs import PERMIT_TYPES, ROLES, STATUSES, Program, programs

COLUMNS = (
    "application_id", "program_id", "submitted_at", "applicant_role", "principal_application_id",
    "permit_type", "citizenship", "birth_country", "us_state", "intended_province", "status", "status_at",
)
REQUIRED = ("application_id", "program_id", "submitted_at", "applicant_role", "permit_type",
            "citizenship", "status", "status_at")
# Columns that would carry a direct identifier of a person: dropped on sight, named in the summary.
IDENTIFIER_PATTERN = re.compile(
    r"name|birth_?date|date_?of_?birth|dob|passport|client|uci|e-?mail|phone|telephone|address|sin\b|ssn",
    re.IGNORECASE,
)
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI UM".split()
)
PROVINCES = frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT".split())
MAX_MESSAGES = 20
MAX_FIELD = 1 << 20  # 1 MiB: no legitimate field comes near it
LINE_LIMIT = 16 << 20  # characters read at once; a longer line is refused
FAST_READ_LIMIT = 2 << 30  # bytes: a larger file skips the in-memory fast reader for the streaming exact one
FUTURE_TOLERANCE = pd.Timedelta(minutes=5)
_CONTROL = r"[\x00-\x1f\x7f]"  # after stripping: a tab, a line break or a terminal escape inside a value
_OFFSET = re.compile(r"(?:Z|[+-]\d\d(?::?\d\d)?)$", re.IGNORECASE)


@dataclass
class Problem:
    file: str
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        col = f" column {self.column}:" if self.column else ""
        return f"{self.file}:{self.line}:{col} {self.message}"


class IngestRejected(Exception):
    def __init__(self, problems: Sequence[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = list(problems)


@dataclass
class Summary:
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    dropped_columns: dict[str, list[str]] = field(default_factory=dict)
    identifier_columns: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    ingest_id: int | None = None
    snapshot: str | None = None
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [
            f"rows read {self.rows_read:,}, inserted {self.inserted:,}, updated {self.updated:,}, "
            f"unchanged {self.unchanged:,}, rejected {self.rejected:,}"
        ]
        for f, cols in self.identifier_columns.items():
            out.append(f"{f}: identifier columns never stored: {', '.join(cols)}")
        for f, cols in self.dropped_columns.items():
            out.append(f"{f}: columns outside the format, dropped: {', '.join(cols)}")
        if self.snapshot:
            out.append(f"published snapshot {self.snapshot} (ingest {self.ingest_id}) in {self.seconds:.2f} s")
        else:
            out.append("nothing new: every row was stored already; no new snapshot")
        return out


# ---------------------------------------------------------------- reading files

def _undecodable_line(path: Path) -> tuple[int, int]:
    """(physical line, byte of that line) of the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, column = 1, 1
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                good = chunk[: exc.start]
                nl = good.rfind(b"\n")
                return line + good.count(b"\n"), (exc.start - nl if nl >= 0 else column + exc.start)
            nl = chunk.rfind(b"\n")
            line += chunk.count(b"\n")
            column = len(chunk) - nl if nl >= 0 else column + len(chunk)
    return line, column


def _encoding_problem(path: Path) -> Problem:
    """Where the file stops being UTF-8: the record's first line and the column holding the bad byte."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(str(path), 1, None, "the file is UTF-16; save it as UTF-8 (\"CSV UTF-8\") and try again")
    bad_line, byte = _undecodable_line(path)
    if bad_line > 1:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh, contextlib.suppress(csv.Error):
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            prev = reader.line_num
            for rec in reader:
                if reader.line_num >= bad_line:
                    field = next((i for i, v in enumerate(rec) if "\ufffd" in v), len(header))
                    if field < len(header):
                        return Problem(str(path), prev + 1, header[field],
                                       "this value is not UTF-8 text; save the file as UTF-8 and try again")
                    break
                prev = reader.line_num
    return Problem(str(path), bad_line, None, f"byte {byte} of the line is not UTF-8; save the file as UTF-8 and try again")


class _LineTooLong(Exception):
    pass


def _lines(fh: io.TextIOBase) -> Iterator[str]:
    """The file's lines, refusing one longer than LINE_LIMIT (memory stays bounded on hostile input)."""
    while line := fh.readline(LINE_LIMIT):
        if len(line) == LINE_LIMIT and not line.endswith(("\n", "\r")):
            raise _LineTooLong
        yield line


_CSV_SPECIAL = re.compile(r'[",\r\n]')


def _broken_field(fh: io.TextIOBase) -> int | None:
    """The index of the field where the record at `fh`'s position stops being valid CSV, None if it does not.

    Follows RFC 4180 a chunk at a time (a hostile file may hold one enormous field): a quoted field that
    never closes, a field longer than MAX_FIELD, or text after a closing quote.
    """
    field, length, in_quote, after_quote, at_start = 0, 0, False, False, True
    for chunk in iter(lambda: fh.read(1 << 20), ""):
        i = 0
        while i < len(chunk):
            if after_quote:  # the character after a quote inside a quoted field
                after_quote = False
                if chunk[i] == '"':
                    length, i = length + 1, i + 1
                    continue
                in_quote = False
                if chunk[i] not in ",\r\n":
                    return field
            if in_quote:
                j = chunk.find('"', i)
                length += (len(chunk) if j < 0 else j) - i
                if length > MAX_FIELD:
                    return field
                if j < 0:
                    break
                after_quote, i = True, j + 1
                continue
            m = _CSV_SPECIAL.search(chunk, i)
            end = len(chunk) if m is None else m.start()
            at_start = at_start and end == i
            length += end - i
            if length > MAX_FIELD:
                return field
            if m is None:
                break
            ch, i = m.group(), m.end()
            if ch == ",":
                field, length, at_start = field + 1, 0, True
            elif ch == '"':
                in_quote, at_start = at_start, False
                length += 0 if in_quote else 1
            else:
                return None
    return field if in_quote and not after_quote else None


def _syntax_problem(path: Path, header: list[str], line: int, exc: Exception) -> Problem:
    """A record that the csv module refused, with the column where it breaks."""
    msg = str(exc)
    if isinstance(exc, _LineTooLong) or "field larger" in msg:
        msg = f"a field is longer than {MAX_FIELD:,} characters; check the quoting of this record"
    elif "EOF" in msg or "unexpected end" in msg:
        msg = "the record ends inside a quoted field: the file looks truncated or has an unbalanced quote"
    else:
        msg = f"the line is not valid CSV ({msg}); quote fields that contain commas, quotes or line breaks"
    column = None
    if line > 1:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            for _ in range(line - 1):
                fh.readline(LINE_LIMIT)  # a line longer than that was caught on an earlier record
            field = _broken_field(fh)
        column = header[field] if field is not None and field < len(header) else None
    return Problem(str(path), line, column, msg)


def read_csv_records(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, records and the file line where each record starts. Raises IngestRejected.

    The file is streamed, so one enormous field costs at most LINE_LIMIT characters of memory.
    """
    csv.field_size_limit(MAX_FIELD)
    records: list[list[str]] = []
    starts: list[int] = []
    header: list[str] = []
    prev_end = 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(_lines(fh), strict=True)
            for rec in reader:
                if not header:
                    if any(v.strip() for v in rec):
                        header = [h.strip() for h in rec]
                    prev_end = reader.line_num
                    continue
                if rec:  # a blank line is not a record
                    starts.append(prev_end + 1)
                    records.append(rec)
                prev_end = reader.line_num
    except UnicodeDecodeError:
        raise IngestRejected([_encoding_problem(path)]) from None
    except (csv.Error, _LineTooLong) as exc:
        raise IngestRejected([_syntax_problem(path, header, prev_end + 1, exc)]) from None
    if not header:
        raise IngestRejected([Problem(str(path), 1, None, "the file is empty; expected a header row naming the columns")])
    return header, records, starts


@dataclass
class Cells:
    """A file's header and its fields as text: one string column per header position.

    `starts` holds the file line where each record starts; `wrong` maps the index of a record whose
    field count differs from the header's to the count found (its cells are left empty).
    """

    header: list[str]
    columns: list[pd.Series]
    starts: np.ndarray
    wrong: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_records(cls, header: list[str], records: list[list[str]], starts: Sequence[int]) -> Cells:
        width = len(header)
        wrong = {i: len(r) for i, r in enumerate(records) if len(r) != width}
        rows = [[""] * width if i in wrong else r for i, r in enumerate(records)]
        columns = list(zip(*rows, strict=True)) if rows else [()] * width
        return cls(header, [pd.Series(c, dtype="string") for c in columns], np.asarray(starts, dtype="int64"), wrong)


def _arrow_strings(table) -> list[pd.Series]:

    mapper = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}.get
    return [col.to_pandas(types_mapper=mapper).astype("string") for col in table.columns]


def read_csv_fast(path: Path, raw: bytes) -> Cells | None:
    """The same cells as read_csv_records, parsed in C by pyarrow; None when the exact reader is needed.

    Taken only when the result is provably the exact reader's: every record on one line (so line numbers
    are physical lines, blank lines skipped), no lone carriage return, no NUL, every field within
    MAX_FIELD, and each line that holds a quote parses to the same fields with Python's csv module.
    Anything else (a malformed file above all) goes to the exact reader, which names the fault.
    """

    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    if b"\x00" in raw or raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    buf = np.frombuffer(raw, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 0x0A)
    ends = np.append(newlines, len(raw)) if not raw.endswith(b"\n") else newlines
    begins = np.concatenate(([bom], newlines[: len(ends) - 1] + 1))
    length = ends - begins
    crlf = np.zeros(len(ends), dtype=bool)
    has_end = ends < len(raw)
    crlf[has_end] = buf[np.maximum(ends[has_end] - 1, 0)] == 0x0D
    length -= crlf & (length > 0)
    try:
        first = raw[begins[0]:begins[0] + length[0]].decode("utf-8")
    except (UnicodeDecodeError, IndexError):
        return None
    if not first.strip() or '"' in first:
        return None
    header = [h.strip() for h in first.split(",")]
    names = [f"f{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(memoryview(raw)[begins[0]:]),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    line_no = np.flatnonzero(length[1:] > 0) + 2  # 1-based file line of each non-blank line after the header
    if len(line_no) != table.num_rows:
        return None
    for col in table.columns:
        if len(col) and pc.max(pc.utf8_length(col)).as_py() > MAX_FIELD:
            return None
    quotes = np.flatnonzero(buf == 0x22)
    if len(quotes):
        quoted = np.unique(np.searchsorted(newlines, quotes))  # 0-based index of each line holding a quote
        rows = np.searchsorted(line_no, quoted + 1)
        if rows[-1] >= table.num_rows or not np.array_equal(line_no[rows], quoted + 1):
            return None
        texts = [raw[begins[i]:begins[i] + length[i]].decode("utf-8") for i in quoted]
        csv.field_size_limit(MAX_FIELD)
        try:
            parsed = list(csv.reader(texts, strict=True))
        except csv.Error:
            return None
        # A quote left open swallows the next line, so fewer records than lines: not one line per record.
        if len(parsed) != len(texts) or any(len(r) != len(names) for r in parsed):
            return None
        taken = table.take(pa.array(rows))
        for j, col in enumerate(taken.columns):
            if col.to_pylist() != [r[j] for r in parsed]:
                return None
    return Cells(header, _arrow_strings(table), line_no.astype("int64"))


def read_csv_cells(path: Path, raw: bytes | None) -> Cells:
    """The cells of a CSV export: the fast reader when it can vouch for its result, else the exact one.

    `raw` is the file's bytes, or None for a file past FAST_READ_LIMIT (read by the streaming exact reader).
    """
    fast = read_csv_fast(path, raw) if raw is not None else None
    return fast if fast is not None else Cells.from_records(*read_csv_records(path))


def read_parquet_cells(path: Path) -> Cells:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise IngestRejected([Problem(str(path), 1, None, f"not a readable Parquet file ({exc})")]) from None
    df = table.to_pandas()
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = df[col].map(lambda v: "" if pd.isna(v) else v.isoformat())
    df = df.astype("string").fillna("")
    return Cells([str(c) for c in df.columns], [df.iloc[:, i] for i in range(df.shape[1])],
                 np.arange(1, len(df) + 1, dtype="int64"))


# ---------------------------------------------------------------- validation

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
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    err = pd.Series("", index=values.index, dtype="object")
    stripped = values.str.strip()
    has_offset = stripped.str.contains(_OFFSET, regex=True) & stripped.str.contains(r"\d[T ]\d", regex=True)
    aware = stripped[has_offset]
    if len(aware):
        parsed = pd.to_datetime(aware, format="ISO8601", utc=True, errors="coerce")
        out.loc[aware.index] = parsed
    naive = stripped[~has_offset]
    for zone, idx in naive.groupby(tz[~has_offset]).groups.items():
        parsed = pd.to_datetime(naive.loc[idx], format="ISO8601", errors="coerce")
        ok = parsed.notna()
        local = parsed[ok].dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        dst = local.isna()
        err.loc[local.index[dst]] = (
            f"this local time does not exist or occurs twice in {zone} (a daylight-saving change); "
            "add a UTC offset such as -04:00"
        )
        out.loc[local.index[~dst]] = local[~dst].dt.tz_convert("UTC")
    bad = out.isna() & (err == "")
    err.loc[bad] = "not a valid ISO 8601 date and time; expected e.g. 2023-07-16T09:30:00-04:00"
    return out, err


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


def _is_in(values: pd.Series, pool: pd.Series) -> pd.Series:
    """values.isin(pool) for large pools of text, hashed in Arrow (pandas' isin walks the pool in Python)."""

    found = pc.is_in(pa.array(values, type=pa.string(), from_pandas=True),
                     value_set=pa.array(pool, type=pa.string(), from_pandas=True))
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index).fillna(False).astype(bool)


def _per_distinct(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """fn of each value, called once per distinct value (an export repeats a few values a million times)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(u) for u in uniques]
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _code_map(values: pd.Series) -> pd.Series:
    return _per_distinct(values, lambda v: to_iso3(v) if v else "").astype("string")  # all unknown: not null-typed


def validate_frame(file: str, cells: Cells, progs: dict[str, Program], now: pd.Timestamp
                   ) -> tuple[pd.DataFrame, _Checker, list[str], list[str]]:
    """Check every row; returns the typed rows (bad ones included, flagged), the checker and dropped columns."""
    header, starts = cells.header, cells.starts
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

    for c in COLUMNS:
        chk.flag(ok_shape & df[c].str.contains(_CONTROL, regex=True), c,
                 "contains a line break or another control character; remove it (values are single-line text)")
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

    for col in ("submitted_at", "status_at"):
        ts, err = _parse_times(df[col], zones)
        chk.flag(ok_shape & (df[col] != "") & (err != ""), col, err)
        df[col] = ts
    chk.flag(ok_shape & (df["submitted_at"] > now + FUTURE_TOLERANCE), "submitted_at",
             "this time is in the future; check the date and the UTC offset")
    chk.flag(ok_shape & (df["status_at"] > now + FUTURE_TOLERANCE), "status_at",
             "this time is in the future; check the date and the UTC offset")
    chk.flag(ok_shape & (df["status_at"] < df["submitted_at"]), "status_at",
             "the status is dated before the application was submitted; expected status_at >= submitted_at")

    for col, required in (("citizenship", True), ("birth_country", False)):
        codes = _code_map(df[col])
        chk.flag(ok_shape & (df[col] != "") & codes.isna(), col,
                 "not an ISO 3166 country; expected an alpha-3 code such as IND or an English country name")
        df[col] = codes.fillna("").astype("string")
        if not required:
            df[col] = df[col].replace("", pd.NA)

    df["us_state"] = df["us_state"].str.upper()
    chk.flag(ok_shape & (df["us_state"] != "") & ~df["us_state"].isin(list(US_STATES)), "us_state",
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


_VALUE_COLS = [c for c in COLUMNS if c not in ("application_id", "status_at")]


def _first_copies(df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(first, shared): True for the first of each set of identical rows (one state, stored once), and
    for rows whose (application_id, status_at) another row has. Identical rows share their key, so
    whole rows are compared only where keys repeat: in a clean export, nowhere.
    """
    shared = df.duplicated(subset=["application_id", "status_at"], keep=False)
    first = pd.Series(True, index=df.index)
    if shared.any():
        first[shared] = ~df[shared].duplicated(subset=list(COLUMNS))
    return first, shared


def _conflicts_within(distinct: pd.DataFrame) -> pd.DataFrame:
    """Among distinct rows, those that share (application_id, status_at) with another but differ in a value."""
    dup = distinct.duplicated(subset=["application_id", "status_at"], keep=False)
    return distinct[dup]


def _program_conflicts(df: pd.DataFrame) -> pd.DataFrame:
    if df["program_id"].nunique() <= 1:  # the usual export: one program, nothing to compare
        return df.iloc[:0]
    per_app = df.groupby("application_id")["program_id"].nunique()
    return df[df["application_id"].isin(per_app[per_app > 1].index)]


# ---------------------------------------------------------------- the ingest

def _load(paths: Sequence[Path], progs: dict[str, Program], now: pd.Timestamp
          ) -> tuple[pd.DataFrame, list[Problem], Summary, str]:
    summary = Summary()
    frames, problems = [], []
    digest = hashlib.sha256()
    for path in paths:
        if path.suffix.lower() == ".parquet":
            digest.update(bytes.fromhex(warehouse.file_sha256(path)))
            cells = read_parquet_cells(path)
        else:  # the CSV's bytes serve the hash and the fast reader; past the limit both stream the file
            raw = path.read_bytes() if path.stat().st_size <= FAST_READ_LIMIT else None
            digest.update(hashlib.sha256(raw).digest() if raw is not None else bytes.fromhex(warehouse.file_sha256(path)))
            cells = read_csv_cells(path, raw)
            del raw
        df, chk, dropped, identifiers = validate_frame(str(path), cells, progs, now)
        del cells
        summary.files.append(str(path))
        summary.rows_read += len(df)
        if dropped:
            summary.dropped_columns[str(path)] = dropped
        if identifiers:
            summary.identifier_columns[str(path)] = identifiers
        problems.extend(chk.problems)
        df["_bad"] = df.index.isin(list(chk.bad_rows))
        frames.append(df)
    data = pd.concat(frames, ignore_index=True)
    return data, problems, summary, digest.hexdigest()


def _mark(df: pd.DataFrame, rows: pd.DataFrame, column: str, message: str, problems: list[Problem]) -> pd.Series:
    for _, r in rows.iterrows():
        problems.append(Problem(r["file"], int(r["line"]), column, message))
    return df.index.isin(rows.index)


def ingest(paths: Sequence[str | Path], *, skip_invalid: bool = False, root: Path | None = None,
           wait_seconds: float = 0.0, now: pd.Timestamp | None = None) -> Summary:
    """Validate and publish `paths` as one new snapshot. Raises IngestRejected with the problems.

    A rejected ingest changes no snapshot; it is recorded in the ingest log (the Data loads page shows it).
    """
    try:
        return _ingest(paths, skip_invalid=skip_invalid, root=root, wait_seconds=wait_seconds, now=now)
    except IngestRejected as exc:
        first = sorted(exc.problems, key=lambda p: (p.file, p.line))[:1]
        warehouse.append_log("ingest_log.jsonl", {
            "event": "rejected", "at": warehouse.now_utc().isoformat(), "files": [str(p) for p in paths],
            "problems": len(exc.problems), "first_problem": str(first[0]) if first else "",
        }, root or warehouse.warehouse_dir())
        raise


def _ingest(paths: Sequence[str | Path], *, skip_invalid: bool, root: Path | None, wait_seconds: float,
            now: pd.Timestamp | None) -> Summary:
    started = time.monotonic()
    paths = [Path(p) for p in paths]
    progs = programs()
    now = now or pd.Timestamp.now(tz="UTC")
    data, problems, summary, file_hash = _load(paths, progs, now)
    valid = ~data["_bad"]
    data["_first"], shared = _first_copies(data)
    conflict = _conflicts_within(data[valid & data["_first"] & shared])
    valid &= ~_mark(data, conflict, "status_at",
                    "another row of this application has the same status_at with different values; keep one",
                    problems)
    multi = _program_conflicts(data[valid])
    valid &= ~_mark(data, multi, "program_id", "this application_id appears under two programs", problems)
    if problems and not skip_invalid:
        raise IngestRejected(sorted(problems, key=lambda p: (p.file, p.line)))

    root = root or warehouse.warehouse_dir()
    try:
        _publish(data, valid, problems, summary, file_hash, root, skip_invalid, wait_seconds, now)
    except _Unchanged:
        summary.snapshot = None  # every row is stored already: no new snapshot
    summary.seconds = time.monotonic() - started
    warehouse.append_log("ingest_log.jsonl", {
        "event": "ingest" if summary.snapshot else "ingest-unchanged", "ingest_id": summary.ingest_id,
        "snapshot": summary.snapshot, "at": now.isoformat(),
        "files": summary.files, "file_hash": file_hash, "rows_read": summary.rows_read,
        "inserted": summary.inserted, "updated": summary.updated, "unchanged": summary.unchanged,
        "rejected": summary.rejected, "seconds": round(summary.seconds, 3),
    }, root)
    if summary.snapshot:
        warehouse.prune(root)
        alerts.after_ingest(root)  # starts a checker and returns: alerts never hold up or fail an ingest
    return summary


class _Unchanged(Exception):
    """Nothing new to store: the writer discards its copy."""


def _publish(data: pd.DataFrame, valid: pd.Series, problems: list[Problem], summary: Summary, file_hash: str,
             root: Path, skip_invalid: bool, wait_seconds: float, now: pd.Timestamp) -> None:
    with warehouse.writer(root, wait_seconds=wait_seconds) as con:
        named = data["principal_application_id"]
        names = valid & named.notna()
        names &= ~_is_in(named, data.loc[valid & (data["applicant_role"] == "principal"), "application_id"])
        if names.any():
            wanted = sorted(named[names].unique())
            stored = warehouse.run_script(con, "_stored_principals", {"ids": wanted}).df()["application_id"]
            names &= ~_is_in(named, stored)
        orphan = data[names]
        valid &= ~_mark(data, orphan, "principal_application_id",
                        "no principal application with this id is in the file or already stored", problems)

        incoming = data[valid & data["_first"]]
        # Handed over as Arrow: DuckDB reads it without converting each text value through Python.
        con.register("incoming_df", pa.Table.from_pandas(incoming[[*COLUMNS, "line", "file"]], preserve_index=False))
        warehouse.run_script(con, "_stage_incoming")
        con.unregister("incoming_df")
        warehouse.run_script(con, "_stored_touched")
        clash = warehouse.run_script(con, "_stored_conflicts").df()
        if len(clash):
            for _, r in clash.iterrows():
                problems.append(Problem(r["file"], int(r["line"]), "status_at",
                                        "a stored state of this application has the same status_at with different "
                                        "values; send a new status_at for a change"))
            if not skip_invalid:
                raise IngestRejected(problems)
            warehouse.run_script(con, "_drop_incoming", {"files": clash["file"].tolist(), "lines": clash["line"].tolist()})

        rejected_rows = int((~valid).sum()) + len(clash)
        if problems and not skip_invalid:
            raise IngestRejected(sorted(problems, key=lambda p: (p.file, p.line)))
        row = warehouse.run_script(con, "_merge_incoming").fetchone()
        ingest_id, inserted, updated = row
        summary.inserted, summary.updated = int(inserted), int(updated)
        summary.unchanged = summary.rows_read - rejected_rows - summary.inserted - summary.updated
        summary.rejected = rejected_rows
        summary.problems = sorted(problems, key=lambda p: (p.file, p.line))
        if summary.inserted + summary.updated == 0:
            raise _Unchanged
        summary.ingest_id = int(ingest_id)
        warehouse.run_script(con, "_record_ingest", {
            "ingest_id": summary.ingest_id, "when": now.to_pydatetime(), "files": ";".join(summary.files),
            "hash": file_hash, "rows_read": summary.rows_read, "inserted": summary.inserted,
            "updated": summary.updated, "unchanged": summary.unchanged, "rejected": summary.rejected,
        })
    summary.snapshot = warehouse.current_snapshot(root).name


def _print_problems(problems: Iterable[Problem], out=sys.stderr) -> None:
    problems = list(problems)
    for p in problems[:MAX_MESSAGES]:
        print(p, file=out)
    if len(problems) > MAX_MESSAGES:
        print(f"... and {len(problems) - MAX_MESSAGES:,} more problem(s) not shown", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help="CSV or Parquet application exports")
    parser.add_argument("--skip-invalid", action="store_true", help="store the valid rows, report the rejected ones")
    parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long for another ingest to finish (default: stop at once)")
    parser.add_argument("--rollback", action="store_true", help="publish the previous snapshot again")
    parser.add_argument("--history", action="store_true", help="list the ingest history")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    root = warehouse.warehouse_dir()
    try:
        if args.rollback:
            old, new = warehouse.rollback(root, wait_seconds=args.wait)
            warehouse.append_log("ingest_log.jsonl", {"event": "rollback", "from": old.name, "to": new.name,
                                                      "at": warehouse.now_utc().isoformat()}, root)
            print(f"rolled back from snapshot {old.name} to {new.name}")
            return 0
        if args.history:
            for rec in warehouse.read_log("ingest_log.jsonl", root):
                print(rec)
            return 0
        if not args.files:
            parser.print_usage(sys.stderr)
            print("name at least one export file, or --rollback / --history", file=sys.stderr)
            return 2
        for f in args.files:
            if not Path(f).is_file():
                print(f"{f}: no such file", file=sys.stderr)
                return 2
        summary = ingest(args.files, skip_invalid=args.skip_invalid, root=root, wait_seconds=args.wait)
    except IngestRejected as exc:
        _print_problems(exc.problems)
        print("rejected: nothing was stored; fix the lines above and run the ingest again "
              "(or pass --skip-invalid to store the valid rows)", file=sys.stderr)
        return 1
    except (warehouse.WarehouseBusy, warehouse.NoWarehouse) as exc:
        print(exc, file=sys.stderr)
        return 2
    if summary.problems:
        _print_problems(summary.problems)
    for line in summary.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
