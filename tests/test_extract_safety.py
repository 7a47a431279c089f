"""CSV extracts are safe to open in a spreadsheet and say exactly what they hold (RFC 4180, BOM, CRLF)."""

from __future__ import annotations

import csv
import io

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.extract import TRIGGERS, csv_bytes, neutralise

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
# Text that a spreadsheet would run, and everything else
RISKY = st.one_of(TEXT, st.builds(lambda c, s: c + s, st.sampled_from(TRIGGERS), TEXT))


def read_back(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8")[1:]
    return list(csv.reader(io.StringIO(text, newline="")))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(RISKY, st.integers(-(2**63), 2**63 - 1),
                               st.floats(allow_nan=False, allow_infinity=False), RISKY), min_size=1, max_size=8))
def test_no_text_cell_starts_with_a_trigger_and_numbers_round_trip(rows):
    df = pd.DataFrame(rows, columns=["label", "count", "share", "note"])
    df["note"] = df["note"].astype("category") if len(set(df["note"])) > 1 else df["note"]
    got = read_back(csv_bytes(df))
    assert got[0] == ["label", "count", "share", "note"]
    assert len(got) == len(rows) + 1
    for (label, count, share, note), cells in zip(rows, got[1:], strict=True):
        for original, cell in ((label, cells[0]), (note, cells[3])):
            assert not cell.startswith(TRIGGERS)
            assert cell == ("'" + original if original.startswith(TRIGGERS) else original)
        assert int(cells[1]) == count
        assert float(cells[2]) == share


def test_rfc4180_bytes_exactly():
    df = pd.DataFrame({"country": ["IND", 'Say "hi"', "a,b", "=1+1"], "applications": [3, 2, 1, -4]})
    assert csv_bytes(df) == (
        '\ufeffcountry,applications\r\nIND,3\r\n"Say ""hi""",2\r\n"a,b",1\r\n\'=1+1,-4\r\n'.encode()
    )


def test_each_trigger_and_its_full_width_form_is_neutralised():
    for payload in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "\ncmd",
                    "\uff1dcmd", "\uff0b1", "\uff0d1", "\uff20x"):
        assert neutralise(payload) == "'" + payload
    assert neutralise("IND") == "IND"
    assert neutralise(-5) == -5  # numbers stay numbers


def test_header_and_times_are_safe():
    df = pd.DataFrame({"=evil": ["x"], "at": pd.to_datetime(["2023-07-16T13:00:00Z"]).tz_convert("America/Toronto")})
    assert read_back(csv_bytes(df)) == [["'=evil", "at"], ["x", "2023-07-16T09:00:00-04:00"]]
