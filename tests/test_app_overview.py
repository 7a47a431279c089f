"""The Overview page through Streamlit's AppTest: renders, and its headline numbers are the fixture's."""

from __future__ import annotations

from conftest import ROOT, app_test
from streamlit.testing.v1 import AppTest


def run(query: dict | None = None) -> AppTest:
    return app_test(None, query)


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_headline_numbers(shared_basic_warehouse):
    at = run()
    assert not at.exception
    assert metric_values(at) == {
        "Principal applications counted": "5",
        "Places remaining": "0",
        "Family applications": "2",
    }
    assert "**Status: cap reached** on Sun 16 Jul 2023, 10:40 EDT, 1 h 40 min after opening." in [
        i.value for i in at.info]
    captions = " ".join(c.value for c in at.caption)
    assert "2 principal applications arrived after the cap was reached" in captions
    assert "Times in Eastern Time (EDT/EST)." in captions  # the zone as people say it, not America/Toronto
    assert "America/Toronto" not in captions + " ".join(c.value for c in at.sidebar.caption)
    # the notices, one line each, their details a click away (issue 16)
    assert [e.label for e in at.expander][:2] == ["**Local demo, no sign-in**", "**Synthetic demo data**"]
    assert "Demo: synthetic applications matching published facts, not real records." in [
        m.value for m in at.expander[1].markdown]
    # the test program's one event is known by its date only: listed under the hour-by-hour chart, not drawn
    assert ("Events known by their date only, not drawn on this hour-by-hour chart: Sun 16 Jul 2023: Intake opens."
            in [x.value for x in at.text])


def test_overview_as_of_from_the_url(shared_basic_warehouse):
    at = run({"as_of": "2023-07-16T10:00"})
    assert not at.exception
    assert metric_values(at)["Principal applications counted"] == "3"
    assert metric_values(at)["Places remaining"] == "2"
    assert "**Status: open**, 1 h 0 min since opening (as of Sun 16 Jul 2023, 10:00 EDT)." in [
        i.value for i in at.info]


def test_overview_in_french(shared_basic_warehouse):
    at = run({"lang": "fr"})
    assert not at.exception
    assert "**Statut : plafond atteint** le dim. 16 juill. 2023, 10 h 40 HAE, 1 h 40 min après l'ouverture." in [
        i.value for i in at.info]
    assert metric_values(at)["Demandes principales comptées"] == "5"


def test_no_data_yet_says_what_to_do(warehouse_dir):
    at = run()
    assert not at.exception
    assert any("make warehouse" in w.value for w in at.warning)


def test_open_status_stands_at_the_last_ingest_not_the_clock(warehouse_dir, tmp_path):
    """With the latest data, "open, N since opening" is counted to the moment the data are complete up to
    (the last ingest), as the forecast is: not to the reader's clock, years later for a past intake."""
    import pandas as pd
    from conftest import BASIC_ROWS, write_export

    from dashboard.ingest import ingest

    early = [r for r in BASIC_ROWS if r["status_at"] < "2023-07-16T10:00"]  # P1, P2, P3, F1 as submitted
    ingest([write_export(tmp_path / "early.csv", early)], root=warehouse_dir, now=pd.Timestamp("2023-07-16T14:00Z"),
           origin="demo")  # the demo's behaviour: synthetic test rows, as the demo build ingests them
    at = run()
    assert not at.exception
    assert "**Status: open**, 1 h 0 min since opening (as of Sun 16 Jul 2023, 10:00 EDT)." in [
        i.value for i in at.info]
    assert metric_values(at)["Principal applications counted"] == "3"


def test_role_status_legend_reads_in_the_stacking_order(shared_basic_warehouse):
    import json

    at = run()
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert spec["layout"]["barmode"] == "stack"
    assert spec["layout"]["legend"]["traceorder"] == "normal"
    assert [tr["name"] for tr in spec["data"]] == ["Approved", "Submitted"]


def test_overview_offers_the_brief(demo_warehouse):
    at = run({"as_of": "2023-07-16T10:00", "lang": "fr"})
    assert not at.exception
    (button,) = [b for b in at.get("download_button") if b.key == "brief-pdf"]
    assert button.proto.label == "Note d'information (PDF)"
    assert button.proto.ignore_rerun and button.proto.deferred_file_id  # built only when pressed, no rerun


def test_the_synthetic_banner_names_each_source_once(demo_warehouse):
    """The demo's events file cites P1-P9 of SOURCES.md in overlapping groups: the banner says each once."""
    import csv

    from dashboard.ui.page import _sources_text

    with (ROOT / "data" / "events" / "h1b-owp-2023.csv").open(encoding="utf-8") as fh:
        sources = [row["source"] for row in csv.DictReader(fh)]
    assert _sources_text(sources) == "P1, P2, P3, P4, P5, P6, P7, P8, P9 (data/reference/SOURCES.md §10)"
    at = run({"lang": "en"})  # the test program's one event, through the page
    assert not at.exception
    assert [x.value for x in at.text if x.value.startswith("Sources of those facts")] == ["Sources of those facts: test"]


def test_filters_chosen_in_french_stay_codes_across_pages(shared_basic_warehouse):
    """The filter widgets show French names; what they hold, and the address, are the codes, also once a
    rerun sends the choices back (the format_func keeps the run's language)."""
    at = app_test(None, {"lang": "fr"}, filters_open=True)
    at.multiselect(key="f_role").select("spouse").run()
    at.multiselect(key="f_country").select("CHN").run()
    at.switch_page("views/velocity.py").run()
    assert not at.exception
    assert at.session_state["f_role"] == ["spouse"] and at.session_state["f_country"] == ["CHN"]
    assert at.query_params["role"] == "spouse" and at.query_params["country"] == "CHN"
