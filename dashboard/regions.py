"""Canadian provinces and territories, US states: their codes and their names in English and French.

No streamlit. The codes are those of the export format (data/README.md): two-letter postal codes.
"""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

UNKNOWN = "unknown"  # the row of applications that gave no province or state

# The official names in both languages (pycountry's French misses the hyphens of two of them).
PROVINCES: dict[str, tuple[str, str]] = {
    "AB": ("Alberta", "Alberta"),
    "BC": ("British Columbia", "Colombie-Britannique"),
    "MB": ("Manitoba", "Manitoba"),
    "NB": ("New Brunswick", "Nouveau-Brunswick"),
    "NL": ("Newfoundland and Labrador", "Terre-Neuve-et-Labrador"),
    "NS": ("Nova Scotia", "Nouvelle-Écosse"),
    "NT": ("Northwest Territories", "Territoires du Nord-Ouest"),
    "NU": ("Nunavut", "Nunavut"),
    "ON": ("Ontario", "Ontario"),
    "PE": ("Prince Edward Island", "Île-du-Prince-Édouard"),
    "QC": ("Quebec", "Québec"),
    "SK": ("Saskatchewan", "Saskatchewan"),
    "YT": ("Yukon", "Yukon"),
}


@cache
def _us_subdivisions() -> dict[str, tuple[str, str]]:
    fr = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    return {s.code.split("-")[1]: (s.name, fr.gettext(s.name)) for s in pycountry.subdivisions.get(country_code="US")}


def us_states() -> tuple[str, ...]:
    """The 50 states and the District of Columbia (what the US map draws), by code."""
    return tuple(sorted(c for c, s in _us_subdivisions().items()
                        if pycountry.subdivisions.get(code=f"US-{c}").type in ("State", "District")))


def province_name(code: str, lang: str) -> str:
    """A province's or territory's name; the code itself when it names none."""
    names = PROVINCES.get(code)
    return names[lang == "fr"] if names else code


def us_state_name(code: str, lang: str) -> str:
    """A US state's (or territory's) name; the code itself when it names none."""
    names = _us_subdivisions().get(code)
    return names[lang == "fr"] if names else code
