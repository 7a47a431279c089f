"""The engine path: DuckDB reads, types and checks a call's files, and no row passes through Python.

CSV goes through DuckDB's own `read_csv` (every column as text, strict quoting), Parquet through
`read_parquet`; the checks of data/README.md are SQL (queries/ingest/_engine_rows.sql) and the rows land
in the writer's `incoming` table, where the merge takes them. This path takes only what it reads exactly
as the precise path (read.py, validate.py) does: printable ASCII values, the usual ISO 8601 forms, the
quoting of RFC 4180, times with their UTC offset, a header on the first line. When a file holds anything else (a fault, or a form
only the precise path reads), `NeedsPrecise` is raised before anything is published and the call is
done again by the precise path, which names each problem by file, line and column. DuckDB's own error
text is never shown or logged: it quotes the raw line, which holds personal data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from threading import Event
from typing import Protocol

import numpy as np
import pandas as pd
import pycountry

from dashboard import warehouse
from dashboard.country_codes import ALIASES, EXTRA_CODES, to_iso3
from dashboard.ingest import stored
from dashboard.ingest.format import COLUMNS, MAX_COLUMNS, MAX_FIELD, IngestRejected, Summary, phase
from dashboard.ingest.read import read_header
from dashboard.ingest.validate import (
    BEFORE_OPENING,
    FUTURE_TOLERANCE,
    check_header,
)
from dashboard.programs import Program

# A longer line goes to the precise path (which streams it), found in the bytes before DuckDB would buffer it.
ENGINE_LINE_BYTES = 2 * MAX_FIELD
SCAN_FIRST = 4 << 20  # the stretch of a CSV file whose bytes are passed over before DuckDB reads it


class NeedsPrecise(Exception):
    """The engine path met something the precise path must read or name: nothing was published."""


@cache
def country_spellings() -> tuple[list[str], list[str]]:
    """Every country spelling taken as written (codes and names in the casings exports use), each with
    its code: exactly `to_iso3` of that spelling, so the engine path maps as the precise path does."""
    candidates: set[str] = set(EXTRA_CODES) | set(ALIASES)
    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            if value := getattr(c, attr, None):
                candidates.add(value)
    spellings = {v for c in candidates for v in (c, c.upper(), c.lower(), c.title())}
    found = {s: to_iso3(s) for s in sorted(spellings) if s and s == s.strip() and s.isascii() and s.isprintable()}
    names = [s for s, code in found.items() if code]
    return names, [found[s] for s in names]


def _allowed() -> dict[str, list[str]]:
    """The values the format allows in the columns `incoming` holds as a place in a list (_engine_prepare.sql):
    the stored types' lists (stored.lists), so a value's place here is its place in its ENUM too."""
    return {k: v for k, v in stored.lists().items() if k != "countries"}  # countries: country_spellings


def prepare(con, progs: dict[str, Program]) -> None:
    stored.ensure(con)  # the merge gives the fixed-list columns in their stored types (_merge_runs.sql)
    names, codes = country_spellings()
    ids = list(progs)
    warehouse.run_script(con, "_engine_prepare", {
        "programs": ids,
        "earliest": [pd.Timestamp(progs[p].opens_at).tz_convert("UTC").to_pydatetime() - BEFORE_OPENING for p in ids],
        "names": names, "codes": codes, **_allowed(),
    })


@dataclass
class _Bytes:
    """What one pass over a CSV file's bytes says about every value in it."""

    quotes_at_edges: bool = True  # every quote opens or closes a field (see _scan_bytes)
    plain: bool = True  # printable ASCII only, and no quote: no value holds a control or line-break character
    untrimmed: bool = True  # no space next to a comma or a line break: no value needs trimming
    short_lines: bool = True  # no line longer than ENGINE_LINE_BYTES
    stopped: bool = False  # `stop` ended the scan before the file's end: the fields above say nothing


_PLAIN_BYTES = bytes(b for b in range(0x20, 0x7F) if b != 0x22) + b"\r\n"  # printable ASCII but the quote
_TRIM_PAIRS = (b" ,", b", ", b" \n", b"\n ", b" \r", b"\r ")  # a space next to a comma or a line break
_TRIM_BYTE_PAIRS = {(p[0], p[1]) for p in _TRIM_PAIRS}
_BLOCK = ENGINE_LINE_BYTES // 2  # a line break in every block of this size: no line is longer than ENGINE_LINE_BYTES


