"""application_states' fixed-list columns are stored as ENUMs of their lists (dashboard/ingest/stored.py)
and read as text; a warehouse an earlier version wrote (text columns) or one with other lists takes them at
its next ingest, every value kept."""

from __future__ import annotations

import pandas as pd
from conftest import TEST_SQL, row, support_query, write_export

from dashboard import metrics, warehouse
from dashboard.filters import Filters
from dashboard.ingest import ingest
from dashboard.ingest.stored import COLUMNS, lists

TYPES = {"applicant_role": "roles", "permit_type": "permits", "status": "statuses", "us_state": "states",
         "intended_province": "provinces", "citizenship": "countries", "birth_country": "countries"}
AT = "2023-07-16T11:00:00-04:00"  # a time with its offset: the engine path reads it (a naive one goes the precise way)
NEW_ROWS = [row("N1", AT, citizenship="FRA"),
            row("N2", AT, citizenship="Brazil", us_state="ca", intended_province="on", birth_country="IND")]
FAMILY = [row("P9", AT, citizenship="CHN", status="approved"), row("F9", AT, role="dependant", principal="P9",
                                                                  permit="study_permit", status="withdrawn")]


def _types(root) -> dict[str, str]:
    reader = warehouse.Reader(root)
    try:
        return dict(support_query("_test_stored_columns", reader=reader).itertuples(index=False))
    finally:
        reader.close()


def _rows(root) -> list[tuple]:
    reader = warehouse.Reader(root)
    try:
        found = support_query("_test_stored_rows", reader=reader)
        return [tuple(None if pd.isna(v) else v for v in r) for r in found.itertuples(index=False)]
    finally:
        reader.close()


def _enum(values: list[str]) -> str:
    return "ENUM(" + ", ".join(f"'{v}'" for v in values) + ")"


def _make_old(root) -> None:
    """A snapshot as an earlier version wrote it: the fixed-list columns text, no stored type."""
    with warehouse.writer(root) as con:
        warehouse.run_script(con, "_stored_text")
        warehouse.run_script(con, "_test_stored_no_types", folder=TEST_SQL)


def _rewrite(root, name: str) -> None:
    """A snapshot of the test's making: tests/sql/<name>.sql run in a writer of `root`."""
    with warehouse.writer(root) as con:
        warehouse.run_script(con, name, folder=TEST_SQL)


def test_both_paths_store_the_fixed_list_columns_as_enums_and_the_metrics_read_text(tmp_path, warehouse_dir):
    fast = ingest([write_export(tmp_path / "a.csv", NEW_ROWS + FAMILY)], root=warehouse_dir)
    bad = [row("X1", "not-a-time")]  # a row the precise path names and, told to, leaves out
    slow = ingest([write_export(tmp_path / "b.csv", NEW_ROWS + FAMILY + bad)], root=tmp_path / "precise",
                  skip_invalid=True)
    assert (fast.path, slow.path, fast.inserted, slow.inserted) == ("engine", "precise", 4, 4)
    for root in (warehouse_dir, tmp_path / "precise"):
        types = _types(root)
        assert {c: types[c] for c in COLUMNS} == {c: _enum(lists()[key]) for c, key in TYPES.items()}
        assert types["program_id"] == types["application_id"] == "VARCHAR"
    assert _rows(warehouse_dir) == _rows(tmp_path / "precise")
    n2 = [r for r in _rows(warehouse_dir) if r[0] == "N2"][0]
    assert {"BRA", "IND", "CA", "ON"} <= set(n2)  # as the export spelt them, stored as the list's value

    by = metrics.applications_by_role_status(Filters("test-intake"))
    assert [str(by[c].dtype) for c in ("applicant_role", "status")] == [str(pd.Series(["x"]).dtype)] * 2
    assert by.to_dict("records") == [
        {"applicant_role": "dependant", "status": "withdrawn", "applications": 1},
        {"applicant_role": "principal", "status": "approved", "applications": 1},
        {"applicant_role": "principal", "status": "submitted", "applications": 2}]


def test_a_warehouse_of_text_columns_is_converted_at_its_next_ingest_every_value_kept(tmp_path, basic_warehouse):
    _make_old(basic_warehouse)
    assert all(_types(basic_warehouse)[c] == "VARCHAR" for c in COLUMNS)
    before, old = _rows(basic_warehouse), warehouse.current_snapshot(basic_warehouse)
    old_bytes = warehouse.file_sha256(old)

    s = ingest([write_export(tmp_path / "new.csv", NEW_ROWS)], root=basic_warehouse)
    assert (s.path, s.inserted) == ("engine", 2)
    assert {c: _types(basic_warehouse)[c] for c in COLUMNS} == {c: _enum(lists()[key]) for c, key in TYPES.items()}
    after = _rows(basic_warehouse)
    assert len(after) == len(before) + 2
    assert set(before) <= set(after)
    assert warehouse.file_sha256(old) == old_bytes  # the snapshot before is left as it was


def test_a_type_with_another_list_is_made_again_with_this_versions_list(tmp_path, basic_warehouse):
    _rewrite(basic_warehouse, "_test_stored_other_list")
    assert _types(basic_warehouse)["status"].startswith("ENUM('withdrawn'")
    before = _rows(basic_warehouse)
    s = ingest([write_export(tmp_path / "new.csv", NEW_ROWS)], root=basic_warehouse, skip_invalid=False)
    assert s.inserted == 2
    assert _types(basic_warehouse)["status"] == _enum(lists()["statuses"])
    assert set(before) <= set(_rows(basic_warehouse))


def test_a_value_outside_its_list_keeps_the_columns_text_and_the_ingest_works(tmp_path, basic_warehouse):
    _make_old(basic_warehouse)
    _rewrite(basic_warehouse, "_test_stored_outside")
    s = ingest([write_export(tmp_path / "new.csv", NEW_ROWS)], root=basic_warehouse)
    assert s.inserted == 2
    assert all(_types(basic_warehouse)[c] == "VARCHAR" for c in COLUMNS)
    rows = _rows(basic_warehouse)
    assert [r[0] for r in rows if "ZZZ" in r] == ["P3"]
    assert {r[0] for r in rows} >= {"N1", "N2"}
