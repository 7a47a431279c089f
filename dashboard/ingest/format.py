"""The export format's vocabulary, shared by the stages: its columns, its limits, and how a problem is told.

data/README.md describes the format for the people who write exports.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

COLUMNS = (
    "application_id", "program_id", "submitted_at", "applicant_role", "principal_application_id",
    "permit_type", "citizenship", "birth_country", "us_state", "intended_province", "status", "status_at",
    "arrived_at",
)
REQUIRED = ("application_id", "program_id", "submitted_at", "applicant_role", "permit_type",
            "citizenship", "status", "status_at")
# Columns that would carry a direct identifier of a person: dropped on sight, named in the summary.
IDENTIFIER_PATTERN = re.compile(
    r"name|birth_?date|date_?of_?birth|dob|passport|client|uci|e-?mail|phone|telephone|address|sin\b|ssn",
    re.IGNORECASE,
)
MAX_MESSAGES = 20
MAX_FIELD = 1 << 20  # 1 MiB: no legitimate field comes near it
LINE_LIMIT = 16 << 20  # characters read at once; a longer line is refused
MAX_COLUMNS = 200  # a header wider than this is refused before any record is read
MAX_NAMES_SHOWN = 12  # column names listed in one message, the rest counted


def printable(text: str, limit: int = 300) -> str:
    """`text` safe to print on a terminal: control, format and separator characters escaped (a file name
    can hold a terminal escape that would retitle the operator's window), cut to `limit` characters."""
    out = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def name_list(names: Sequence[str]) -> str:
    """Column names for a message: at most MAX_NAMES_SHOWN, each escaped, then how many more."""
    shown = ", ".join(printable(n, 60) for n in names[:MAX_NAMES_SHOWN])
    rest = len(names) - MAX_NAMES_SHOWN
    return shown + (f" (and {rest:,} more)" if rest > 0 else "")


@dataclass
class Problem:
    file: str
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        col = f" column {printable(self.column, 80)}:" if self.column else ""
        return f"{printable(self.file)}:{self.line}:{col} {self.message}"


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
    cpu_seconds: float = 0.0  # the process's CPU over the same span, every thread (DuckDB's) included
    path: str = "engine"  # which path read the files: "engine" (DuckDB, engine.py) or "precise" (read, validate)
    phases: dict[str, list[float]] = field(default_factory=dict)  # step: [wall s, CPU s] (see `phase`)

    def lines(self) -> list[str]:
        out = [
            f"rows read {self.rows_read:,}, inserted {self.inserted:,}, updated {self.updated:,}, "
            f"unchanged {self.unchanged:,}, rejected {self.rejected:,}"
        ]
        for f, cols in self.identifier_columns.items():
            out.append(f"{printable(f)}: identifier columns never stored: {name_list(cols)}")
        for f, cols in self.dropped_columns.items():
            out.append(f"{printable(f)}: columns outside the format, dropped: {name_list(cols)}")
        if self.snapshot:
            out.append(f"published snapshot {self.snapshot} (ingest {self.ingest_id}) in {self.seconds:.2f} s")
        else:
            out.append("nothing new: every row was stored already; no new snapshot")
        return out


TRACE_ENV = "DASHBOARD_INGEST_TRACE"  # a file each step's start is appended to (bench/reliability.py's kills)


@contextmanager
def phase(summary: Summary, name: str) -> Iterator[None]:
    """Time one step of an ingest into `summary.phases` (wall and process CPU seconds, every thread; the
    ingest log records them). With DASHBOARD_INGEST_TRACE naming a file, the step's start (epoch seconds
    and name) is appended to it first, so a run killed from outside shows which step it was in."""
    trace = os.environ.get(TRACE_ENV)
    if trace:
        with open(trace, "a") as fh:
            fh.write(f"{time.time():.3f} {name}\n")
    wall, cpu = time.monotonic(), time.process_time()
    try:
        yield
    finally:
        was = summary.phases.get(name, [0.0, 0.0])
        summary.phases[name] = [round(was[0] + time.monotonic() - wall, 3), round(was[1] + time.process_time() - cpu, 3)]
