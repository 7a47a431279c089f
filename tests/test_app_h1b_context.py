"""The US H-1B context page through Streamlit's AppTest: it renders the published figures, names its sources,
follows its URL keys and the language, and says what to do when the reference statistics are missing."""

from __future__ import annotations

from conftest import TEST_SQL, app_test
from streamlit.testing.v1 import AppTest


def run_page(query: dict | None = None) -> AppTest:
    return app_test("views/h1b_context.py", query)


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def test_page_shows_the_published_figures_and_their_sources(shared_reference_warehouse):
    at = run_page()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {
        "H-1B holders in the US": "583,420",
        "US annual H-1B cap": "85,000",
        "Selected for FY2024": "110,791",
        "This program's cap": "5",  # the test program's cap, for comparison
    }
    summaries = texts(at.markdown)
    assert "In the lottery for FY2024, 758,994 eligible registrations were counted and 110,791 selected" in summaries
    assert "In 2024, 226,257 H-1B visas were issued abroad; nationals of India received 67.9% of them." in summaries
    assert "In FY2022, `AMAZON.COM SERVICES LLC` had the most initial approvals: 5,120 of 138,381." in summaries
    assert "In FY2022, employers in California (CA) had the most initial approvals" in summaries
    captions = texts(at.caption)
    # under each of the five charts (and the pool figures): source, period and caveat
    assert captions.count("Source: ") >= 6 and captions.count("Caveat: ") >= 6
    assert "Period: FY2022 (October 2021 to September 2022)" in captions
    assert "USCIS estimate, 30 September 2019" in captions
    assert any("sidebar filters do not apply" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 5


def test_url_keys_choose_the_year_the_ranking_and_the_search(shared_reference_warehouse):
    at = run_page({"h1b_fy": "2023", "h1b_rank": "continuing", "h1b_year": "2023", "h1b_q": "infosys"})
    assert not at.exception
    summaries = texts(at.markdown)
    # AMAZON.COM SERVICES LLC (4,317) and AMAZON COM SERVICES LLC (2) in the FY2023 file
    assert "In FY2023 (partial), `AMAZON.COM SERVICES LLC` had the most continuing approvals: 4,319 of 138,635." in summaries
    assert "In 2023, nationals of India received 146,082 H-4 visas for 193,384 H-1B visas: 0.76 per H-1B visa." in summaries
    assert "the largest is `INFOSYS LIMITED`, with 9,117 initial and 16,873 continuing approvals" in summaries
    assert any("FY2023 (partial) is a partial release" in w.value for w in at.warning)


def test_page_in_french(shared_reference_warehouse):
    at = run_page({"lang": "fr"})
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Plafond annuel H-1B américain"] == "85\u00a0000"
    assert "Source : " in texts(at.caption)
    assert "Estimation de l'USCIS, 30 septembre 2019" in texts(at.caption)  # a date in words, not 2019-09-30


def test_missing_reference_statistics_say_what_to_do(shared_basic_warehouse):
    at = run_page()
    assert not at.exception
    assert any("python -m dashboard.build --reference" in w.value for w in at.warning)


HOSTILE = "[y](http://127.0.0.1/z) :red[w] <b>v</b>"  # a link, a colour directive and plotly's HTML


def test_employer_names_from_the_files_show_literally(reference_warehouse):
    """An employer name is text from a file: the summaries echo it (a code span: no link, no colour), the
    chart's tick labels escape plotly's HTML, whatever the name says."""
    import json

    from dashboard import warehouse
    from dashboard.ui.text import echo

    with warehouse.writer(reference_warehouse) as con:
        sql = warehouse.sql_text("_test_rename_employer", TEST_SQL)
        con.execute(sql, warehouse.bind(sql, {"employer": HOSTILE, "employer_key": "amazon com services llc"}))
    at = run_page({"h1b_q": "amazon"})
    assert not at.exception
    shown = [e.value for kind in ("markdown", "caption", "info", "warning") for e in at.get(kind)]
    summaries = "\n".join(shown)
    assert f"In FY2022, {echo(HOSTILE)} had the most initial approvals: 5,120 of 138,381." in summaries
    assert f"the largest is {echo(HOSTILE)}, with " in summaries
    assert not [s for s in shown if "127.0.0.1" in s.replace(echo(HOSTILE), "")]  # only ever inside the echo
    employers = json.loads(at.get("plotly_chart")[3].proto.spec)
    assert employers["data"][0]["y"][0] == "[y](http://127.0.0.1/z) :red[w] &lt;b&gt;v&lt;/b&gt;"
