"""Country of origin metrics on hand-checked fixtures: counts, shares, ratios against H-1B visas, unmatched spellings.

BASIC_ROWS (conftest) hold principals IND 4, CHN 2, KOR 1 and two Indian family members. The small reference
files below give calendar-2023 H-1B visas attributed to a country: IND 700, CHN 200, KOR 50, CAN 40, CIV 10
(two spellings), 1,000 in all; "Unknown" and "Atlantis" name no country and stay out of the shares.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from conftest import ROOT, support_query

from dashboard import metrics, reference, warehouse
from dashboard.filters import Filters

ISSUANCES_CSV = """month,nationality,nationality_std,visa_class,issuances
2022-12,India,India,H1B,999
2023-01,India,India,H1B,500
2023-07,India,India,H1B,200
2023-01,India,India,H4,300
2023-03,China-mainland,China - mainland,H1B,200
2023-05,"Korea, South","Korea, South",H1B,50
2023-02,Canada,Canada,H1B,40
2023-06,Cote D'Ivoire,Cote D'Ivoire,H1B,4
2023-08,Cote d'Ivoire,Cote d'Ivoire,H1B,6
2023-04,Unknown,Unknown,H1B,5
2022-06,*Non-Nationality Based Issuances,Non-Nationality Based Issuances,H1B,2
2023-09,Atlantis,Atlantis,H1B,3
"""
APPROVALS_CSV = """fiscal_year,country_of_birth,petition_scope,approved_petitions,share_pct,year_total_approved,source_id,note
2023,India,all,279386,72.3,386318,S1,
2023,China,all,,11.7,386318,S1,share only
2023,India,initial,68825,57.9,,S6,initial
2022,India,all,320791,72.6,442043,S1,
2023,Unknown,all,100,,386318,SX,
"""
P = "test-intake"
TZ = ZoneInfo("America/Toronto")


@pytest.fixture
def small_reference(basic_warehouse, tmp_path):
    """BASIC_ROWS plus the two small reference files above, loaded by the real loaders."""
    root = tmp_path / "reference"
    root.mkdir()
    (root / reference.ISSUANCES.file).write_text(ISSUANCES_CSV)
    (root / reference.APPROVALS_BY_BIRTH.file).write_text(APPROVALS_CSV)
    with warehouse.writer(basic_warehouse) as con:
        reference.load_issuances(con, root)
        reference.load_approvals_by_birth(con, root)
    return basic_warehouse


def rows(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Rows as tuples, NaN/NA as None, floats rounded to 9 places (hand-computed fractions)."""
    out = []
    for rec in df[columns].astype(object).itertuples(index=False):
        out.append(tuple(None if pd.isna(v) else round(v, 9) if isinstance(v, float) else v for v in rec))
    return out


def test_applications_by_citizenship_top_n_and_all_others(small_reference):
    df = metrics.applications_by_citizenship(Filters(P), top_n=2)
    assert rows(df, ["rank", "citizenship", "countries", "principal", "family", "principal_share", "family_share"]) == [
        (1, "IND", 1, 4, 2, round(4 / 7, 9), 1.0),
        (2, "CHN", 1, 2, 0, round(2 / 7, 9), 0.0),
        (3, None, 1, 1, 0, round(1 / 7, 9), 0.0),
    ]


def test_applications_by_citizenship_honours_as_of_and_roles(small_reference):
    as_of = datetime(2023, 7, 16, 10, 0, tzinfo=TZ)  # P1, P2 (IND), P3 (CHN) and F1 (IND) by then
    df = metrics.applications_by_citizenship(Filters(P, as_of=as_of), top_n=10)
    assert rows(df, ["citizenship", "principal", "family", "principal_share", "family_share"]) == [
        ("IND", 2, 1, round(2 / 3, 9), 1.0), ("CHN", 1, 0, round(1 / 3, 9), 0.0)]
    family = metrics.applications_by_citizenship(Filters(P, roles=("spouse", "dependant")), top_n=10)
    assert rows(family, ["citizenship", "principal", "family", "principal_share", "family_share"]) == [
        ("IND", 0, 2, None, 1.0)]


def test_the_country_filter_picks_rows_but_shares_stay_of_all_countries(small_reference):
    df = metrics.applications_by_citizenship(Filters(P, countries=("KOR",)), top_n=10)
    assert rows(df, ["citizenship", "principal", "principal_share"]) == [("KOR", 1, round(1 / 7, 9))]


