"""Country normalisation: every spelling in the reference statistics maps to an ISO code or is unmatched on purpose."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from dashboard.country_codes import is_known_non_country, non_country_reason, to_iso3

REFERENCE = ROOT / "data" / "reference"
ISSUANCES = REFERENCE / "dos_niv_issuances_h1b_h4_by_nationality_monthly_2017_2025.csv"
APPROVALS = REFERENCE / "uscis_h1b_approvals_by_country_of_birth_compiled.csv"

# The spellings that name no country, each listed on purpose (and shown on the Country of origin page).
UNMATCHED_ON_PURPOSE = {"*Non-Nationality Based Issuances", "Non-Nationality Based Issuances", "Unknown"}


def spellings() -> dict[str, set[str]]:
    issuances = pd.read_csv(ISSUANCES)
    approvals = pd.read_csv(APPROVALS)
    return {
        "issuances nationality": set(issuances["nationality"]),
        "issuances nationality_std": set(issuances["nationality_std"]),
        "approvals country_of_birth": set(approvals["country_of_birth"]),
    }


@pytest.mark.parametrize("column", ["issuances nationality", "issuances nationality_std", "approvals country_of_birth"])
def test_every_reference_spelling_maps_to_a_country_or_is_unmatched_on_purpose(column):
    names = spellings()[column]
    unmatched = {n for n in names if to_iso3(n) is None}
    assert unmatched <= UNMATCHED_ON_PURPOSE
    assert all(is_known_non_country(n) and non_country_reason(n) for n in unmatched)
    assert not any(to_iso3(n) for n in UNMATCHED_ON_PURPOSE)


def test_the_two_columns_of_the_issuance_file_agree_on_every_row():
    df = pd.read_csv(ISSUANCES)[["nationality", "nationality_std"]].drop_duplicates()
    disagree = [(a, b) for a, b in zip(df["nationality"], df["nationality_std"], strict=True) if to_iso3(a) != to_iso3(b)]
    assert disagree == []


@pytest.mark.parametrize(("spelling", "iso3"), [
    ("China - mainland", "CHN"), ("China-mainland", "CHN"), ("China", "CHN"), ("China - Taiwan", "TWN"),
    ("China-Taiwan", "TWN"), ("Taiwan", "TWN"), ("Hong Kong S. A. R.", "HKG"), ("Hong Kong S.A.R.", "HKG"),
    ("British National Overseas (Hong Kong) Passport", "HKG"), ("Macau S. A. R.", "MAC"), ("Korea, South", "KOR"),
    ("Great Britain and Northern Ireland", "GBR"), ("Great Britain & Northern Ireland", "GBR"), ("Burma", "MMR"),
    ("Congo, Republic of the", "COG"), ("Congo, Democratic Republic of the", "COD"), ("Niger", "NER"),
    ("Nigeria", "NGA"), ("Cote D'Ivoire", "CIV"), ("St. Kitts And Nevis", "KNA"), ("Kosovo", "XKX"),
    ("India", "IND"), ("Canada", "CAN"), ("Georgia", "GEO"),
])
def test_official_spellings_map_to_the_right_country(spelling, iso3):
    assert to_iso3(spelling) == iso3


def test_a_new_unknown_spelling_is_not_passed_off_as_on_purpose():
    assert to_iso3("Atlantis") is None
    assert not is_known_non_country("Atlantis")
    assert non_country_reason("*Unknown") == "nationality not recorded"
