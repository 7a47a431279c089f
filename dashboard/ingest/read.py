"""Reading an export: its header and its fields as text, with the file line where each record starts.

One reader for CSV, a batch of whole records at a time (BATCH_BYTES, cut after a line break that
follows an even number of quotes), so memory does not grow with the file: pyarrow parses the batch in
C; a scan of its bytes gives every line's place, so each record's first line is known even when a
quoted field spans lines.
Strict CSV (RFC 4180) is enforced where pyarrow is lenient: every record holding a quote is parsed
again by Python's strict csv module from its own bytes and must give the same fields. When a file is
not valid CSV, `locate_fault` walks it once to say where and why (file, line, column); it names the
fault, it never supplies the cells. Parquet files need no parsing: their columns are read as text,
a batch of rows at a time.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from dashboard.ingest.format import LINE_LIMIT, MAX_COLUMNS, MAX_FIELD, IngestRejected, Problem, name_list

_UNREADABLE = "the file could not be read as CSV"  # locate_fault found nothing wrong


@dataclass
class Cells:
    """A file's header and its fields as text: one string column per header position.

    `starts` holds the file line where each record starts; `wrong` maps the index of a record whose
    field count differs from the header's to the count found (its cells are left empty). `plain` says
    the bytes were looked at: the checks for control and invisible characters have nothing to find.
    """

    header: list[str]
    columns: list[pd.Series]
    starts: np.ndarray
    wrong: dict[int, int] = field(default_factory=dict)
    plain: bool = False  # every value is printable ASCII on one line: no control or invisible character


# ---------------------------------------------------------------- naming a fault

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
                    found = next((i for i, v in enumerate(rec) if "\ufffd" in v), len(header))
                    if found < len(header):
                        return Problem(str(path), prev + 1, header[found],
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
    col, length, in_quote, after_quote, at_start = 0, 0, False, False, True
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
                    return col
            if in_quote:
                j = chunk.find('"', i)
                length += (len(chunk) if j < 0 else j) - i
                if length > MAX_FIELD:
                    return col
                if j < 0:
                    break
                after_quote, i = True, j + 1
                continue
            m = _CSV_SPECIAL.search(chunk, i)
            end = len(chunk) if m is None else m.start()
            at_start = at_start and end == i
            length += end - i
            if length > MAX_FIELD:
                return col
            if m is None:
                break
            ch, i = m.group(), m.end()
            if ch == ",":
                col, length, at_start = col + 1, 0, True
            elif ch == '"':
                in_quote, at_start = at_start, False
                length += 0 if in_quote else 1
            else:
                return None
    return col if in_quote and not after_quote else None


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
            found = _broken_field(fh)
        column = header[found] if found is not None and found < len(header) else None
    return Problem(str(path), line, column, msg)


def _empty(path: Path) -> IngestRejected:
    return IngestRejected([Problem(str(path), 1, None, "the file is empty; expected a header row naming the columns")])


def _too_wide(path: Path, header: list[str]) -> IngestRejected:
    return IngestRejected([Problem(
        str(path), 1, None, f"the header row names {len(header):,} columns, more than the {MAX_COLUMNS:,} an export "
        f"may have (the format has 12): {name_list(header)}; check the delimiter and that this is an export")])


def read_header(path: Path) -> tuple[list[str], int]:
    """The header (the first record holding a non-blank value) and the physical line it ends on.

    Raises IngestRejected for an empty file, or for the exact fault in the lines before the header.
    """
    csv.field_size_limit(MAX_FIELD)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(_lines(fh), strict=True)
            for rec in reader:
                if any(v.strip() for v in rec):
                    header = [h.strip() for h in rec]
                    if len(header) > MAX_COLUMNS:
                        raise _too_wide(path, header)
                    return header, reader.line_num
    except UnicodeDecodeError:
        raise IngestRejected([_encoding_problem(path)]) from None
    except (csv.Error, _LineTooLong) as exc:
        raise IngestRejected([_syntax_problem(path, [], 1, exc)]) from None
    raise _empty(path)


def locate_fault(path: Path) -> IngestRejected:
    """Walk the file with the strict csv module and name its first fault (file, line, column).

    Used only when the reader found the file is not valid CSV; the walk streams, so one enormous
    field costs at most LINE_LIMIT characters of memory.
    """
    csv.field_size_limit(MAX_FIELD)
    header: list[str] = []
    prev_end = 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(_lines(fh), strict=True)
            for rec in reader:
                if not header and any(v.strip() for v in rec):
                    header = [h.strip() for h in rec]
                prev_end = reader.line_num
    except UnicodeDecodeError:
        return IngestRejected([_encoding_problem(path)])
    except (csv.Error, _LineTooLong) as exc:
        return IngestRejected([_syntax_problem(path, header, prev_end + 1, exc)])
    if not header:
        return _empty(path)
    return IngestRejected([Problem(str(path), prev_end, None,
                                   f"{_UNREADABLE}; save it again as \"CSV UTF-8\" and retry")])


# ---------------------------------------------------------------- the reader

BATCH_BYTES = 16 << 20  # bytes of records read, checked and handed on at once: memory stays bounded


@dataclass
class _Scan:
    """Where each physical line of a stretch of the file starts and ends (its line break excluded, byte
    offsets in the file), and the quotes in it."""

    begins: np.ndarray
    ends: np.ndarray
    quotes: np.ndarray
    breaks: int = 0  # CR and LF bytes


def _scan(raw: np.ndarray, a: int, b: int) -> _Scan:
    """The lines of raw[a:b] (a at a line's start): line breaks LF, CRLF, or a lone CR, as the csv module
    counts them, and the quote positions."""
    seg = raw[a:b]
    lf = np.flatnonzero(seg == 0x0A) + a
    cr = np.flatnonzero(seg == 0x0D) + a
    if len(cr):  # a CR ends a line unless an LF follows it (then the LF does)
        after = cr + 1
        nxt = np.zeros(len(cr), np.uint8)
        inside = after < len(raw)
        nxt[inside] = raw[after[inside]]
        lone = cr[nxt != 0x0A]
        crlf = np.zeros(len(lf), dtype=np.int64)
        at = lf > 0
        crlf[at] = raw[lf[at] - 1] == 0x0D
        brk = np.concatenate([lf, lone])
        order = np.argsort(brk, kind="stable")
        brk, back = brk[order], np.concatenate([crlf, np.zeros(len(lone), np.int64)])[order]
    else:
        brk, back = lf, np.zeros(len(lf), np.int64)
    begins = np.concatenate([np.array([a], np.int64), brk + 1])
    ends = brk - back
    if begins[-1] >= b:  # the stretch ends with a line break: no line after it
        begins = begins[:-1]
    else:
        ends = np.append(ends, b)
    return _Scan(begins.astype(np.int64), ends.astype(np.int64), np.flatnonzero(seg == 0x22).astype(np.int64) + a,
                 len(lf) + len(cr))


def _cut(path: Path, raw: np.ndarray, a: int, batch_bytes: int) -> int:
    """Where the batch starting at byte `a` ends: just after the last LF within about `batch_bytes` that
    follows an even number of quotes (so not inside a quoted field), or the file's end.

    Each stretch of `batch_bytes` is looked at once (the quotes before it counted, not looked at again),
    and a line longer than LINE_LIMIT bytes is refused as soon as it is seen, as the batch holding it
    would be: the memory it takes is a stretch's, never the line's (a hostile file may hold one line of
    hundreds of megabytes, which read whole took the ingest 400 MB more)."""
    size = len(raw)
    lo, end = a, min(a + batch_bytes, size)
    quotes, last_break = 0, a - 1  # quotes in raw[a:lo]; the last LF or CR seen
    while True:
        seg = raw[lo:end]
        lf = np.flatnonzero(seg == 0x0A)
        q = np.flatnonzero(seg == 0x22)
        if len(lf):
            even = lf[(np.searchsorted(q, lf, side="right") + quotes) % 2 == 0]
            if len(even):
                return lo + int(even[-1]) + 1
        if end >= size:
            return size
        cr = np.flatnonzero(seg == 0x0D)
        last_break = max(last_break, lo + int(lf[-1]) if len(lf) else -1, lo + int(cr[-1]) if len(cr) else -1)
        if end - (last_break + 1) > LINE_LIMIT:
            raise locate_fault(path)  # what _read_batch raises for a line this long, said before it is read
        if len(lf):  # lines end here, none after an even number of quotes: a quote inside an unquoted
            return _record_cut(path, a, batch_bytes)  # field may have misled the count; the records say
        quotes += len(q)
        lo, end = end, min(end + batch_bytes, size)


def _record_cut(path: Path, a: int, batch_bytes: int) -> int:
    """Where the batch starting at byte `a` ends, by the strict csv module's records: just after the first
    record that ends `batch_bytes` or more past `a`, or the file's end. For a stretch the quote count
    cannot cut (a quote inside an unquoted field is text, and turns the count's parity): memory stays a
    batch's, where reading on to the file's end took memory growing with the file. A record the csv
    module refuses is named by locate_fault, as the batch holding it would be."""
    csv.field_size_limit(MAX_FIELD)
    at = a
    with open(path, "rb") as raw_fh:
        raw_fh.seek(a)
        fh = io.TextIOWrapper(raw_fh, encoding="utf-8", newline="")

        def lines() -> Iterator[str]:
            nonlocal at
            for line in _lines(fh):
                at += len(line.encode("utf-8"))
                yield line

        try:
            for _ in csv.reader(lines(), strict=True):
                if at - a >= batch_bytes:
                    return at
        except (csv.Error, _LineTooLong, UnicodeDecodeError):
            raise locate_fault(path) from None
    return at


def iter_csv_cells(path: Path, batch_bytes: int | None = None) -> Iterator[Cells]:
    """The cells of a CSV export, a batch of records at a time (at least one batch, maybe empty).

    Raises IngestRejected naming the file, line and column of a fault (possibly after some batches)."""
    batch_bytes = batch_bytes or BATCH_BYTES
    header, header_end = read_header(path)
    width = len(header)
    names = [f"f{i}" for i in range(width)]
    with pa.memory_map(str(path)) as mm:
        data = mm.read_buffer()
        raw = np.frombuffer(data, dtype=np.uint8)
        size = len(raw)
        window = 1 << 16
        while True:  # the byte where the first line after the header starts
            head = _scan(raw, 0, min(window, size))
            if len(head.begins) > header_end or window >= size:
                break
            window *= 4
        if len(head.begins) <= header_end:
            yield Cells(header, [pd.Series([], dtype="string") for _ in names], np.zeros(0, np.int64))
            return
        pos, line0, cuts = int(head.begins[header_end]), header_end, True
        while pos < size:
            end = _cut(path, raw, pos, batch_bytes) if cuts else _record_cut(path, pos, batch_bytes)
            scan = _scan(raw, pos, end)
            try:
                cells = _read_batch(path, header, data.slice(pos, end - pos), scan, line0)
            except IngestRejected as exc:
                if not cuts or not exc.problems[0].message.startswith(_UNREADABLE):
                    raise
                cuts = False  # a quote inside an unquoted field misled the cut: cut by records from here
                continue
            yield cells
            pos, line0 = end, line0 + len(scan.begins)


def read_csv_cells(path: Path, batch_bytes: int | None = None) -> Cells:
    """The cells of a whole CSV export at once (the batches of iter_csv_cells joined)."""
    batches = list(iter_csv_cells(path, batch_bytes))
    wrong, before = {}, 0
    for b in batches:
        wrong.update({before + i: n for i, n in b.wrong.items()})
        before += len(b.starts)
    columns = [pd.concat([b.columns[j] for b in batches], ignore_index=True) for j in range(len(batches[0].header))]
    return Cells(batches[0].header, columns, np.concatenate([b.starts for b in batches]), wrong)


def _line_breaks(col: pa.ChunkedArray) -> np.ndarray:
    """Line breaks inside each value, counted as the csv module counts lines (CRLF once, a lone CR once)."""
    n = pc.add(pc.count_substring(col, "\n"), pc.count_substring(col, "\r"))
    return pc.subtract(n, pc.count_substring(col, "\r\n")).to_numpy(zero_copy_only=False).astype(np.int64)


def _arrow_strings(table: pa.Table) -> list[pd.Series]:
    mapper = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}.get
    return [col.to_pandas(types_mapper=mapper).astype("string") for col in table.columns]


def _read_batch(path: Path, header: list[str], data: pa.Buffer, scan: _Scan, line0: int) -> Cells:
    """The records in `data` (whole records, the lines of `scan`, the first being file line line0 + 1)."""
    width = len(header)
    names = [f"f{i}" for i in range(width)]
    lengths = scan.ends - scan.begins
    if len(lengths) and int(lengths.max()) > LINE_LIMIT:
        raise locate_fault(path)

    invalid: list[tuple[int, int, str]] = []  # (record number from 1, fields found, text)

    def on_invalid(row) -> str:
        invalid.append((row.number, row.actual_columns, row.text))
        return "skip"

    def parse(serial: bool) -> pa.Table:
        invalid.clear()
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24, use_threads=not serial),
            # Without a quote in the file no value can hold a line break: the quicker line-based split.
            parse_options=pacsv.ParseOptions(newlines_in_values=bool(len(scan.quotes)), ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )

    try:
        table = parse(serial=False)
        if invalid:  # read again in one thread: only then does pyarrow number the records it refuses
            table = parse(serial=True)
    except (pa.ArrowInvalid, pa.ArrowException):
        raise locate_fault(path) from None
    table = table.combine_chunks()
    if any('"' in text for _, _, text in invalid):
        raise locate_fault(path)  # a quote the strict reading would refuse, or a field count it would count otherwise

    # Records in file order: the table's rows with the refused ones (wrong field count) put back in place.
    total = table.num_rows + len(invalid)
    bad_at = np.array([n - 1 for n, _, _ in invalid], dtype=np.int64)
    good = np.ones(total, dtype=bool)
    good[bad_at] = False
    spans = np.ones(total, dtype=np.int64)
    extra = np.zeros(table.num_rows, dtype=np.int64)
    if len(scan.begins) != total:  # some record spans lines (one line each would match)
        for col in table.columns:
            if len(col):
                extra += _line_breaks(col)
    spans[good] += extra
    for i, (_, _, text) in zip(bad_at, invalid, strict=True):
        spans[i] += text.count("\n") + text.count("\r") - text.count("\r\n")
    starts = 1 + np.concatenate(([0], np.cumsum(spans)[:-1]))  # 1-based line of each record in the batch
    if len(starts) and starts[-1] + spans[-1] - 1 > len(scan.begins):
        raise locate_fault(path)

    # A blank line is a row of empty values in pyarrow, and no record for the csv module.
    row_starts = starts[good]
    blank = np.zeros(table.num_rows, dtype=bool)
    maybe = np.flatnonzero(extra == 0)
    if len(maybe):
        blank[maybe] = lengths[row_starts[maybe] - 1] == 0
    keep_record = np.ones(total, dtype=bool)
    keep_record[np.flatnonzero(good)[blank]] = False

    # Strict CSV where pyarrow is lenient: each record holding a quote is read again from its bytes.
    if len(scan.quotes):
        quote_line = np.searchsorted(scan.begins, scan.quotes, side="right")  # 1-based line of each quote
        recs = np.unique(np.searchsorted(starts, quote_line, side="right") - 1)
        _check_quoted(path, scan, table, starts, spans, good, recs, width)

    table = table.filter(pa.array(~blank))
    kept = np.flatnonzero(keep_record)
    new_index = np.cumsum(keep_record) - 1
    wrong = {int(new_index[i]): found for i, (_, found, _) in zip(bad_at, invalid, strict=True)}
    columns = _arrow_strings(table)
    if wrong:  # put empty cells where a record has the wrong field count
        place = np.flatnonzero(np.isin(kept, np.flatnonzero(good)))
        full = []
        for s in columns:
            out = pd.Series([""] * len(kept), dtype="string")
            out.iloc[place] = s.to_numpy()
            full.append(out)
        columns = full
    return Cells(header, columns, (starts[keep_record] + line0).astype(np.int64), wrong,
                 plain=not extra.any() and not invalid and _plain_bytes(data, scan.breaks))


def _plain_bytes(data: pa.Buffer, breaks: int) -> bool:
    """No byte outside printable ASCII but the `breaks` line-break bytes (CR or LF): so no control, C1 or
    invisible character anywhere."""
    raw = np.frombuffer(data, dtype=np.uint8)
    return np.count_nonzero((raw - np.uint8(0x20)) > np.uint8(0x7E - 0x20)) == breaks


def _check_quoted(path: Path, scan: _Scan, table: pa.Table, starts: np.ndarray, spans: np.ndarray,
                  good: np.ndarray, recs: np.ndarray, width: int) -> None:
    """Each record in `recs` (indices into the records) parsed from its own bytes by the strict csv module
    must give exactly the fields pyarrow gave; otherwise the file's fault is named."""
    if not len(recs):
        return
    row_of = np.cumsum(good) - 1
    csv.field_size_limit(MAX_FIELD)
    with open(path, "rb") as fh:
        for r in recs:
            if not good[r]:
                continue
            first, last = int(starts[r]) - 1, int(starts[r] + spans[r]) - 2
            fh.seek(int(scan.begins[first]))
            raw = fh.read(int(scan.ends[last] - scan.begins[first]))
            try:
                parsed = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline=""), strict=True))
            except (csv.Error, UnicodeDecodeError):
                raise locate_fault(path) from None
            row = int(row_of[r])
            if len(parsed) != 1 or parsed[0] != [table.column(j)[row].as_py() for j in range(width)]:
                raise locate_fault(path)


