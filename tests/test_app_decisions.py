"""The Decisions and arrivals page through AppTest on the decided fixture (tests/decided.py), in English, in
French and in publication mode; and its downloads against the command line, byte for byte."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from conftest import app_test, open_numbers
from decided import decided_warehouse  # noqa: F401 - the fixture
from streamlit.testing.v1 import AppTest

from dashboard import disclosure, extract, metrics
from dashboard.cli import extract_main
from dashboard.filters import Filters

pytestmark = pytest.mark.usefixtures("decided_warehouse")
METRICS = ("processing_funnel", "decision_times", "decisions_by_day", "applications_by_province",
           "applications_by_us_state")


def decisions_page(**query: str) -> AppTest:
    at = app_test("views/decisions.py", query)
    open_numbers(at)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def words(at: AppTest) -> str:
    return "\n".join(e.value for kind in (at.markdown, at.caption, at.info, at.subheader) for e in kind)


def test_the_page_states_the_hand_checked_figures():
    at = decisions_page()
    text = words(at)
    assert "Of 6 principal applications, 2 were approved, 1 refused and 1 withdrawn; 2 are still open. " \
           "1 principal applicants have arrived in Canada." in text
    assert "Principal applicants: 1 arrivals in Canada recorded for 2 approvals (50.0%)." in text
    assert "Half of the approved principal applications were decided within 13 days of submission" in text
    assert "Ontario is the intended province of 3 principal applicants, the most of any; 1 gave none." in text
    assert "California is home to 2 principal applicants, the most of any state." in text
    assert sorted(b.key for b in at.get("download_button") if b.key.startswith("dl-")) == \
        ["dl-arrivals", "dl-decisions", "dl-funnel", "dl-provinces", "dl-provinces-ranked", "dl-states",
         "dl-states-ranked", "dl-times"]
    provinces = next(d.value for d in at.dataframe if "province" in d.value.columns)
    assert provinces["province"].tolist()[:3] == ["ON", "BC", "QC"]


def test_family_members_on_their_own_and_in_french():
    at = decisions_page(lang="fr", dec_role="family")
    text = words(at)
    assert "Sur 6 demandes principales, 2 ont été approuvées, 1 refusées et 1 retirées ; 2 sont encore en attente." \
        in text
    assert "Membres de la famille : 1 arrivées au Canada inscrites pour 1 approbations" in text
    assert "Ontario : province visée par 3 demandeurs principaux" in text
    assert "Californie : État de résidence de 2 demandeurs principaux" in text


def _numbers(value) -> list[float]:
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).astype(float).tolist()
    if isinstance(value, list):
        return [float(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
    return []


COUNTS = ("principal", "family", "applications", "approved", "refused", "withdrawn", "arrived", "open")


def test_publication_mode_shows_no_count_from_1_to_5():
    """Every count of the fixture is 1 to 6: the page still draws, says `--`, and neither its tables, its
    charts nor its CSVs hold a count from 1 to 5 (what is shown is rounded to a multiple of 5: 6 is 5)."""
    at = decisions_page(pub="1")
    text = words(at)
    assert "Of 5 principal applications, `--` were approved, `--` refused and `--` withdrawn" in text
    assert not re.search(r"(?<![\d,.])[1-4] (principal|applications|arrivals|approvals)", text), text
    for d in at.dataframe:
        for col in set(COUNTS) & set(d.value.columns):
            shown = pd.to_numeric(d.value[col], errors="coerce").dropna()
            assert (shown % 5 == 0).all(), (col, d.value)
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            if trace.get("type") in ("bar", "scatter") and "error_x" not in trace:
                drawn = _numbers(trace.get("x" if trace.get("orientation") == "h" else "y"))
                assert all(v % 5 == 0 for v in drawn if v == v), trace.get("name")
    f = Filters("test-intake")
    for metric in METRICS:
        raw = metrics.METRICS[metric](f)
        table = extract.build(metric, f, publication=True).table
        spec = disclosure.spec_for(metric, table)
        for col in (*spec.counts, *spec.totals):
            small = raw[col].between(1, 5).to_numpy()
            assert table[col][small].isna().all(), (metric, col)
            assert (table[col].dropna() % 5 == 0).all(), (metric, col)
        assert small.any(), metric  # the fixture does put small counts in each


@pytest.mark.parametrize("publication", [False, True])
def test_the_command_line_writes_the_bytes_of_the_page_download(tmp_path, publication):
    """The page hands its download button the metric's rows (published in publication mode); the command
    line runs the metric itself: both give the same file."""
    f = Filters("test-intake")
    for metric in METRICS:
        out = tmp_path / f"{metric}.csv"
        args = ["--program", "test-intake", "--metric", metric, "--out", str(out)]
        assert extract_main(args + (["--publication"] if publication else []), err=io.StringIO()) == 0
        rows = metrics.METRICS[metric](f)
        if publication:
            rows = disclosure.publish(rows, disclosure.spec_for(metric, rows))
        button = extract.build(metric, f, {}, publication=publication, df=rows)
        assert button.csv == out.read_bytes(), metric
        assert button.csv_name == extract.file_stem(metric, f, publication=publication) + ".csv"


def test_when_no_principal_names_a_place_the_summaries_say_so():
    """No principal applicant under the filters: no province or state has one, so neither map's summary
    names a place "the most of any" with 0 (in English and French)."""
    text = words(decisions_page(to="2023-07-16T09:30"))  # before the first application (10:00)
    assert "No principal applicant matching these filters named an intended province." in text
    assert "No principal applicant matching these filters named a US state of residence." in text
    assert "the most of any" not in text
    text = words(decisions_page(to="2023-07-16T09:30", lang="fr"))
    assert "Aucun demandeur principal correspondant à ces filtres n'a indiqué de province visée." in text
    assert "Aucun demandeur principal correspondant à ces filtres n'a indiqué d'État de résidence américain." in text


def test_before_any_decision_no_day_is_named_the_busiest():
    text = words(decisions_page(as_of="2023-07-16T10:15"))  # A1 submitted at 10:00, decided on 1 August
    assert "Principal applicants: 1 application was open at the end of Sun 16 Jul 2023; no decision had been " \
           "made by then." in text
    assert "the most decisions in one day" not in text
