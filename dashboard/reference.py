"""Real public H-1B statistics, loaded into the warehouse by the build step (data/reference/SOURCES.md).

Every published number is stored as published; normalisation only adds columns (an ISO code beside
the printed nationality). Each table's provenance is a row of `ref_sources`. One loader per table,
listed in LOADERS; each takes the writer's connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dashboard import warehouse
from dashboard.country_codes import is_known_non_country, to_iso3
from dashboard.programs import DATA_DIR

REFERENCE_DIR = DATA_DIR / "reference"


@dataclass(frozen=True)
class Source:
    table: str
    file: str
    publisher: str
    period: str
    caveat: str


def _with_iso3(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Add iso3 (None when unmatched) and non_country (unmatched on purpose: regions, 'Unknown')."""
    codes = {n: to_iso3(n) for n in df[column].drop_duplicates()}
    return df.assign(iso3=df[column].map(codes),
                     non_country=df[column].map(lambda n: codes[n] is None and is_known_non_country(n)))


ISSUANCES = Source(
    "h1b_issuances", "dos_niv_issuances_h1b_h4_by_nationality_monthly_2017_2025.csv",
    "US Department of State, Bureau of Consular Affairs", "2017-03 to 2025-05 (2019-05 missing)",
    "Visas issued at consulates abroad, by nationality: not petitions, and holders who change status inside "
    "the US never get one, so they undercount the H-1B population.",
)


def load_issuances(con, root: Path) -> Source:
    df = _with_iso3(pd.read_csv(root / ISSUANCES.file, dtype={"issuances": "int64"}), "nationality_std")
    con.register("issuances_df", df)
    warehouse.run_script(con, "_load_h1b_issuances")
    con.unregister("issuances_df")
    return ISSUANCES


LOADERS: list[Callable[..., Source]] = [load_issuances]


def load(con, root: Path = REFERENCE_DIR) -> None:
    """(Re)create every reference table, and ref_sources, in the snapshot being written."""
    sources = [loader(con, root) for loader in LOADERS]
    con.register("sources_df", pd.DataFrame([vars(s) for s in sources]))
    warehouse.run_script(con, "_load_ref_sources")
    con.unregister("sources_df")


APPROVALS_BY_BIRTH = Source(
    "h1b_approvals_by_birth", "uscis_h1b_approvals_by_country_of_birth_compiled.csv",
    "USCIS, Characteristics of H-1B Specialty Occupation Workers (compiled from secondary sources)",
    "FY2015, FY2020 to FY2025 (a few countries a year)",
    "Approved petitions, not people (about two-thirds continuing employment), by country of birth, not "
    "citizenship; the full country table was not found, so only the countries published here are known.",
)


def load_approvals_by_birth(con, root: Path) -> Source:
    df = pd.read_csv(root / APPROVALS_BY_BIRTH.file,
                     dtype={"approved_petitions": "Int64", "year_total_approved": "Int64", "share_pct": "float64"})
    con.register("approvals_df", _with_iso3(df, "country_of_birth"))
    warehouse.run_script(con, "_load_h1b_approvals_by_birth")
    con.unregister("approvals_df")
    return APPROVALS_BY_BIRTH


LOADERS.append(load_approvals_by_birth)
