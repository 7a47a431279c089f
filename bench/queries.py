"""The benchmark's own queries, in bench/sql/ (never among the product queries of queries/)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dashboard import warehouse

BENCH_SQL = Path(__file__).resolve().parent / "sql"


def query(name: str, params: Mapping[str, Any] | None = None, reader: warehouse.Reader | None = None):
    """bench/sql/<name>.sql run by `reader` (default: the current warehouse's) on its snapshot."""
    return (reader or warehouse.reader()).query(name, params, folder=BENCH_SQL)


def run_script(con, name: str, params: Mapping[str, Any] | None = None):
    """bench/sql/<name>.sql run statement by statement on a connection of the benchmark's own."""
    return warehouse.run_script(con, name, params, folder=BENCH_SQL)
