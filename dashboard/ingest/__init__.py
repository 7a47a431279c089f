"""Read, validate and publish application exports (data/README.md describes the format).

    python -m dashboard.ingest FILE... [--skip-invalid] [--wait SECONDS] [--memory-limit SIZE]
    python -m dashboard.ingest --rollback [--steps N]
    python -m dashboard.ingest --roll-forward
    python -m dashboard.ingest --history

Exit codes: 0 stored, 1 input rejected (or the disk is full, or the ingest log cannot be appended:
nothing changed), 2 usage error (or the warehouse is busy).
The files of one call are published together, in one new snapshot, or not at all.

Two paths. `engine` first: DuckDB reads, types and checks the files inside the writer, no row in
Python; anything it does not read exactly like the precise path, or any fault, sends the call to the
precise path, one module per stage: `read` (a file's cells and the line of each record), `validate`
(every value against the format, each problem by file, line and column), `publish` (one new snapshot,
the ingest log, and the choice of path); `format` holds what they share and `cli` the command line.
"""

from dashboard.ingest.format import COLUMNS, REQUIRED, IngestRejected, Problem, Summary
from dashboard.ingest.publish import ingest

__all__ = ["COLUMNS", "REQUIRED", "IngestRejected", "Problem", "Summary", "ingest", "main"]


def main(argv=None) -> int:
    from dashboard.ingest.cli import main as cli_main

    return cli_main(argv)
