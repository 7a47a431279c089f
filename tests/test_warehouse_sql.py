"""Where the SQL lives and how the query macros reach a connection.

Product SQL is in queries/ (any sub-folder, one file per name); the tests' own in tests/sql, the
benchmark's in bench/sql. The filter macros of queries/macros are created as temp macros on each
connection the reader opens, never stored in a snapshot; a snapshot an earlier version wrote with
stored macros still opens and reads through today's macros.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT, TEST_SQL, support_query

from bench.queries import BENCH_SQL
from dashboard import build, metrics, warehouse
from dashboard.filters import Filters

MACROS = ["applications_by_place", "every_interval", "filtered_states", "history_as_of", "principal_and_family",
          "states_as_of", "top_and_others"]


def test_query_names_are_unique_in_each_folder_and_across_them():
    folders = {folder: warehouse.sql_files(folder) for folder in (warehouse.QUERIES_DIR, TEST_SQL, BENCH_SQL)}
    for folder, files in folders.items():
        assert files, folder
        assert {name: paths for name, paths in files.items() if len(paths) > 1} == {}, folder
    names = [name for files in folders.values() for name in files]
    assert len(names) == len(set(names))


def test_queries_holds_only_product_sql_in_sub_folders():
    assert list(warehouse.QUERIES_DIR.glob("*.sql")) == []
    names = warehouse.sql_files()
    assert [n for n in names if n.startswith(("_test_", "_bench_"))] == []
    assert names["cap_status"] == [ROOT / "queries" / "metrics" / "cap_status.sql"]
    assert warehouse.sql_path("_macros").parent.name == "macros"


def test_sql_text_reads_a_sub_folder_and_names_what_is_missing(tmp_path):
    def text(name: str, folder=tmp_path) -> str:
        return warehouse.sql_text(name, folder)

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "one.sql").write_text("select 1")
    assert text("one") == "select 1"
    (tmp_path / "b" / "two.sql").write_text("select 2")  # added after the folder was first read
    assert text("two") == "select 2"
    with pytest.raises(FileNotFoundError, match="no query file three.sql"):
        text("three")
    (tmp_path / "b" / "one.sql").write_text("select 3")
    (tmp_path / "a" / "four.sql").write_text("select 4")
    with pytest.raises(LookupError, match="two query files are named one.sql"):
        text("one", tmp_path / ".." / tmp_path.name)  # a new folder key: read afresh


def test_macros_are_the_connections_own_and_not_stored_in_the_snapshot(basic_warehouse):
    seen = support_query("_test_stored_macros")
    assert sorted(seen[seen["database_name"] == "temp"]["function_name"]) == MACROS
    assert seen[seen["database_name"] != "temp"].empty  # nothing stored in the snapshot
    assert len(metrics.applications_by_citizenship(Filters("test-intake"))) > 0  # uses top_and_others


def test_a_warehouse_an_earlier_version_wrote_opens_and_reads_through_todays_macros(basic_warehouse):
    f = Filters("test-intake")
    records = metrics.application_records(f)
    status = metrics.cap_status(f)
    assert len(records) > 0
    with warehouse.writer(basic_warehouse) as con:  # the macros stored in the snapshot, as they used to be
        warehouse.run_script(con, "_test_earlier_macros", folder=TEST_SQL)
    stored = support_query("_test_stored_macros")
    assert sorted(stored[stored["database_name"] != "temp"]["function_name"]) == ["filtered_states", "states_as_of"]

    assert build.build() == f"warehouse {basic_warehouse} is ready (snapshot {warehouse.current_snapshot(basic_warehouse).name})"
    assert metrics.application_records(f).equals(records)  # not the stored states_as_of, which finds nothing
    assert metrics.cap_status(f).equals(status)
    assert len(metrics.applications_by_citizenship(f)) > 0  # a macro the earlier version lacked


# warehouse.frame: a query's rows as DuckDB's .df() gives them, from .fetchnumpy() (issue 17: .df() cost a
# new filter setting ~3 ms per timestamptz column of every metric). The same frames, dtypes included.

@pytest.mark.parametrize("rows", [4, 0])
@pytest.mark.parametrize("nulls", [0, 1, 2])
def test_frame_gives_what_df_gives_for_every_column_type_with_and_without_nulls(rows, nulls):
    con = warehouse.duckdb.connect()
    warehouse.run_script(con, "_session")  # UTC, as every reader's connection
    sql = warehouse.sql_text("_test_frame_types", TEST_SQL)
    params = {"rows": rows, "nulls": nulls}
    for types, part in (("fast", slice(0, 12)), ("any", slice(None))):  # frame()'s own types; with .df()'s too
        expected = con.execute(sql, params).df().iloc[:, part]
        got = warehouse.frame(con.execute(sql, params))
        if types == "fast":  # the same columns alone (frame() falls back to .df() for a query with others)
            got = warehouse.frame(con.sql(sql, params=params).select(*expected.columns))
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert len(got) == rows and got.columns.tolist()[-1] == "n"


def _enums_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """.df()'s frame with each ENUM column (application_states' fixed lists, ingest/stored.py: a Categorical) as
    frame() gives it: its text, as for a VARCHAR (str; object when every value is null)."""
    for column in df.columns[[isinstance(d, pd.CategoricalDtype) for d in df.dtypes]]:
        df[column] = pd.Series([None if pd.isna(v) else v for v in df[column].tolist()])
    return df


def test_every_metric_reads_the_same_frame_as_duckdb_df(shared_reference_warehouse, monkeypatch):
    compared = []

    def query(self, name, params=None, folder=warehouse.QUERIES_DIR):
        sql = warehouse.sql_text(name, folder)
        with self._cursor() as cur:
            expected = cur.execute(sql, warehouse.bind(sql, params)).df()
            got = warehouse.frame(cur.execute(sql, warehouse.bind(sql, params)))
        pd.testing.assert_frame_equal(got, _enums_as_text(expected), check_exact=True, obj=name)
        compared.append((name, len(got)))
        return got

    monkeypatch.setattr(warehouse.Reader, "query", query)
    for f in (Filters("test-intake"), Filters("test-intake", statuses=("approved",), countries=("IND", "ZZZ")),
              Filters("test-intake", countries=("ZZZ",))):
        for name, fn in metrics.METRICS.items():
            fn(f, year=2023) if name == "h1b_representation" else fn(f)
    f = Filters("test-intake", statuses=("approved", "submitted"))
    rows, total = warehouse.reader().preview("application_records", f.params(), 3)  # a relation's first rows
    with warehouse.reader()._cursor() as cur:
        sql = warehouse.sql_text("application_records")
        expected = cur.sql(sql, params=warehouse.bind(sql, f.params())).limit(3).df()
    pd.testing.assert_frame_equal(rows, _enums_as_text(expected), check_exact=True)
    assert len(rows) == 3 < total
    assert {name for name, _ in compared} >= {"cap_status", "arrivals_by_interval", "milestones", "decision_times",
                                              "application_records", "h1b_top_employers"}
    assert any(n == 0 for _, n in compared) and any(n > 10 for _, n in compared)
