"""The one place for country names and codes: ISO 3166-1 from pycountry, names from CLDR (Babel).

Ingest, the country page and the H-1B statistics all normalise through `to_iso3`. Official US
statistics spell some countries their own way; ALIASES maps those spellings (lower-cased) to
ISO 3166-1 alpha-3 codes. Spellings that name no single country (regions, "Unknown") are in
NOT_COUNTRIES and are reported, never silently dropped.
"""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale

from dashboard.i18n import N_

# Spellings used by the State Department (monthly NIV issuances) and USCIS that pycountry does not
# resolve, or resolves only by a fuzzy guess. Keys are lower-case.
ALIASES: dict[str, str] = {
    "bahamas, the": "BHS",
    "bosnia-herzegovina": "BIH",
    "british national overseas (hong kong) passport": "HKG",
    "brunei": "BRN",
    "burma": "MMR",
    "china - mainland": "CHN",
    "china-mainland": "CHN",
    "china - taiwan": "TWN",
    "china-taiwan": "TWN",
    "china, people's republic of": "CHN",
    "congo, democratic republic of the": "COD",
    "democratic republic of the congo": "COD",
    "congo, republic of the": "COG",
    "cote d'ivoire": "CIV",
    "gambia, the": "GMB",
    "great britain & northern ireland": "GBR",
    "great britain and northern ireland": "GBR",
    "united kingdom": "GBR",
    "hong kong s.a.r.": "HKG",
    "hong kong s. a. r.": "HKG",
    "korea, south": "KOR",
    "south korea": "KOR",
    "korea, north": "PRK",
    "kosovo": "XKX",
    "macau s. a. r.": "MAC",
    "macau s.a.r.": "MAC",
    "macedonia": "MKD",
    "palestinian authority travel document": "PSE",
    "russia": "RUS",
    "st lucia": "LCA",
    "st. kitts and nevis": "KNA",
    "st. vincent and the grenadines": "VCT",
    "swaziland": "SWZ",
    "turkey": "TUR",
    "taiwan": "TWN",
    "vietnam": "VNM",
    "iran": "IRN",
}

# Kosovo has no ISO 3166-1 code; XKX is the user-assigned code the EU and IRCC use, and CLDR names it XK.
EXTRA_CODES: dict[str, tuple[str, str]] = {"XKX": ("XK", "Kosovo")}

# Spellings in official statistics that are not one country, kept visible as unmatched on purpose.
# The values say why, in English; show them with t().
NOT_COUNTRIES: dict[str, str] = {
    "non-nationality based issuances": N_("issuances not attributed to a nationality"),
    "unknown": N_("nationality not recorded"),
    "stateless": N_("no nationality"),
    "all other": N_("aggregate of other countries"),
    "total": N_("total row"),
}


def _clean(value: str) -> str:
    """Footnote asterisks and repeated spaces removed."""
    return " ".join(str(value).replace("*", "").split())


@cache
def to_iso3(value: str) -> str | None:
    """ISO 3166-1 alpha-3 code for a code (alpha-2/alpha-3) or a name; None when nothing matches."""
    text = _clean(value)
    if not text:
        return None
    key = text.lower()
    if key in ALIASES:
        return ALIASES[key]
    if text.upper() in EXTRA_CODES:
        return text.upper()
    if key in NOT_COUNTRIES:
        return None
    try:
        return pycountry.countries.lookup(text).alpha_3
    except LookupError:
        return None


def non_country_reason(value: str) -> str | None:
    """Why a spelling is unmatched on purpose (English, for t()); None when it is not listed."""
    return NOT_COUNTRIES.get(_clean(value).lower())


def is_known_non_country(value: str) -> bool:
    return non_country_reason(value) is not None


@cache
def _alpha2(iso3: str) -> str | None:
    if iso3 in EXTRA_CODES:
        return EXTRA_CODES[iso3][0]
    c = pycountry.countries.get(alpha_3=iso3)
    return c.alpha_2 if c else None


@cache
def country_name(iso3: str | None, lang: str = "en") -> str:
    """The country's short name in the language (CLDR via Babel); the code itself if unknown."""
    if not iso3:
        return "—"
    a2 = _alpha2(iso3)
    if a2:
        name = Locale.parse("fr_CA" if lang == "fr" else "en_CA").territories.get(a2)
        if name:
            return name
    c = pycountry.countries.get(alpha_3=iso3)
    return c.name if c else iso3


def all_iso3() -> list[str]:
    return sorted([c.alpha_3 for c in pycountry.countries] + list(EXTRA_CODES))
