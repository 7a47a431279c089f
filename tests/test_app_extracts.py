"""Extracts and Admin pages, and publication mode on screen, through Streamlit's AppTest."""

from __future__ import annotations

import base64
import json

import numpy as np
from conftest import app_test
from streamlit.testing.v1 import AppTest

from dashboard import cli, logs


def run(query: dict | None = None, page: str | None = None) -> AppTest:
    at = app_test(page, query)
    assert not at.exception
    return at


def texts(elements) -> str:
    return " | ".join(e.value for e in elements)


def test_publication_mode_on_the_overview_from_the_url(demo_warehouse):
    at = run({"pub": "1"})
    # counted 5, family 2, over cap 2: all from 1 to 5, so suppressed; the places remaining would give the
    # count back, so they go too.
    assert {m.label: m.value for m in at.metric} == {
        "Principal applications counted": "`--`", "Places remaining": "`--`", "Family applications": "`--`"}
    assert "Status: cap reached" in texts(at.info)
    assert "of the cap of" not in texts(at.caption)
    assert "Publication mode: counts from 1 to 5 are suppressed" in texts(at.info)
    assert at.toggle(key="pub").value is True
    assert at.query_params["pub"] == "1"
    summaries = texts(at.markdown)
    # the totals are rounded on their own: 7 principal arrivals -> 5, 9 applications -> 10
    assert "5 principal applications arrived by" in summaries
    assert "10 applications match the filters" in summaries


def test_publication_mode_rounds_what_it_does_not_suppress(tmp_path, warehouse_dir, monkeypatch):
    from conftest import FIXTURES, row, write_export

    from dashboard.ingest import ingest

    bigger = tmp_path / "programs.toml"
    bigger.write_text((FIXTURES / "programs.toml").read_text().replace("cap = 5\n", "cap = 50\n")
                      .replace('events_file = "events.csv"\n', ""))
    monkeypatch.setenv("DASHBOARD_PROGRAMS", str(bigger))
    rows = [row(f"P{i:02d}", f"2023-07-16T09:{i:02d}:00") for i in range(1, 13)]
    rows += [row(f"F{i}", "2023-07-16T10:00:00", role="spouse", principal="P01") for i in range(1, 8)]
    ingest([write_export(tmp_path / "twelve.csv", rows)], root=warehouse_dir, origin="demo")  # synthetic test rows
    at = run({"pub": "1"})
    # 12 counted -> 10, so 10 % of... 20 % of the cap and 40 places left; 7 family -> 5
    assert {m.label: m.value for m in at.metric} == {
        "Principal applications counted": "10", "Places remaining": "40", "Family applications": "5"}
    assert "Status: closed" in texts(at.info)
    assert "20.0% of the cap of 50" in texts(at.caption)
    at.toggle(key="pub").set_value(False).run()
    assert {m.label: m.value for m in at.metric} == {
        "Principal applications counted": "12", "Places remaining": "38", "Family applications": "7"}
    assert "24.0% of the cap of 50" in texts(at.caption)
    assert "pub" not in at.query_params


def test_an_unreadable_publication_setting_says_so(demo_warehouse):
    at = run({"pub": "maybe"})
    assert "publication setting (`maybe`) is not 1 or 0" in texts(at.warning)
    assert at.toggle(key="pub").value is False


def test_extracts_page_lists_the_records(demo_warehouse):
    at = run(page="views/extracts.py")
    assert at.selectbox(key="x_metric").value == "application_records"
    table = at.dataframe[0].value
    assert len(table) == 9
    assert sorted(table["application_id"]) == ["F1", "F2", "P1", "P2", "P3", "P4", "P5", "P6", "P7"]
    # a principal names no principal: the cell shows the dash (Streamlit's grid drew a grey "None" over the
    # Styler's display value), the family members their principal's id
    by_id = table.set_index("application_id")["principal_application_id"]
    assert by_id["P1"] == "—" and by_id["F1"].startswith("P")
    assert "Rows: 9." in texts(at.caption)
    assert "python -m dashboard.extract --program test-intake --metric application_records" in at.code[0].value


