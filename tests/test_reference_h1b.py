"""The US H-1B reference statistics load as published, and the page's metrics return them exactly."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import support_query

from dashboard import metrics, reference
from dashboard.filters import Filters

F = Filters("")


def by(df, key, *columns):
    return {row[key]: tuple(row[c] for c in columns) for _, row in df.iterrows()}


def test_employer_hub_totals_equal_the_published_totals(shared_reference_warehouse):
    years = metrics.h1b_employer_years(F)
    assert by(years, "fiscal_year", "initial_approvals", "continuing_approvals", "partial_release") == {
        2021: (141194, 333929, False),
        2022: (138381, 327810, False),
        2023: (38315, 138635, True),  # the partial release, labelled in the data
    }
    assert years["hub_rows"].tolist() == [60806, 59983, 33332]  # SOURCES.md §1: every row kept


def test_state_summary_agrees_with_the_hub_files(shared_reference_warehouse):
    years = metrics.h1b_state_years(F)
    assert years["fiscal_year"].tolist() == [2014, 2015, 2016, 2019, 2020, 2021, 2022, 2023]
    assert by(years[years["fiscal_year"] >= 2021], "fiscal_year", "initial_approvals", "continuing_approvals",
              "partial_release") == {2021: (141194, 333929, False), 2022: (138381, 327810, False),
                                     2023: (38315, 138635, True)}
    states = metrics.h1b_approvals_by_state(F, fiscal_year=2014)
    assert states.iloc[0][["state", "state_code", "state_name", "initial_approvals"]].tolist() == [
        "CA", "CA", "California", 20565]
    blank = states[states["state"] == "(blank)"].iloc[0]
    assert pd.isna(blank["state_code"]) and blank["initial_approvals"] == 4  # kept, with no code
    assert states["initial_approvals"].sum() == 130616


def test_calendar_2023_issuances_by_nationality(shared_reference_warehouse):
    ratio = metrics.h1b_h4_ratio_by_nationality(F, year=2023, top=3)
    assert ratio[["nationality", "iso3", "h1b"]].values.tolist() == [
        ["India", "IND", 193384], ["China - mainland", "CHN", 30133], ["Philippines", "PHL", 3193]]
    india = ratio.iloc[0]
    assert india["h4"] == 146082 and india["h4_per_h1b"] == pytest.approx(146082 / 193384)


def test_issuances_by_year_keep_every_visa(shared_reference_warehouse):
    years = metrics.h1b_issuance_years(F)
    assert years[years["year"] == 2023][["months", "h1b", "h4"]].values.tolist() == [[12, 258656, 172986]]
    assert years[years["months"] < 12]["year"].tolist() == [2017, 2019, 2025]
    top = metrics.h1b_issuances_by_year(F, top=2)
    in_2023 = top[top["year"] == 2023]
    assert in_2023["nationality"].tolist()[:2] == ["India", "China - mainland"]
    assert in_2023["h1b"].sum() == 258656  # the top two and "all others" add up to the year


def test_cap_lottery_figures(shared_reference_warehouse):
    lottery = metrics.h1b_cap_lottery(F)
    fy2024 = lottery[lottery["fiscal_year"] == 2024].iloc[0]
    assert fy2024["eligible_registrations"] == 758994  # FOIA count
    assert fy2024["selected_registrations"] == 110791  # selected after the March 2023 lottery
    assert str(fy2024["lottery_month"].date()) == "2023-03-01"
    assert lottery["selected_registrations"].isna().tolist() == [True, True, False, False]


def test_pool_facts_as_published(shared_reference_warehouse):
    facts = metrics.h1b_pool_facts(F).set_index("fact")["value"].to_dict()
    assert facts == {"h1b_advanced_degree_exemption": 20000, "h1b_annual_cap_total": 85000,
                     "h1b_authorized_to_work_population": 583420, "h1b_regular_cap": 65000}


def test_every_file_has_its_provenance(shared_reference_warehouse):
    sources = metrics.reference_sources(F)
    hub = sources[sources["table_name"] == "h1b_employers"]
    assert hub["file"].tolist() == ["uscis_h1b_employer_data_hub_fy2021.csv", "uscis_h1b_employer_data_hub_fy2022.csv",
                                    "uscis_h1b_employer_data_hub_fy2023_partial.csv"]
    assert "partial" in hub.iloc[2]["period"]
    assert set(sources["table_name"]) >= {"h1b_issuances", "h1b_employers", "h1b_state_summary", "h1b_cap_lottery",
                                          "h1b_lca_sample", "h1b_pool_facts"}
    assert sources[["publisher", "period", "caveat"]].notna().all().all()
    assert (reference.REFERENCE_DIR / "SOURCES.md").read_text().count("us_h1b_pool_and_cap_compiled.csv") == 1


def test_damaged_names_and_zip_codes_are_kept_and_flagged(shared_reference_warehouse):
    q = support_query
    damaged = list(q("_test_damaged_employers").itertuples(index=False, name=None))
    assert damaged[-1] == ("#NAME?", "excel_error", None, 1)
    assert [d[1] for d in damaged].count("blank") == 9 and all(pd.isna(d[0]) for d in damaged[:9])
    zips = list(q("_test_employer_zips", {"employer": "02908 HOLDCO LLC"}).itertuples(index=False, name=None))
    assert zips == [("2908", "02908")]  # the published value stays; the leading zero is added beside it


def test_top_employers_merge_spellings_that_differ_in_punctuation(shared_reference_warehouse):
    top = metrics.h1b_top_employers(F, fiscal_year=2022, top=3, rank_by="initial")
    amazon = top.iloc[0]
    # AMAZON.COM SERVICES LLC (4,036) and AMAZON COM SERVICES LLC (1,084) in the FY2022 file
    assert (amazon["employer"], amazon["spellings"], amazon["initial_approvals"]) == ("AMAZON.COM SERVICES LLC", 2, 5120)
    assert top["employer"].tolist()[1:] == ["INFOSYS LIMITED", "TATA CONSULTANCY SVCS LTD"]
    by_continuing = metrics.h1b_top_employers(F, fiscal_year=2021, top=1, rank_by="continuing")
    assert by_continuing[["employer", "continuing_approvals"]].values.tolist() == [["INFOSYS LIMITED", 10170]]
    with pytest.raises(ValueError):
        metrics.h1b_top_employers(F, fiscal_year=2021, rank_by="initial approvals; drop table h1b_employers")


def test_employer_search_is_bound_and_ignores_case_and_punctuation(shared_reference_warehouse):
    found = metrics.h1b_employer_search(F, text="Infosys  Limited!", limit=1)
    assert found[["fiscal_year", "employer", "initial_approvals", "continuing_approvals", "partial_release"]
                 ].values.tolist() == [[2021, "INFOSYS LIMITED", 5256, 10170, False],
                                       [2022, "INFOSYS LIMITED", 3128, 3987, False],
                                       [2023, "INFOSYS LIMITED", 733, 2716, True]]
    assert metrics.employer_key("Amazon.com, Inc.") == "amazon com inc"
    for hostile in ("%", "_", "'; drop table h1b_employers; --", ""):
        assert metrics.h1b_employer_search(F, text=hostile).empty
    assert metrics.h1b_employer_years(F)["hub_rows"].sum() == 154121  # still there


def test_lca_sample_keeps_published_wages_and_adds_annual_ones(shared_reference_warehouse):
    q = support_query
    status = dict(q("_test_lca_status").itertuples(index=False, name=None))
    assert status == {"Certified": 9547, "Certified - Withdrawn": 193, "Withdrawn": 184, "Denied": 76}
    checks = q("_test_lca_wage_checks").iloc[0]
    assert (checks["hourly_mismatch"], checks["no_annual"]) == (0, 0)