def test_representation_against_2023_h1b_visas(small_reference):
    df = metrics.h1b_representation(Filters(P), year=2023, top_n=3)
    assert rows(df, ["rank", "citizenship", "countries", "applications", "applicant_share", "h1b_issuances",
                     "h1b_share", "ratio", "per_1000", "uscis_share", "uscis_approved"]) == [
        (1, "IND", 1, 4, round(4 / 7, 9), 700, 0.7, round(4 / 7 / 0.7, 9), round(4000 / 700, 9), 0.723, 279386),
        (2, "CHN", 1, 2, round(2 / 7, 9), 200, 0.2, round(10 / 7, 9), 10.0, 0.117, None),
        (3, "KOR", 1, 1, round(1 / 7, 9), 50, 0.05, round(20 / 7, 9), 20.0, None, None),
        (4, None, 2, 0, 0.0, 50, 0.05, 0.0, 0.0, None, None),  # Canada 40 and Côte d'Ivoire 4 + 6
    ]


def test_representation_in_another_year_with_a_country_filter(small_reference):
    df = metrics.h1b_representation(Filters(P, countries=("CHN", "IND")), year=2022, top_n=10)
    # 2022: India 999 H-1B visas, China none (so no ratio); USCIS FY2022 published India only.
    assert rows(df, ["citizenship", "applications", "applicant_share", "h1b_issuances", "h1b_share", "ratio",
                     "per_1000", "uscis_share"]) == [
        ("IND", 4, round(4 / 7, 9), 999, 1.0, round(4 / 7, 9), round(4000 / 999, 9), 0.726),
        ("CHN", 2, round(2 / 7, 9), 0, 0.0, None, None, None),
    ]


def test_countries_without_applicants_rank_by_h1b_visas(small_reference):
    df = metrics.h1b_representation(Filters(P, countries=("CAN", "CIV", "KOR")), year=2023, top_n=10)
    assert rows(df, ["citizenship", "applications", "h1b_issuances", "ratio", "per_1000"]) == [
        ("KOR", 1, 50, round(20 / 7, 9), 20.0), ("CAN", 0, 40, 0.0, 0.0), ("CIV", 0, 10, 0.0, 0.0)]


def test_issuance_years_say_how_many_months_were_published(small_reference):
    df = metrics.h1b_issuance_years()
    assert rows(df, ["year", "months", "h1b"]) == [(2022, 2, 1001), (2023, 9, 1008)]


def test_spellings_that_name_no_country_are_listed(small_reference):
    df = metrics.reference_unmatched_nationalities(year=2023)
    assert rows(df, ["source", "spelling", "non_country", "in_year", "all_years"]) == [
        ("h1b_approvals_by_birth", "Unknown", True, 100, 100),
        ("h1b_issuances", "Unknown", True, 5, 5),
        ("h1b_issuances", "Atlantis", False, 3, 3),
        ("h1b_issuances", "*Non-Nationality Based Issuances", True, 0, 2),
    ]


def test_calendar_2023_h1b_visas_for_india_and_china_equal_the_published_file(shared_reference_warehouse):
    df = metrics.h1b_representation(Filters(P, countries=("CHN", "IND")), year=2023, top_n=10)
    assert dict(zip(df["citizenship"], df["h1b_issuances"], strict=True)) == {"IND": 193384, "CHN": 30133}
    # Shares are of the 258,648 visas of 2023 attributed to a country (258,656 less 8 "non-nationality based").
    assert df["h1b_share"].round(9).tolist() == [round(193384 / 258648, 9), round(30133 / 258648, 9)]


def test_the_uscis_approvals_are_stored_as_published(shared_reference_warehouse):
    published = pd.read_csv(ROOT / "data" / "reference" / reference.APPROVALS_BY_BIRTH.file,
                            dtype={"approved_petitions": "Int64", "year_total_approved": "Int64"})
    stored = support_query("_test_approvals_by_birth", {})
    columns = list(published.columns)
    key = ["fiscal_year", "country_of_birth", "petition_scope"]
    expect = published.sort_values(key).reset_index(drop=True)
    assert rows(stored, columns) == rows(expect, columns)
    assert set(stored["iso3"]) == {"IND", "CHN", "CAN", "NGA"} and not stored["non_country"].any()
    fy2024 = metrics.h1b_representation(Filters(P, countries=("CHN", "IND")), year=2024, top_n=10)
    assert rows(fy2024, ["citizenship", "uscis_share", "uscis_approved"]) == [("IND", 0.71, 283755),
                                                                             ("CHN", 0.117, 46680)]
