"""CSV extracts: RFC 4180, UTF-8 with a byte-order mark, safe to open in a spreadsheet.

Stable English column names whatever the language. A text cell that a spreadsheet would run as a
formula (it starts with =, +, -, @, a tab or a carriage return) is prefixed with an apostrophe
(OWASP "CSV injection"); numbers stay numbers.
"""

from __future__ import annotations

import io

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text value made inert for spreadsheets; anything else unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.map(lambda v: "" if pd.isna(v) else v.isoformat())
        elif s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(neutralise)
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The rows as an RFC 4180 CSV (CRLF line ends), UTF-8 with a BOM."""
    buf = io.StringIO()
    safe_frame(df).to_csv(buf, index=False, lineterminator="\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
