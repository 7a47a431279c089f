"""The one CSV reader gives the strict csv module's records and the file line where each starts, and
names the fault of a file that is not valid CSV."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest
from conftest import BASIC_ROWS, ROOT, row, write_export

from dashboard import metrics
from dashboard.filters import Filters
from dashboard.ingest import IngestRejected, ingest
from dashboard.ingest.read import read_csv_cells

HEADER = "application_id,program_id,citizenship\n"


def strict_records(raw: bytes) -> tuple[list[str], list[list[str]], list[int]]:
    """What Python's strict csv module reads: the header, the records and each one's first line."""
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), strict=True)
    header, records, starts, prev = None, [], [], 0
    for rec in reader:
        if header is None:
            if any(v.strip() for v in rec):
                header = [h.strip() for h in rec]
        elif rec:
            records.append(rec)
            starts.append(prev + 1)
        prev = reader.line_num
    return header, records, starts


def cells_of(path, batch_bytes=None):
    c = read_csv_cells(path, batch_bytes)
    return c.header, [list(r) for r in zip(*(col.tolist() for col in c.columns), strict=True)], c.starts.tolist()


CASES = [
    (HEADER + "A1,p,IND\nA2,p,CHN\n").encode(),
    (HEADER + "A1,p,IND\n\nA2,p,CHN\n\n\nA3,p,KOR").encode(),  # blank lines skipped, last line unterminated
    (HEADER + "A1,p,IND\nA2,p,\n").replace("\n", "\r\n").encode(),  # Windows line ends
    b"\xef\xbb\xbf" + (HEADER + "A1,p,IND\n").encode(),  # byte-order mark
    (HEADER + 'A1,p,"Korea, South"\nA2,p,"say ""hi"""\nA3, p ,IND\n').encode(),  # quoting on one line
    (HEADER + "A1,p,Côte d'Ivoire\n").encode(),
    (HEADER + 'A1,p,"two\nlines"\n\nA2,p,IND\nA3,p,"three\r\nmore\nlines"\nA4,p,CHN\n').encode(),  # records over lines
    (HEADER + "A1,p,IND\rA2,p,CHN\r").encode(),  # old Mac line ends
    (b'\n\n"application_id",program_id,citizenship\nA1,p,IND\n,,\nA2,p,CHN\n'),  # quoted header after blanks
    (HEADER + 'A1,p,ab"c\n').encode(),  # a quote inside an unquoted field is text
    (HEADER + 'A1,p,ab"c\nA2,p,"x\ny"\nA3,p,"z"\n').encode(),  # and one that misleads a cut by quote count
]


@pytest.mark.parametrize("raw", CASES)
def test_reader_matches_the_strict_csv_module(raw, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(raw)
    assert cells_of(path) == strict_records(raw)


@pytest.mark.parametrize("batch_bytes", [1, 7, 40])
@pytest.mark.parametrize("raw", CASES)
def test_batches_of_any_size_read_the_same_records(raw, batch_bytes, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(raw)
    assert cells_of(path, batch_bytes) == strict_records(raw)


_READ_ALL = """
import sys
from pathlib import Path
import pyarrow as pa
from dashboard.ingest.read import iter_csv_cells
records = sum(len(c.starts) for c in iter_csv_cells(Path(sys.argv[1])))
print(records, pa.default_memory_pool().max_memory())
"""


def test_a_quote_inside_an_unquoted_field_keeps_the_batches_bounded(tmp_path):
    """A legal file whose quote count is turned by a quote inside an unquoted field (on its first record)
    is read a batch at a time all the same: the reader's Arrow memory (in a process of its own) stays
    that of a 16 MB batch or two, not the 80 MB file's (read at once from that quote on: 175 MiB)."""
    path = tmp_path / "stray.csv"
    rows = 750_000
    with path.open("wb") as fh:
        fh.write(HEADER.encode() + b'A0,p,ab"c\n')
        fh.write(b"".join(b"A%d,p,%s\n" % (i, b"x" * 100) for i in range(1, rows)))
    assert path.stat().st_size > 80_000_000
    out = subprocess.run([sys.executable, "-c", _READ_ALL, str(path)], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True).stdout.split()
    records, arrow_peak = int(out[0]), int(out[1])
    assert records == rows
    assert arrow_peak < 100 * 2**20, arrow_peak / 2**20


def test_blank_lines_keep_physical_line_numbers(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "A1,p,IND\n\n\nA2,p,CHN\n")
    assert read_csv_cells(path).starts.tolist() == [2, 5]


def test_a_record_with_the_wrong_field_count_keeps_its_place_and_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(HEADER + 'A1,p,"x\ny"\nA2,p\nA3,p,IND\n')
    c = read_csv_cells(path)
    assert (c.starts.tolist(), c.wrong, c.columns[0].tolist()) == ([2, 4, 5], {1: 2}, ["A1", "", "A3"])


@pytest.mark.parametrize(("raw", "line", "text"), [
    (HEADER + 'A1,p,"open\n', 2, "the record ends inside a quoted field"),  # unbalanced quote
    (HEADER + 'A1,p,IND\nA2,p,"x"y\n', 3, "the line is not valid CSV"),  # text after a closing quote
    (HEADER + 'A1,p,IND\nA2,p,"x" ,\n', 3, "the line is not valid CSV"),  # and with a field count off too
    (HEADER + "A1,p,\xff\n", 2, "this value is not UTF-8 text"),
])
def test_a_fault_is_named_by_line_column_and_what_is_wrong(raw, line, text, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(raw.encode("latin-1") if isinstance(raw, str) else raw)
    with pytest.raises(IngestRejected) as exc:
        read_csv_cells(path)
    (p,) = exc.value.problems
    assert (p.line, p.column) == (line, "citizenship") and text in p.message


def test_a_header_50000_columns_wide_fails_fast_with_a_short_message(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(50_000)) + "\n" + ",".join("x" * 50_000) + "\n")
    with pytest.raises(IngestRejected) as exc:
        read_csv_cells(path)
    (p,) = exc.value.problems
    assert p.line == 1 and "50,000 columns" in p.message and "(and 49,988 more)" in p.message
    assert len(str(p)) < 600


def test_messages_for_bad_files_are_unchanged(tmp_path, warehouse_dir):
    path = tmp_path / "bad.csv"
    good = write_export(tmp_path / "good.csv", BASIC_ROWS[:3]).read_text()
    path.write_text(good + 'P9,test-intake,"2023-07-16T09:05:00\n')
    with pytest.raises(IngestRejected) as exc:
        ingest([path], root=warehouse_dir)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}:5: column submitted_at: the record ends inside a quoted field: the file looks truncated or has an unbalanced quote"]


def test_quoted_values_are_stored_as_read(tmp_path, warehouse_dir):
    rows = [*BASIC_ROWS, row("P8", "2023-07-17T08:45:00", citizenship="Korea, South")]
    s = ingest([write_export(tmp_path / "a.csv", rows)], root=warehouse_dir)
    assert (s.rows_read, s.inserted, s.rejected) == (11, 11, 0)
    present = metrics.countries_present(Filters("test-intake"))
    assert dict(zip(present["citizenship"], present["applications"], strict=True)) == {"IND": 6, "CHN": 2, "KOR": 2}
