"""English and French: gettext catalogues (dashboard/locale/fr/LC_MESSAGES/*.po) and Babel formatting.

Every word the dashboard shows goes through `t("English text")`; the English text is the msgid.
One catalogue per area (core, pages, extracts, ingest, forecast), merged at load time; `make i18n`
keeps them in step with the code through Babel's own extract and update (babel.cfg).
"""

from __future__ import annotations

import contextvars
import re
from datetime import date, datetime, timedelta
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
    """msgid -> translation for `lang` (empty for English: the msgid is the English text).
    A message with plural forms is listed under its singular msgid with its first form; tn() uses all."""
    out: dict[str, str] = {s: forms[0] for s, forms in _plurals(lang).items()}
    for msg in _messages(lang):
        if isinstance(msg.id, str) and msg.string:
            out[msg.id] = str(msg.string)
    return out


@cache
def _plurals(lang: str) -> dict[str, tuple[str, ...]]:
    """singular msgid -> the translation's plural forms, in the catalogue's order (French: one, other)."""
    return {msg.id[0]: tuple(msg.string) for msg in _messages(lang)
            if isinstance(msg.id, (tuple, list)) and all(msg.string)}


def _messages(lang: str) -> list:
    found = []
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")) if folder.exists() else []:
        with po.open("rb") as fh:
            # a fuzzy guess is not a translation
            found += [msg for msg in read_po(fh, locale=BABEL_LOCALE.get(lang, lang)) if msg.id and not msg.fuzzy]
    return found


def t(msgid: str, lang: str | None = None) -> str:
    """The text in the current (or given) language; English when a translation is missing."""
    lang = lang or language()
    if lang == "en":
        return msgid
    return catalogue(lang).get(msgid, msgid)


def tn(singular: str, plural: str, n: float | int | None, lang: str | None = None) -> str:
    """The text for a count `n` in the current (or given) language, in the grammatical number the count
    takes there: English "1 application" but "0 applications", French "0 demande" and "1,5 heure" (CLDR's
    rules through Babel, so decimals too). Give the English singular and plural; the catalogue holds the
    translation's forms (msgid_plural / msgstr[N], `make i18n` extracts them). English when untranslated."""
    lang = lang or language()
    try:
        n = float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # None, pd.NA: a count not shown (publication mode's "`--` applications")
        n = 2.0
    if n != n:  # NaN, the same
        n = 2.0
    forms = _plurals(lang).get(singular) if lang != "en" else None
    if not forms:
        lang, forms = "en", (singular, plural)
    # two forms in both languages (gettext's nplurals=2): CLDR's "one", and the rest ("other", French "many")
    return forms[0] if locale(lang).plural_form(abs(n)) == "one" else forms[-1]


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


def fmt_day(day: date, lang: str | None = None) -> str:
    """A calendar date without a time (a statistic's reference date): '1 October 2019', '1 octobre 2019'."""
    return dates.format_date(day, "d MMMM y", locale=BABEL_LOCALE[lang or language()])


def zone_abbr(local: datetime, tz: str, lang: str | None = None) -> str:
    return dates.format_datetime(local, "zzz", tzinfo=ZoneInfo(tz), locale=BABEL_LOCALE[lang or language()])


def _seasons(tz: str) -> tuple[datetime, datetime]:
    """Mid-July and mid-January of this year in the zone: the summer and winter offsets where it has two."""
    zone, year = ZoneInfo(tz), datetime.now().year
    return datetime(year, 7, 15, 12, tzinfo=zone), datetime(year, 1, 15, 12, tzinfo=zone)


def zone_name(tz: str, lang: str | None = None) -> str:
    """The zone as people say it, e.g. 'Eastern Time' / 'heure de l'Est' ('Coordinated Universal Time'
    for a zone that never changes its clocks, rather than CLDR's 'Unknown Region')."""
    july, january = _seasons(tz)
    variant = "generic" if july.utcoffset() != january.utcoffset() else "standard"
    return dates.get_timezone_name(ZoneInfo(tz), width="long", locale=BABEL_LOCALE[lang or language()],
                                   zone_variant=variant)


