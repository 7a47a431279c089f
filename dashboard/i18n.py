"""English and French: gettext catalogues (dashboard/locale/fr/LC_MESSAGES/*.po) and Babel formatting.

Every word the dashboard shows goes through `t("English text")`; the English text is the msgid.
Catalogues may be split into several .po files (one per area), merged at load time.
"""

from __future__ import annotations

import contextvars
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGS = ("en", "fr")
BABEL_LOCALE = {"en": "en_CA", "fr": "fr_CA"}
_lang: contextvars.ContextVar[str] = contextvars.ContextVar("lang", default="en")


def set_language(lang: str) -> None:
    _lang.set(lang if lang in LANGS else "en")


def language() -> str:
    return _lang.get()


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> translation for `lang` (empty for English: the msgid is the English text)."""
    out: dict[str, str] = {}
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")) if folder.exists() else []:
        with po.open("rb") as fh:
            for msg in read_po(fh, locale=BABEL_LOCALE.get(lang, lang)):
                if msg.id and msg.string:
                    out[str(msg.id)] = str(msg.string)
    return out


def t(msgid: str, lang: str | None = None) -> str:
    """The text in the current (or given) language; English when a translation is missing."""
    lang = lang or language()
    if lang == "en":
        return msgid
    return catalogue(lang).get(msgid, msgid)


def N_(msgid: str) -> str:
    """Mark a string for translation where it is defined; translate it with t() where it is shown."""
    return msgid


def locale(lang: str | None = None) -> Locale:
    return Locale.parse(BABEL_LOCALE[lang or language()])


def fmt_int(n: float | int | None, lang: str | None = None) -> str:
    if n is None:
        return "—"
    return numbers.format_decimal(round(n), locale=BABEL_LOCALE[lang or language()])


def fmt_num(x: float | None, digits: int = 1, lang: str | None = None) -> str:
    if x is None:
        return "—"
    return numbers.format_decimal(x, format=f"#,##0.{'0' * digits}", locale=BABEL_LOCALE[lang or language()])


def fmt_pct(x: float | None, digits: int = 1, lang: str | None = None) -> str:
    """x is a fraction (0.42 -> 42.0 %)."""
    if x is None:
        return "—"
    lang = lang or language()
    sign = "\u00a0%" if lang == "fr" else "%"
    pattern = (f"#,##0.{'0' * digits}" if digits else "#,##0") + sign
    return numbers.format_percent(x, format=pattern, locale=BABEL_LOCALE[lang])


_PATTERNS = {
    "en": {"datetime": "EEE d MMM y, HH:mm", "date": "EEE d MMM y", "time": "HH:mm", "long": "EEEE d MMMM"},
    "fr": {"datetime": "EEE d MMM y, HH 'h' mm", "date": "EEE d MMM y", "time": "HH 'h' mm", "long": "EEEE d MMMM"},
}


def fmt_datetime(dt: datetime | None, tz: str, lang: str | None = None, kind: str = "datetime",
                 zone: bool = True) -> str:
    """A moment in the program's zone, with the zone's abbreviation (EDT, HAE) unless zone=False."""
    if dt is None:
        return "—"
    lang = lang or language()
    local = dt.astimezone(ZoneInfo(tz))
    text = dates.format_datetime(local, _PATTERNS[lang][kind], tzinfo=ZoneInfo(tz), locale=BABEL_LOCALE[lang])
    if zone and kind in ("datetime", "time"):
        text += " " + zone_abbr(local, tz, lang)
    return text


def zone_abbr(local: datetime, tz: str, lang: str | None = None) -> str:
    return dates.format_datetime(local, "zzz", tzinfo=ZoneInfo(tz), locale=BABEL_LOCALE[lang or language()])


def zone_name(tz: str, lang: str | None = None) -> str:
    """The zone as people say it, e.g. 'Eastern Time' / 'heure de l'Est'."""
    return dates.get_timezone_name(ZoneInfo(tz), width="long", locale=BABEL_LOCALE[lang or language()],
                                   zone_variant="generic")


def fmt_duration(td: timedelta | None, lang: str | None = None) -> str:
    """'1 d 8 h 47 min' style, the same symbols in both languages (SI/CLDR units)."""
    if td is None:
        return "—"
    minutes = int(td.total_seconds() // 60)
    d, rem = divmod(minutes, 24 * 60)
    h, m = divmod(rem, 60)
    jour = t("d", lang)
    parts = ([f"{fmt_int(d, lang)} {jour}"] if d else []) + ([f"{h} h"] if h or d else []) + [f"{m} min"]
    return " ".join(parts)
