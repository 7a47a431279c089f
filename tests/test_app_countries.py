"""The Country of origin page through Streamlit's AppTest, on BASIC_ROWS and the real reference statistics."""

from __future__ import annotations

from conftest import app_test
from streamlit.testing.v1 import AppTest


def countries_page(query: dict | None = None) -> AppTest:
    return app_test("views/countries.py", query)


def tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def comparison(at: AppTest, ratio: str = "Ratio"):
    """The visible comparison table (the one with a Ratio column)."""
    return next(t for t in tables(at) if ratio in t.columns)


def test_countries_against_2023_h1b_visas(shared_reference_warehouse):
    at = countries_page()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "India comes first with 4 principal applications, 57.1% of all principal applicants" in text
    # 4/7 of applicants against 193,384 of 258,648 H-1B visas attributed to a country in 2023.
    assert "India accounts for 57.1% of principal applicants and 74.8% of US H-1B visas issued in 2023: " \
           "a ratio of 0.76 (0.0 applications per 1,000 H-1B visas)" in text
    table = comparison(at)
    assert table["Country"].tolist()[:3] == ["India", "China", "South Korea"]
    assert table.iloc[0].tolist() == ["India", "4", "57.1%", "193,384", "74.8%", "0.76", "0.0", "72.3%"]
    assert table.iloc[1].tolist() == ["China", "2", "28.6%", "30,133", "11.7%", "2.45", "0.1", "11.7%"]
    # the grouped row says what it groups: not a second bare "All others (N countries)" with another N
    assert table["Country"].iloc[-1].startswith("All other countries with applicants or H-1B visas (")
    captions = " ".join(c.value for c in at.caption)
    assert "H-1B visas: US Department of State, visas issued by nationality, calendar 2023." in captions
    assert "USCIS approvals (where published): *Characteristics of H-1B Specialty Occupation Workers*, fiscal 2023." in captions
    unmatched = next(t for t in tables(at) if "Spelling as published" in t.columns)
    assert unmatched["Spelling as published"].tolist() == ["*Non-Nationality Based Issuances", "Unknown"]
    assert unmatched["In 2023"].tolist() == ["8", "0"]


def test_year_top_n_and_country_come_from_the_url(shared_reference_warehouse):
    at = countries_page({"h1b_year": "2022", "top": "5", "country": "CHN"})
    assert not at.exception
    table = comparison(at)
    assert table["Country"].tolist() == ["China"]
    assert table.iloc[0]["H-1B visas issued, 2022"] == "8,040"
    assert table.iloc[0]["Share of applicants"] == "28.6%"  # of every citizenship: 2 of 7
    assert at.selectbox(key="h1b_year").value == 2022
    assert at.selectbox(key="top").value == 5
    assert at.session_state["f_country"] == ["CHN"]  # held with the filters section closed, which names it
    assert "Filters: China" in [c.value for c in at.sidebar.caption]


def test_a_partial_year_says_so_and_an_unknown_year_falls_back(shared_reference_warehouse):
    at = countries_page({"h1b_year": "2025"})
    assert not at.exception
    assert "H-1B visas issued, 2025" in comparison(at).columns
    assert any(c.value == "Only 5 months of 2025 are published: the H-1B figures cover those months."
               for c in at.caption)
    at = countries_page({"h1b_year": "1999"})
    assert not at.exception
    assert at.selectbox(key="h1b_year").value == 2023
    assert "H-1B visas issued, 2023" in comparison(at).columns


def test_countries_in_french(shared_reference_warehouse):
    at = countries_page({"lang": "fr"})
    assert not at.exception
    table = comparison(at, "Rapport")
    assert table.columns[0] == "Pays"
    assert table.iloc[0].tolist()[:6] == ["Inde", "4", "57,1\u00a0%", "193\u00a0384", "74,8\u00a0%", "0,76"]


def test_without_the_reference_statistics_the_page_says_so(shared_basic_warehouse):
    at = countries_page()
    assert not at.exception
    assert any("US H-1B statistics are not in this warehouse" in i.value for i in at.info)
    assert "India comes first" in " ".join(m.value for m in at.markdown)


def test_no_principal_applicants_under_the_filters(shared_reference_warehouse):
    at = countries_page({"role": "spouse"})
    assert not at.exception
    assert any("No principal applications match these filters" in i.value for i in at.info)