def zone_label(tz: str, lang: str | None = None) -> str:
    """The zone named for people with the abbreviations its times carry (fmt_datetime's), daylight
    saving time first: 'Eastern Time (EDT/EST)', 'heure de l'Est (HAE/HNE)'; never 'America/Toronto'."""
    lang = lang or language()
    abbrs: list[str] = []
    for moment in sorted(_seasons(tz), key=lambda d: d.dst() or timedelta(0), reverse=True):
        if (abbr := zone_abbr(moment, tz, lang)) not in abbrs:
            abbrs.append(abbr)
    return f"{zone_name(tz, lang)} ({'/'.join(abbrs)})"


def zone_choice_label(tz: str, lang: str | None = None) -> str:
    """A zone in a list of zones: zone_label and its city, since zones share names ('Eastern Time (EDT/EST) ·
    Toronto', 'heure de l'Est (HAE/HNE) · New York'); the zone's name alone where it has no city (UTC)."""
    lang = lang or language()
    city = dates.get_timezone_location(ZoneInfo(tz), locale=BABEL_LOCALE[lang], return_city=True)
    return zone_label(tz, lang) + ("" if city in ("UTC", "") else f" · {city}")


def parse_count(text: str) -> int | None:
    """A whole number as people type it: '10000', '10,000', '10 000' (and French's narrow spaces) or
    '10.000'; None when it is not one (a decimal, a sign, a word)."""
    raw = text.strip()
    if re.fullmatch(r"\d+", raw) or re.fullmatch(r"\d{1,3}(?:[ ,.'\u00a0\u202f]\d{3})+", raw):
        return int(re.sub(r"\D", "", raw))
    return None


