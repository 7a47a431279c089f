"""`make run` on a warehouse written by an earlier version: its query macros are brought up to date,
the data left as they were (else a page needing a newer macro would fail after an update)."""

from __future__ import annotations

import duckdb

from dashboard import build, metrics, warehouse
from dashboard.filters import Filters


def _as_an_earlier_version_wrote_it(root) -> None:
    warehouse.reader(root).close()  # this process's read-only connections, before one that writes
    con = duckdb.connect(str(warehouse.current_snapshot(root)))
    try:
        warehouse.run_script(con, "_test_drop_macro")
    finally:
        con.close()
    warehouse.reader(root).close()


def test_if_missing_brings_an_earlier_versions_macros_up_to_date(basic_warehouse):
    root = basic_warehouse
    records = metrics.application_records(Filters("test-intake"))
    before = warehouse.current_snapshot(root).name
    _as_an_earlier_version_wrote_it(root)
    assert warehouse.outdated_macros(root) == ["top_and_others"]

    message = build.build()
    assert "query macros were from an earlier version (top_and_others)" in message
    assert warehouse.current_snapshot(root).name != before
    assert warehouse.outdated_macros(root) == []
    assert metrics.application_records(Filters("test-intake")).equals(records)  # data unchanged
    assert len(metrics.applications_by_citizenship(Filters("test-intake"))) > 0  # uses top_and_others

    again = warehouse.current_snapshot(root).name
    assert build.build() == f"warehouse {root} is ready (snapshot {again})"  # nothing to do the second time
    assert warehouse.current_snapshot(root).name == again
