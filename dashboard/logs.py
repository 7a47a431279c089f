"""The append-only records beside the snapshots: one writer for the ingest history and the audit chain.

Both live in the warehouse folder, never inside a snapshot, so they outlive every snapshot, rollback,
prune and rebuild:

    ingest_log.jsonl   one line per ingest, unchanged ingest, rejected file, rollback, replay reset
    audit_log.jsonl    one line per extract (button or command line), hash-chained

Each record is one JSON line, written under an exclusive lock on the file and fsynced before the call
returns. A line torn by a crash is ended first, so the next record starts on a line of its own, and
readers skip it. A chained log (the audit log) gives each record `prev`, the SHA-256 of the line before
it (GENESIS for the first), so an edit or a deletion made outside the dashboard shows up in `verify`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dashboard import warehouse

INGEST_LOG = "ingest_log.jsonl"
AUDIT_LOG = "audit_log.jsonl"
GENESIS = "0" * 64


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _last_line(fh) -> bytes:
    """The file's last line (up to 64 KiB of it), without its newline; b"" for an empty file."""
    size = fh.seek(0, os.SEEK_END)
    if size == 0:
        return b""
    back = min(size, 1 << 16)
    fh.seek(size - back)
    return fh.read(back).rstrip(b"\n").split(b"\n")[-1]


def _ends_with_newline(fh) -> bool:
    fh.seek(-1, os.SEEK_END)
    end = fh.read(1) == b"\n"
    fh.seek(0, os.SEEK_END)
    return end


def append(name: str, record: Mapping[str, Any], root: Path | None = None, *, chained: bool = False) -> dict:
    """Append one record to the log `name` in the warehouse folder; returns the record as written.

    With `chained`, the record gets `prev` (the hash of the line before it): the lock keeps two writers
    from chaining to the same line.
    """
    root = root or warehouse.warehouse_dir()
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / name, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            full = dict(record)
            if chained:
                last = _last_line(fh)
                full["prev"] = _sha256(last) if last else GENESIS
            if fh.seek(0, os.SEEK_END) and not _ends_with_newline(fh):
                fh.write(b"\n")
            fh.write((json.dumps(full, default=str, ensure_ascii=False) + "\n").encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return full


def read(name: str, root: Path | None = None) -> list[dict]:
    """Every whole record of the log, oldest first (a line torn by a crash is skipped)."""
    path = (root or warehouse.warehouse_dir()) / name
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            out.append(json.loads(line))
    return out


def verify(name: str = AUDIT_LOG, root: Path | None = None) -> tuple[int, int | None]:
    """(records, first broken line or None) of a chained log: a line whose `prev` is not the hash of the
    line before it, or that is not a record at all."""
    path = (root or warehouse.warehouse_dir()) / name
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
        if prev != (_sha256(previous) if previous else GENESIS):
            return len(lines), number
        previous = line
    return len(lines), None