def fmt_duration(td: timedelta | None, lang: str | None = None, *, coarse: bool = False) -> str:
    """'1 d 8 h 47 min' style, the same symbols in both languages (SI/CLDR units). `coarse`: from a day up,
    days and hours only ('1 d 8 h', whole hours elapsed), for a metric's box, which cuts a longer value."""
    if td is None:
        return "—"
    minutes = int(td.total_seconds() // 60)
    d, rem = divmod(minutes, 24 * 60)
    h, m = divmod(rem, 60)
    jour = t("d", lang)
    parts = ([f"{fmt_int(d, lang)} {jour}"] if d else []) + ([f"{h} h"] if h or d else []) + [f"{m} min"]
    return " ".join(parts[:2] if coarse and d else parts)


# --- plotly.js in the chosen language --------------------------------------------------------------
# Streamlit 1.67 bundles plotly.js 3.8.2 with only its "en" and "en-US" locales registered, and
# fetching plotly's locale-fr.js from a CDN is out (no network from the page). plotly.js also reads
# locales given inline in the chart's config (`config.locales`), so the locale is built here from
# CLDR through Babel and passed with every chart: month and day names, decimal and group symbols,
# date orders, and the modebar's tooltips (translated in the catalogues like every other string).
PLOTLY_MESSAGES = (
    N_("Download plot as a PNG"), N_("Download plot"), N_("Zoom"), N_("Pan"), N_("Box Select"),
    N_("Lasso Select"), N_("Zoom in"), N_("Zoom out"), N_("Autoscale"), N_("Reset axes"), N_("Reset view"),
    N_("Toggle Spike Lines"), N_("Show closest data on hover"), N_("Compare data on hover"),
    N_("Toggle show closest data on hover"), N_("Double-click to zoom back out"),
)
_D3_FIELDS = {"y": "%Y", "yyyy": "%Y", "MMMM": "%B", "MMM": "%b", "MM": "%m", "M": "%-m", "LLL": "%b",
              "dd": "%d", "d": "%-d", "EEEE": "%A", "EEE": "%a", "HH": "%H", "H": "%-H", "hh": "%I",
              "h": "%-I", "mm": "%M", "ss": "%S", "a": "%p"}


def d3_time_format(pattern: str) -> str:
    """A CLDR date pattern ("d MMM y", "HH 'h' mm") as a d3-time-format string ("%-d %b %Y", "%H h %M")."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":  # quoted literal text; '' is an apostrophe, inside quotes or out
            if pattern.startswith("''", i):
                out.append("'")
                i += 2
                continue
            j, text = i + 1, []
            while j < len(pattern) and (pattern[j] != "'" or pattern.startswith("''", j)):
                text.append(pattern[j])
                j += 2 if pattern.startswith("''", j) else 1
            out.append("".join(text).replace("%", "%%"))
            i = j + 1
        elif ch.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == ch:
                j += 1
            field = pattern[i:j]
            if field not in _D3_FIELDS:
                raise ValueError(f"no d3 equivalent for the CLDR field {field!r} in {pattern!r}")
            out.append(_D3_FIELDS[field])
            i = j
        else:
            out.append("%%" if ch == "%" else ch)
            i += 1
    return "".join(out)


def plotly_locale_code(lang: str | None = None) -> str:
    """The BCP 47 tag of the language ("fr-CA"), used for plotly's locale and the page's lang attribute."""
    return BABEL_LOCALE[lang or language()].replace("_", "-")


def _skeleton(loc: Locale, skeleton: str) -> str:
    return d3_time_format(str(loc.datetime_skeletons[skeleton].pattern))


def plotly_locale(lang: str | None = None) -> dict:
    """A plotly.js locale definition ({"dictionary", "format"}) for `lang`, from CLDR via Babel."""
    return _plotly_locale(lang or language())


@cache
def _plotly_locale(lang: str) -> dict:
    loc = locale(lang)
    code = BABEL_LOCALE[lang]
    sunday_first = (6, 0, 1, 2, 3, 4, 5)  # Babel counts days from Monday, d3 from Sunday
    periods = loc.day_periods["format"]["abbreviated"]
    return {
        "dictionary": {} if lang == "en" else {m: t(m, lang) for m in PLOTLY_MESSAGES},
        "format": {
            "days": [loc.days["format"]["wide"][d] for d in sunday_first],
            "shortDays": [loc.days["format"]["abbreviated"][d] for d in sunday_first],
            "months": [loc.months["format"]["wide"][m] for m in range(1, 13)],
            "shortMonths": [loc.months["format"]["abbreviated"][m] for m in range(1, 13)],
            "periods": [periods["am"], periods["pm"]],
            "decimal": numbers.get_decimal_symbol(code),
            "thousands": numbers.get_group_symbol(code),
            "grouping": [3],
            "currency": ["$", ""] if lang == "en" else ["", "\u00a0$"],
            "date": d3_time_format(str(loc.date_formats["short"].pattern)),
            "time": d3_time_format(_PATTERNS[lang]["time"]),
            "dateTime": d3_time_format(str(loc.date_formats["short"].pattern)) + " "
            + d3_time_format(_PATTERNS[lang]["time"]),
            "year": "%Y",
            "month": _skeleton(loc, "yMMM"),
            "dayMonth": _skeleton(loc, "MMMd"),
            "dayMonthYear": _skeleton(loc, "yMMMd"),
        },
    }


def plotly_separators(lang: str | None = None) -> str:
    """plotly's layout.separators: the decimal then the group symbol of the language (".," / ", ")."""
    code = BABEL_LOCALE[lang or language()]
    return numbers.get_decimal_symbol(code) + numbers.get_group_symbol(code)


def date_tickformatstops(lang: str | None = None) -> list[dict]:
    """Tick formats for date axes, by zoom level, in the language's own time style.

    plotly.js writes times of day as "14:05" whatever the locale; French (Canada) writes "14 h 05",
    so French date axes get explicit formats. The part after the newline is shown under the first
    tick of each day (plotly's own "date header" behaviour). English keeps plotly's defaults.
    """
    lang = lang or language()
    if lang == "en":
        return []
    loc = locale(lang)
    time_fmt = d3_time_format(_PATTERNS[lang]["time"])
    day_year = _skeleton(loc, "yMMMd")
    return [
        {"dtickrange": [None, 1000], "value": f"{time_fmt} min %S s\n{day_year}"},
        {"dtickrange": [1000, 86_400_000], "value": f"{time_fmt}\n{day_year}"},
        {"dtickrange": [86_400_000, "M1"], "value": _skeleton(loc, "MMMd") + "\n%Y"},
        {"dtickrange": ["M1", "M12"], "value": "%b\n%Y"},
        {"dtickrange": ["M12", None], "value": "%Y"},
    ]


def date_hoverformat(lang: str | None = None) -> str:
    """The hover label of a point on a date axis: the day and the time, in the language's style."""
    lang = lang or language()
    return d3_time_format(_PATTERNS[lang]["datetime"])
