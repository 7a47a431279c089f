"""The fast CSV reader gives exactly the exact reader's cells and line numbers, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BASIC_ROWS, row, write_export

from dashboard import metrics
from dashboard.filters import Filters
from dashboard.ingest import IngestRejected, ingest, read_csv_cells, read_csv_fast, read_csv_records

HEADER = "application_id,program_id,citizenship\n"


def cells_of(raw: bytes):
    c = read_csv_cells(Path("x.csv"), raw)
    return c.header, [list(r) for r in zip(*(col.tolist() for col in c.columns), strict=True)], c.starts.tolist()


@pytest.mark.parametrize("raw", [
    (HEADER + "A1,p,IND\nA2,p,CHN\n").encode(),
    (HEADER + "A1,p,IND\n\nA2,p,CHN\n\n\nA3,p,KOR").encode(),  # blank lines skipped, last line unterminated
    (HEADER + "A1,p,IND\nA2,p,\n").replace("\n", "\r\n").encode(),  # Windows line ends
    b"\xef\xbb\xbf" + (HEADER + "A1,p,IND\n").encode(),  # byte-order mark
    (HEADER + 'A1,p,"Korea, South"\nA2,p,"say ""hi"""\nA3, p ,IND\n').encode(),  # quoting on one line
    (HEADER + "A1,p,Côte d'Ivoire\n").encode(),
])
def test_fast_reader_matches_the_exact_reader(raw, tmp_path):
    fast = read_csv_fast(Path("x.csv"), raw)
    assert fast is not None
    path = tmp_path / "x.csv"
    path.write_bytes(raw)
    header, records, starts = read_csv_records(path)
    assert cells_of(raw) == (header, records, starts)


def test_blank_lines_keep_physical_line_numbers():
    raw = (HEADER + "A1,p,IND\n\n\nA2,p,CHN\n").encode()
    assert read_csv_fast(Path("x.csv"), raw).starts.tolist() == [2, 5]


@pytest.mark.parametrize("raw", [
    (HEADER + 'A1,p,"two\nlines"\nA2,p,IND\n').encode(),  # a record over two lines: line numbers shift
    (HEADER + 'A1,p,"open\n').encode(),  # unbalanced quote
    (HEADER + 'A1,p,"x"y\n').encode(),  # text after a closing quote (strict CSV rejects it)
    (HEADER + "A1,p\n").encode(),  # wrong field count
    (HEADER + "A1,p,\xff\n").encode("latin-1"),  # not UTF-8
    (HEADER + "A1,p,IND\rA2,p,CHN\r").encode(),  # old Mac line ends
    (b'"application_id",program_id,citizenship\nA1,p,IND\n'),  # quoted header
])
def test_fast_reader_steps_aside_for_what_it_cannot_vouch_for(raw):
    assert read_csv_fast(Path("x.csv"), raw) is None


def test_messages_for_bad_files_are_unchanged(tmp_path, warehouse_dir):
    path = tmp_path / "bad.csv"
    good = write_export(tmp_path / "good.csv", BASIC_ROWS[:3]).read_text()
    path.write_text(good + 'P9,test-intake,"2023-07-16T09:05:00\n')
    with pytest.raises(IngestRejected) as exc:
        ingest([path], root=warehouse_dir)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}:5: column submitted_at: the record ends inside a quoted field: the file looks truncated or has an unbalanced quote"]


def test_fast_and_exact_readers_store_the_same_rows(tmp_path, warehouse_dir):
    rows = [*BASIC_ROWS, row("P8", "2023-07-17T08:45:00", citizenship="Korea, South")]
    path = write_export(tmp_path / "a.csv", rows)
    assert read_csv_fast(path, path.read_bytes()) is not None
    s = ingest([path], root=warehouse_dir)
    assert (s.rows_read, s.inserted, s.rejected) == (11, 11, 0)
    present = metrics.countries_present(Filters("test-intake"))
    assert dict(zip(present["citizenship"], present["applications"], strict=True)) == {"IND": 6, "CHN": 2, "KOR": 2}
