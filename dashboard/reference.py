"""Real public H-1B statistics, loaded into the warehouse by the build step (data/reference/SOURCES.md).

Every published number is stored as published; normalisation only adds columns (an ISO code beside
the printed nationality). Each table's provenance is a row of `ref_sources`.
"""

from __future__ import annotations

from pathlib import Path

from dashboard import warehouse
from dashboard.country_codes import is_known_non_country, to_iso3
from dashboard.programs import DATA_DIR

REFERENCE_DIR = DATA_DIR / "reference"

# table -> (file, publisher, period, caveat)
SOURCES: dict[str, tuple[str, str, str, str]] = {
    "h1b_issuances": (
        "dos_niv_issuances_h1b_h4_by_nationality_monthly_2017_2025.csv",
        "US Department of State, Bureau of Consular Affairs",
        "2017-03 to 2025-05 (2019-05 missing)",
        "Visas issued at consulates abroad, by nationality: not petitions, and holders who change status "
        "inside the US never get one, so they undercount the H-1B population.",
    ),
}


def load(con, root: Path = REFERENCE_DIR) -> None:
    """(Re)create the reference tables in the snapshot being written."""
    import pandas as pd

    issuances = pd.read_csv(root / SOURCES["h1b_issuances"][0], dtype={"issuances": "int64"})
    names = issuances["nationality_std"].drop_duplicates()
    codes = {n: to_iso3(n) for n in names}
    issuances["iso3"] = issuances["nationality_std"].map(codes)
    issuances["non_country"] = issuances["nationality_std"].map(lambda n: codes[n] is None and is_known_non_country(n))
    con.register("issuances_df", issuances)
    sources = pd.DataFrame([(t, *v) for t, v in SOURCES.items()],
                           columns=["table_name", "file", "publisher", "period", "caveat"])
    con.register("sources_df", sources)
    warehouse.run_script(con, "_load_reference")
    con.unregister("issuances_df")
    con.unregister("sources_df")
