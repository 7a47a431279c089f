"""Real public H-1B statistics, loaded into the warehouse by the build step (data/reference/SOURCES.md).

Every published number is stored as published; normalisation only adds columns (an ISO code beside
the printed nationality). Each file's provenance is a row of `ref_sources`. One loader per table,
listed in LOADERS; each takes the writer's connection and returns the Source of every file it loaded.
Source texts are marked N_() so the page shows them translated (t(text) where shown). Titles of publications,
data sets and statutes are set in Markdown italics (*H-1B Employer Data Hub*), in both languages: they are
proper names, cited as published (charts.markdown_italics draws them in figures).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pycountry

from dashboard import warehouse
from dashboard.country_codes import is_known_non_country, to_iso3
from dashboard.i18n import N_
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
    N_("US Department of State, Bureau of Consular Affairs"), N_("2017-03 to 2025-05 (2019-05 missing)"),
    N_("Visas issued at consulates abroad, by nationality: not petitions, and holders who change status inside "
       "the US never get one, so they undercount the H-1B population."),
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
    sources = [s for loader in LOADERS for s in _as_list(loader(con, root))]
    con.register("sources_df", pd.DataFrame([vars(s) for s in sources]))
    warehouse.run_script(con, "_load_ref_sources")
    con.unregister("sources_df")


APPROVALS_BY_BIRTH = Source(
    "h1b_approvals_by_birth", "uscis_h1b_approvals_by_country_of_birth_compiled.csv",
    N_("USCIS, *Characteristics of H-1B Specialty Occupation Workers* (compiled from secondary sources)"),
    N_("FY2015, FY2020 to FY2025 (a few countries a year)"),
    N_("Approved petitions, not people (about two-thirds continuing employment), by country of birth, not "
       "citizenship; the full country table was not found, so only the countries published here are known."),
)


def load_approvals_by_birth(con, root: Path) -> Source:
    df = pd.read_csv(root / APPROVALS_BY_BIRTH.file,
                     dtype={"approved_petitions": "Int64", "year_total_approved": "Int64", "share_pct": "float64"})
    con.register("approvals_df", _with_iso3(df, "country_of_birth"))
    warehouse.run_script(con, "_load_h1b_approvals_by_birth")
    con.unregister("approvals_df")
    return APPROVALS_BY_BIRTH


LOADERS.append(load_approvals_by_birth)
# ---------------------------------------------------------------- issue 6: the US H-1B side


def _as_list(result: Source | list[Source]) -> list[Source]:
    return result if isinstance(result, list) else [result]


def _run_over(con, script: str, params: dict, **frames: pd.DataFrame) -> None:
    """Run queries/<script>.sql with `params` bound and each frame registered under its keyword's name.

    The larger files are read by DuckDB's own CSV reader (read_csv($file), a bound path): on the
    Employer Data Hub files that is several times faster than pandas, and it keeps every column as
    the published text until the SQL casts it.
    """
    for name, df in frames.items():
        con.register(name, df)
    try:
        warehouse.run_script(con, script, params)
    finally:
        for name in frames:
            con.unregister(name)


# USPS codes the USCIS files use beyond ISO 3166-2:US (the Armed Forces post offices).
MILITARY_POST = {"AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific"}
MILITARY_KIND = "Military post office"


def us_states() -> pd.DataFrame:
    """code, name, kind for the 50 states, DC, the territories and the military post codes."""
    rows = [(s.code.split("-")[1], s.name, s.type) for s in pycountry.subdivisions.get(country_code="US")]
    rows += [(code, name, MILITARY_KIND) for code, name in MILITARY_POST.items()]
    return pd.DataFrame(rows, columns=["code", "name", "kind"])


HUB_PUBLISHER = N_("US Citizenship and Immigration Services (USCIS), *H-1B Employer Data Hub*")
HUB_CAVEAT = N_("Petitions approved and denied by employer, state, city and ZIP (an employer can have several rows); "
                "no country of birth; blank or Excel-damaged employer names (#NAME?) are kept and flagged.")
# (fiscal year, partial release, provenance) of each hub file: one table, one ref_sources row per file.
EMPLOYER_HUB: list[tuple[int, bool, Source]] = [
    (2021, False, Source("h1b_employers", "uscis_h1b_employer_data_hub_fy2021.csv", HUB_PUBLISHER,
                         N_("FY2021 (October 2020 to September 2021), by date of decision"), HUB_CAVEAT)),
    (2022, False, Source("h1b_employers", "uscis_h1b_employer_data_hub_fy2022.csv", HUB_PUBLISHER,
                         N_("FY2022 (October 2021 to September 2022), by date of decision"), HUB_CAVEAT)),
    (2023, True, Source("h1b_employers", "uscis_h1b_employer_data_hub_fy2023_partial.csv", HUB_PUBLISHER,
                        N_("FY2023, partial release (an early, incomplete release of the year)"),
                        N_("PARTIAL: an early release with 38,315 initial and 138,635 continuing approvals, far "
                           "below a full year; do not use it as a full-year figure. No country of birth."))),
]


def load_employers(con, root: Path) -> list[Source]:
    _run_over(con, "_load_h1b_employers", {
        "files": [str(root / src.file) for _, _, src in EMPLOYER_HUB],
        "partial_files": [src.file for _, partial, src in EMPLOYER_HUB if partial],
    }, us_states_df=us_states())
    return [src for _, _, src in EMPLOYER_HUB]


STATE_SUMMARY = Source(
    "h1b_state_summary", "uscis_h1b_employer_data_hub_summary_by_fy_state.csv",
    N_("USCIS, *H-1B Employer Data Hub*, summed by fiscal year and state for this project"),
    N_("FY2014 to FY2016 and FY2019 to FY2023 (FY2017 and FY2018 missing; FY2023 partial)"),
    N_("A plain sum of the hub files by employer state, not where people work or live; FY2023 is an early, "
       "partial release."),
)
PARTIAL_FISCAL_YEARS = [year for year, partial, _ in EMPLOYER_HUB if partial]


def load_state_summary(con, root: Path) -> Source:
    _run_over(con, "_load_h1b_state_summary", {"file": str(root / STATE_SUMMARY.file),
                                                "partial_years": PARTIAL_FISCAL_YEARS}, us_states_df=us_states())
    return STATE_SUMMARY


CAP_LOTTERY = Source(
    "h1b_cap_lottery", "h1b_cap_registrations_and_lottery.csv",
    N_("USCIS: registration data released under FOIA (TRK 13139, via Bloomberg) and USCIS announcements as "
       "reported"),
    N_("Cap years FY2021 to FY2024 (lotteries of March 2020 to March 2023)"),
    N_("Registrations are the FOIA counts, which differ from the totals USCIS announced (FY2024: 758,994 "
       "against 780,884); selections are those announced after the March lottery (none in the file for "
       "FY2021 and FY2022)."),
)


LCA_SAMPLE = Source(
    "h1b_lca_sample", "dol_lca_disclosure_fy2020q2_random_sample_10000.csv",
    N_("US Department of Labor, Office of Foreign Labor Certification, LCA disclosure data"),
    N_("Decisions of FY2020 Q2 (January to March 2020), a random sample of 10,000"),
    N_("A labour condition application is not a petition or a visa; the sample has no job title, worksite "
       "state or country of birth; wages are in mixed units (annual equivalents added beside them)."),
)


POOL = Source(
    "h1b_pool_facts", "us_h1b_pool_and_cap_compiled.csv",
    N_("USCIS, *H-1B Authorized-to-Work Population Estimate* (June 2020), and the H-1B cap in the *Immigration "
       "and Nationality Act*, section 214(g), compiled"),
    N_("Population on 30 September 2019; cap per fiscal year"),
    N_("The population is an estimate for one date and may overstate it (departures are not removed); the "
       "85,000 cap limits new H-1B workers a year, not extensions or cap-exempt employers."),
)


def _one_file(source: Source) -> Callable[..., Source]:
    """The loader of a table read from one file by queries/_load_<table>.sql, which names it $file."""
    def loader(con, root: Path) -> Source:
        _run_over(con, f"_load_{source.table}", {"file": str(root / source.file)})
        return source

    loader.__name__ = f"load_{source.table}"
    return loader


LOADERS += [load_employers, load_state_summary, _one_file(CAP_LOTTERY), _one_file(LCA_SAMPLE), _one_file(POOL)]


INTAKE_OUTCOMES = Source(
    "canada_intake_outcomes", "canada_capped_intakes_and_outcomes_compiled.csv",
    N_("Niskanen Center (niskanencenter.org/?p=16107), from IRCC data it obtained; other capped intakes as "
       "reported (compiled)"),
    N_("The 2023 H-1B open work permit's first year (July 2023 to July 2024); other intakes 2019 to 2025"),
    N_("A think tank's reading of IRCC data that IRCC has not published: 1,205 H-1B workers (principal "
       "applicants) arrived in the first year, about 12 % of applicants, about half of them in 2023."),
)
LOADERS.append(_one_file(INTAKE_OUTCOMES))
FIRST_YEAR_ARRIVALS = "first_year_arrivals_h1b_workers"


def published_figure(program, measure: str, root: Path = REFERENCE_DIR) -> int | None:
    """A published figure about a program (data/reference, INTAKE_OUTCOMES), matched by its cap and its
    opening day (no program is named in code); None when none is published."""
    df = pd.read_csv(root / INTAKE_OUTCOMES.file, dtype=str)
    hit = df[(df["measure"] == measure) & (pd.to_numeric(df["cap"], errors="coerce") == program.cap)
             & (df["opened_local"] == program.opens_at.date().isoformat())]
    return int(hit["value"].iloc[0]) if len(hit) else None