def test_extracts_page_follows_a_provenance_link(demo_warehouse):
    at = run({"metric": "cumulative_principals", "minutes": "60", "as_of": "2023-07-16T11:00"}, "views/extracts.py")
    assert at.selectbox(key="x_metric").value == "cumulative_principals"
    assert at.selectbox(key="x_metric").options[:3] == [  # the menu names tables for people
        "Application records", "Applications by citizenship", "Applications by intended province"]
    assert at.selectbox(key="x_cumulative_principals_minutes").value == 60
    assert at.dataframe[0].value["arrivals"].tolist() == [3, 2]
    assert "--minutes 60" in at.code[0].value and "--as-of 2023-07-16T11:00" in at.code[0].value


def test_records_are_not_published(demo_warehouse):
    at = run({"pub": "1"}, "views/extracts.py")
    assert "individual application records cannot be published" in texts(at.info)
    assert len(at.dataframe) == 0


def test_an_unknown_table_in_the_link_falls_back(demo_warehouse):
    at = run({"metric": "secret_table"}, "views/extracts.py")
    assert "unknown table (`secret_table`)" in texts(at.warning)
    assert at.selectbox(key="x_metric").value == "application_records"


def test_admin_lists_the_audit_log_and_checks_it(demo_warehouse):
    at = run(page="views/admin.py")
    assert "No extract has been made yet." in texts(at.info)
    assert cli.extract_main(["--program", "test-intake", "--metric", "cap_status", "--out",
                         str(demo_warehouse.parent / "c.csv")]) == 0
    at = run(page="views/admin.py")
    assert "The log is intact: every line is linked to the one before (1 in all)." in texts(at.success)
    table = at.dataframe[0].value
    assert table["Metric"].tolist() == ["cap_status"]
    assert table["Source"].tolist() == ["command line"]
    assert table["Rows"].tolist() == [1]
    log = demo_warehouse / logs.AUDIT_LOG
    record = json.loads(log.read_text())
    log.write_text(json.dumps({**record, "prev": "0" * 63 + "1"}) + "\n")
    at = run(page="views/admin.py")
    assert "changed outside the dashboard: line 1 of 1" in texts(at.error)


def test_a_chart_drawn_from_raw_counts_is_held_back_in_publication_mode(demo_warehouse):
    def script():
        import pandas as pd
        import plotly.graph_objects as go
        import streamlit as st

        from dashboard import ui
        from dashboard.filters import Filters

        st.session_state["filters"] = Filters("test-intake")
        st.session_state["pub"] = True
        df = pd.DataFrame({"citizenship": ["IND", "CHN", "KOR"], "applications": [88, 3, 12]})
        ui.chart_block(go.Figure(go.Bar(y=df["applications"])), df, summary="raw", metric="countries_present",
                       key="raw")
        ui.chart_block(lambda d: go.Figure(go.Bar(x=d["citizenship"], y=d["applications"])), df,
                       summary="published", metric="countries_present", key="fn")

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    assert "This chart is not shown in publication mode" in texts(at.info)
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    figure = json.loads(charts[0].proto.spec)
    assert figure["data"][0]["x"] == ["IND", "CHN", "KOR"]
    y = figure["data"][0]["y"]  # plotly sends numbers as base64 float64
    assert y["dtype"] == "f8"
    values = np.frombuffer(base64.b64decode(y["bdata"]), dtype="<f8")
    # 88 rounded; 3 suppressed, and 12 with it (the total would give 3 back)
    assert values[0] == 90 and np.isnan(values[1:]).all()


def test_a_table_that_needs_a_parameter_asks_for_it(shared_reference_warehouse):
    """h1b_representation needs a year: without one the page says so (it failed with a TypeError), with one
    it shows the rows."""
    at = run({"metric": "h1b_representation"}, "views/extracts.py")
    assert "This table needs a value for: Year." in texts(at.info)
    assert not at.error and not at.dataframe
    at = run({"metric": "h1b_representation", "year": "2023"}, "views/extracts.py")
    assert not at.error
    assert at.dataframe[0].value["citizenship"].tolist()[:3] == ["IND", "CHN", "KOR"]