PARQUET_BATCH_ROWS = 100_000


def _value_bytes(arr: pa.Array) -> pa.Buffer:
    """The bytes of a text array's values (a batch is a slice: its data buffer may hold the whole row group)."""
    offsets, data = arr.buffers()[1], arr.buffers()[2]
    if data is None or not len(arr):
        return pa.py_buffer(b"")
    kind = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    at = np.frombuffer(offsets, dtype=kind)[arr.offset: arr.offset + len(arr) + 1]
    return data.slice(int(at[0]), int(at[-1] - at[0]))


def _parquet_batch(table: pa.Table, first_line: int) -> Cells:
    """A batch of Parquet rows as text cells. Text columns stay in Arrow (no Python string per value);
    other types are written as pandas writes them, times in ISO 8601."""
    columns, plain = [], True
    mapper = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}.get
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            plain = plain and all(_plain_bytes(_value_bytes(c), 0) for c in col.chunks)
            columns.append(col.to_pandas(types_mapper=mapper).astype("string").fillna(""))
            continue
        plain = False
        s = col.to_pandas()
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.map(lambda v: "" if pd.isna(v) else v.isoformat())
        columns.append(s.astype("string").fillna(""))
    return Cells([str(c) for c in table.column_names], columns,
                 np.arange(first_line, first_line + table.num_rows, dtype="int64"), plain=plain)


def iter_parquet_cells(path: Path, batch_rows: int = PARQUET_BATCH_ROWS) -> Iterator[Cells]:
    """The cells of a Parquet export as text, a batch of rows at a time (at least one batch); the
    "line" of a row is its number from 1."""
    import pyarrow.parquet as pq

    def unreadable(exc: Exception) -> IngestRejected:
        return IngestRejected([Problem(str(path), 1, None, f"not a readable Parquet file ({exc})")])

    try:
        pf = pq.ParquetFile(path)
        schema = pf.schema_arrow
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise unreadable(exc) from None
    if len(schema.names) > MAX_COLUMNS:
        raise _too_wide(path, [str(c) for c in schema.names])
    done = 0
    try:
        for batch in pf.iter_batches(batch_size=batch_rows):
            yield _parquet_batch(pa.Table.from_batches([batch]), done + 1)
            done += batch.num_rows
    except IngestRejected:
        raise
    except Exception as exc:
        raise unreadable(exc) from None
    if not done:
        yield _parquet_batch(schema.empty_table(), 1)