class _Digest(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...


def _scan_bytes(path: Path, step: int = 1 << 20, limit: int | None = None, stop: Event | None = None,
                digest: _Digest | None = None) -> _Bytes:
    """One pass over the file (or its first `limit` bytes), a stretch at a time read into memory once (a map's
    pages would stay resident, and each copy of a stretch costs; a stretch of 1 MiB, where 16 MiB ones stayed in
    the thread's heap: 10M rows, the ingest's peak 762 -> 750 MB); it ends early once `stop` is set. A quote
    must open a field (after a comma, a line break or the file's start) or close one (before a comma, a line
    break or the file's end): anything else (a quote inside a value, text after a closing quote) is where
    DuckDB's reading and the strict one may differ. The usual stretch (no quote, no space at an edge, a line
    break in every MiB) is decided by byte-string searches; numpy looks closer only where those find
    something. With `digest` (a hashlib object) every byte of the file is fed to it, in order, and the pass
    reads on to the file's end after the scan is decided or stopped: the file's hash and its scan from one
    reading of its bytes (10M rows: 2.0 s CPU for the two passes apart, 1.55 s for one)."""
    out = _Bytes()
    size = path.stat().st_size
    end = size if limit is None else min(size, limit)  # a digest needs the whole file: no limit with one
    scanning = True
    prev, last_break = 0x0A, -1  # the byte before the stretch (the file's start counts as after a line break)
    with open(path, "rb") as fh:
        for a in range(0, end, step):
            if scanning and stop is not None and stop.is_set():
                scanning, out.stopped = False, True
            if not (scanning or digest):
                break
            data = fh.read(step + 1)  # the stretch and the byte after it (none at the file's end)
            n = min(step, size - a)
            if digest is not None:
                digest.update(memoryview(data)[:n])
            if scanning:
                scanning = _scan_stretch(out, data, n, a, prev, last_break)
                if (at := data.rfind(b"\n", 0, n)) >= 0:
                    last_break = a + at
            prev = data[n - 1]
            fh.seek(a + n)
    if scanning:
        out.untrimmed = out.untrimmed and out.plain  # a quoted value may begin or end with a space
        if limit is None or limit >= size:
            out.short_lines = out.short_lines and size - last_break <= ENGINE_LINE_BYTES
    return out


def _scan_stretch(out: _Bytes, data: bytes, n: int, a: int, prev: int, last_break: int) -> bool:
    """What the stretch data[:n] (starting at byte `a`; `prev` the byte before it, data[n:] the byte after it)
    says, into `out`; False once the scan is decided (a quote off an edge)."""
    first = data.find(b"\n", 0, n)
    if first < 0:  # the line goes on past this stretch: too long already, or the next one says
        out.short_lines = out.short_lines and a + n - last_break <= ENGINE_LINE_BYTES
    else:
        out.short_lines = out.short_lines and a + first - last_break <= ENGINE_LINE_BYTES
        if not all(data.find(b"\n", i, i + _BLOCK) >= 0 for i in range(0, n - _BLOCK + 1, _BLOCK)):
            lf = np.flatnonzero(np.frombuffer(data, dtype=np.uint8, count=n) == 0x0A)
            out.short_lines = out.short_lines and (len(lf) < 2 or int(np.diff(lf).max()) <= ENGINE_LINE_BYTES)
    if out.plain and len(data.translate(None, _PLAIN_BYTES)) > (len(data) > n and data[n] not in _PLAIN_BYTES):
        out.plain = False  # a byte of the stretch (the one after it is the next stretch's) is not plain
    after = data[n] if len(data) > n else 0x0A  # the file's end counts as a line break
    if data.find(b'"', 0, n) >= 0:
        out.plain = False
        seg = np.frombuffer(bytes([prev]) + data[:n] + bytes([after]), dtype=np.uint8)
        quotes = np.flatnonzero(seg[1: 1 + n] == 0x22) + 1
        edge = np.array([0x2C, 0x0A, 0x0D], dtype=np.uint8)
        if not (np.isin(seg[quotes - 1], edge) | np.isin(seg[quotes + 1], edge)).all():
            out.quotes_at_edges = False
            return False
    if out.untrimmed and (b" " in data or prev == 0x20):
        out.untrimmed = not (any(pair in data for pair in _TRIM_PAIRS)  # the pairs ending at the stretch's
                             or (prev, data[0]) in _TRIM_BYTE_PAIRS  # first byte, and at the file's end
                             or (len(data) == n and data[n - 1] == 0x20))
    return True


class BytePasses:
    """One reading of each file's bytes, in a thread of the caller's beside DuckDB's read (files_hash): the
    call's hash, and for a CSV file past its first stretch the scan of _scan_bytes, which `load` waits on
    when it reads the file with the per-value checks left out; both from the same reading of the bytes, where
    they were two passes (the scan's in a thread of its own). `stop` ends the scans (not the hash) at their
    next stretch."""

    def __init__(self, paths: Sequence[Path]):
        self.paths = list(paths)
        self.scans: list[Future | None] = [
            Future() if p.suffix.lower() != ".parquet" and p.stat().st_size > SCAN_FIRST else None for p in self.paths]
        self.stop = Event()

    def files_hash(self) -> str:
        """The hash of a call's files: SHA-256 over each file's SHA-256, in order."""
        total = hashlib.sha256()
        try:
            for path, scan in zip(self.paths, self.scans, strict=True):
                if scan is None:
                    total.update(bytes.fromhex(warehouse.file_sha256(path)))
                    continue
                one = hashlib.sha256()
                found = _scan_bytes(path, stop=self.stop, digest=one)
                if found.stopped:  # never read as clean: `load` reads no scan after stopping them
                    scan.set_exception(CancelledError(f"{path}: the scan of its bytes was stopped"))
                else:
                    scan.set_result(found)
                total.update(one.digest())
        except BaseException as exc:
            # every scan still awaited fails with it: `load` waits on a later file's (in the writer, holding
            # its lock) and hung for ever when the hash of an earlier one failed (review12)
            for scan in self.scans:
                if scan is not None and not scan.done():
                    scan.set_exception(exc)
            raise
        return total.hexdigest()


def _source(con, path: Path, scan_rest: Future | None) -> tuple[list[str], object, _Bytes | Future]:
    """The file's header, its rows as a relation of the format's columns as text (a column the file lacks is
    empty), and what its bytes say about its values: known already, or (when its first stretch is plain)
    still being found by the pass over its bytes (`scan_rest`, BytePasses) while DuckDB reads the file."""
    if path.suffix.lower() == ".parquet":
        try:
            rel = con.read_parquet(str(path))
        except warehouse.DatabaseError:
            raise NeedsPrecise from None
        header = [str(c) for c in rel.columns]
        if len(header) > MAX_COLUMNS or any(str(rel.types[header.index(c)]) != "VARCHAR"
                                            for c in COLUMNS if c in header):
            raise NeedsPrecise  # a column of another type is written as text by the precise path
        return header, warehouse.text_columns(rel, COLUMNS), _Bytes(plain=False, untrimmed=False)
    try:
        header, header_end = read_header(path)
    except IngestRejected:
        raise NeedsPrecise from None
    first = _scan_bytes(path, step=SCAN_FIRST, limit=SCAN_FIRST)
    if header_end != 1 or not first.quotes_at_edges or not first.short_lines:
        raise NeedsPrecise
    names = [h if h in COLUMNS else f"_extra_{i}" for i, h in enumerate(header)]
    if len(set(names)) != len(names):
        raise NeedsPrecise
    if scan_rest is None:  # the file is its first stretch
        scan: _Bytes | Future = first
    elif first.plain and first.untrimmed:
        scan = scan_rest
    else:
        scan = scan_rest.result()  # a file that needs the per-value checks: known before they are chosen
        if not scan.quotes_at_edges or not scan.short_lines:
            raise NeedsPrecise
    try:
        rel = con.read_csv(str(path), header=False, skiprows=1, columns=dict.fromkeys(names, "VARCHAR"),
                           all_varchar=True, sep=",", quotechar='"', escapechar='"', strict_mode=True,
                           auto_detect=False, max_line_size=ENGINE_LINE_BYTES)
    except warehouse.DatabaseError:
        raise NeedsPrecise from None
    return header, warehouse.text_columns(rel, COLUMNS), scan


def _rows(con, number: int, now: pd.Timestamp, scan: _Bytes) -> None:
    """The rows of the call's file `number` (the view engine_source) typed and flagged into `incoming`."""
    try:
        warehouse.run_script(con, "_engine_rows", {
            "file": number, "latest": (now + FUTURE_TOLERANCE).to_pydatetime(), **_allowed(),
            "plain": bool(scan.plain), "untrimmed": bool(scan.untrimmed),
        })
    except warehouse.DatabaseError:
        raise NeedsPrecise from None  # not valid CSV, or unreadable: the precise path says where and why


def load(con, paths: Sequence[Path], progs: dict[str, Program], now: pd.Timestamp,
         summary: Summary, passes: BytePasses) -> None:
    """Read, type and check every file into `incoming`; NeedsPrecise unless all of it can be published
    (but for a state twice and an application under two programs, which the merge's window finds).

    A CSV file whose first stretch is plain printable ASCII with nothing to trim is read by DuckDB while
    `passes` (its files_hash running in a thread of the caller's) passes over the rest of its bytes (both
    cores busy rather than one after the other); should the rest hold a quote or a space to trim after all,
    its rows are read again with those checks."""
    with phase(summary, "prepare"):  # a table an earlier version wrote takes its stored types here (stored.py)
        prepare(con, progs)
    with phase(summary, "read"):
        try:
            for number, path in enumerate(paths):
                header, rel, scan = _source(con, path, passes.scans[number])
                try:
                    dropped, identifiers = check_header(str(path), header)
                except IngestRejected:
                    raise NeedsPrecise from None
                rel.create_view("engine_source", replace=True)
                _rows(con, number, now, scan if isinstance(scan, _Bytes) else _Bytes())
                if isinstance(scan, Future):
                    scan = scan.result()
                    if not scan.quotes_at_edges or not scan.short_lines:
                        raise NeedsPrecise
                    if not (scan.plain and scan.untrimmed):
                        warehouse.run_script(con, "_engine_forget", {"file": number})
                        _rows(con, number, now, scan)
                if dropped:
                    summary.dropped_columns[str(path)] = dropped
                if identifiers:
                    summary.identifier_columns[str(path)] = identifiers
                summary.files.append(str(path))
        finally:
            passes.stop.set()  # a scan still running ends at its next stretch (the hash reads on)
    with phase(summary, "verdict"):
        rows, bad, orphans = warehouse.run_script(con, "_engine_verdict").fetchone()
    if bad or orphans:
        raise NeedsPrecise
    summary.rows_read = int(rows)
