"""The time-to-cap forecast in words, in the user's language: pure functions, no streamlit.

"Cap expected Monday 17 July between 14:00 and 19:00 ET, most likely around 16:30." The bounds of a
range are rounded outwards to a step that suits its width, so a range of hours does not pretend to
the minute and one of weeks names days.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel import dates

from dashboard.forecast import CapProjection
from dashboard.i18n import BABEL_LOCALE, fmt_datetime, fmt_duration, fmt_num, fmt_pct, language, t, zone_abbr


def zone_short(tz: str, when: datetime | None = None, lang: str | None = None) -> str:
    """The zone as people write it after a time: 'ET' / 'HE'; the abbreviation (EDT) where the
    language has no short generic name for it."""
    lang = lang or language()
    name = dates.get_timezone_name(ZoneInfo(tz), width="short", zone_variant="generic", locale=BABEL_LOCALE[lang])
    if name and " " not in name and len(name) <= 5:
        return name
    return zone_abbr((when or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz)), tz, lang)


def _floor(dt: datetime, step: timedelta) -> datetime:
    local_midnight = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    n = math.floor((dt - local_midnight) / step)
    return local_midnight + n * step


def _ceil(dt: datetime, step: timedelta) -> datetime:
    down = _floor(dt, step)
    return down if down == dt else down + step


def _step(width: timedelta) -> timedelta:
    if width >= timedelta(hours=6):
        return timedelta(hours=1)
    if width >= timedelta(hours=1):
        return timedelta(minutes=15)
    return timedelta(minutes=5)


def _day(dt: datetime, tz: str, lang: str) -> str:
    return fmt_datetime(dt, tz, lang, kind="long")


def _time(dt: datetime, tz: str, lang: str) -> str:
    return fmt_datetime(dt, tz, lang, kind="time", zone=False)


def _day_time(dt: datetime, tz: str, lang: str) -> str:
    return t("{day}, {time}", lang).format(day=_day(dt, tz, lang), time=_time(dt, tz, lang))


def range_sentence(p: CapProjection, tz: str, *, opens_at: datetime, closes_at: datetime | None = None,
                   lang: str | None = None) -> str:
    """One sentence: when the cap was reached, or when it is expected (P10 to P90, and P50)."""
    lang = lang or language()
    zone = ZoneInfo(tz)
    if p.reached_at is not None:
        at = p.reached_at.astimezone(zone)
        return t("The cap was reached {day} at {time} {zone}, {elapsed} after opening.", lang).format(
            day=_day(at, tz, lang), time=_time(at, tz, lang), zone=zone_short(tz, at, lang),
            elapsed=fmt_duration(at - opens_at, lang))
    if p.method == "closed":
        return t("The intake closed {day} without reaching the cap.", lang).format(
            day=_day(closes_at, tz, lang) if closes_at else "—")
    if p.p50 is None and closes_at is None and p.counted:  # no close, and most futures never get there
        return t("At the pace so far, the cap is not expected in the foreseeable future.", lang)
    if p.p50 is None and p.p10 is None:
        if p.probability_by_close is None:
            return t("No application has arrived yet: there is nothing to forecast from.", lang)
        return t("The cap is not expected before the intake closes {day} (chance it is: {chance}).", lang).format(
            day=_day(closes_at, tz, lang), chance=fmt_pct(p.probability_by_close, 0, lang))
    lo = p.p10.astimezone(zone)
    if p.p90 is None:
        return t("Cap expected after {start} {zone}, if at all before the intake closes {day} (chance: {chance}).",
                 lang).format(start=_day_time(lo, tz, lang), zone=zone_short(tz, lo, lang),
                              day=_day(closes_at, tz, lang), chance=fmt_pct(p.probability_by_close, 0, lang))
    hi, mid = p.p90.astimezone(zone), p.p50.astimezone(zone)
    width = hi - lo
    if width >= timedelta(days=3):
        return t("Cap expected between {start} and {end}, most likely around {middle}.", lang).format(
            start=_day(lo, tz, lang), end=_day(hi, tz, lang), middle=_day(mid, tz, lang))
    step = _step(width)
    lo, hi = _floor(lo, step), _ceil(hi, step)
    mid = _floor(mid + step / 2, step) if step < timedelta(hours=1) else _floor(mid + timedelta(minutes=7.5),
                                                                                 timedelta(minutes=15))
    zone_name = zone_short(tz, lo, lang)
    if lo.date() == hi.date():
        return t("Cap expected {day} between {start} and {end} {zone}, most likely around {middle}.", lang).format(
            day=_day(lo, tz, lang), start=_time(lo, tz, lang), end=_time(hi, tz, lang), zone=zone_name,
            middle=_time(mid, tz, lang))
    return t("Cap expected between {start} and {end} {zone}, most likely around {middle}.", lang).format(
        start=_day_time(lo, tz, lang), end=_day_time(hi, tz, lang), zone=zone_name,
        middle=_day_time(mid, tz, lang))


def rate_text(rate_per_hour: float | None, lang: str | None = None, *, short: bool = False) -> str:
    """'235 per hour', or per day when under one an hour. `short`: '235/h', '0.5/d' ('0,5/j'), for a metric's
    box, which cut '240 par heure' to '240 par he...' in French."""
    lang = lang or language()
    if rate_per_hour is None:
        return "—"
    per_hour = rate_per_hour >= 1
    n = fmt_num(rate_per_hour if per_hour else rate_per_hour * 24, 0 if rate_per_hour >= 10 else 1, lang)
    if short:
        return f"{n}/h" if per_hour else f"{n}/{t('d', lang)}"
    return t("{n} per hour" if per_hour else "{n} per day", lang).format(n=n)


def headline_moment(p: CapProjection, tz: str, lang: str | None = None) -> tuple[str, str]:
    """The median cap moment as a headline figure and its caption: '19:00 ET' over 'Monday 17 July';
    the day ('20 Aug' over 'Sunday 20 August 2023') when the range spans three days or more."""
    lang = lang or language()
    if p.p50 is None:
        return "—", ""
    local = p.p50.astimezone(ZoneInfo(tz))
    if p.p10 is None or p.p90 is None or p.p90 - p.p10 >= timedelta(days=3):
        day = dates.format_datetime(local, "d MMM", tzinfo=ZoneInfo(tz), locale=BABEL_LOCALE[lang])
        return day, dates.format_datetime(local, "EEEE d MMMM y", tzinfo=ZoneInfo(tz), locale=BABEL_LOCALE[lang])
    return f"{_time(local, tz, lang)} {zone_short(tz, local, lang)}", _day(local, tz, lang)


def short_moment(dt: datetime | None, tz: str, lang: str | None = None) -> str:
    """A moment in a few characters, for tables: 'Mon 17 Jul, 18:50 ET' (the year left out)."""
    if dt is None:
        return "—"
    lang = lang or language()
    local = dt.astimezone(ZoneInfo(tz))
    day = dates.format_datetime(local, "EEE d MMM", tzinfo=ZoneInfo(tz), locale=BABEL_LOCALE[lang])
    return t("{day}, {time}", lang).format(day=day, time=_time(local, tz, lang)) + " " + zone_short(tz, local, lang)


def open_hours_text(accepts, lang: str | None = None) -> str:
    """A program's calendar of open hours in words: "The portal accepts applications Mon, Tue, Wed,
    Thu, Fri, 08:30-16:30 (America/Toronto), except 2025-04-18; ..." (dashboard.programs.Accepts)."""
    lang = lang or language()
    names = dates.get_day_names("abbreviated", locale=BABEL_LOCALE[lang])
    days = ", ".join(names[d] for d in sorted(accepts.days))

    def clock(h: float) -> str:
        return f"{int(h):02d}:{round((h % 1) * 60):02d}"

    hours = ", ".join(f"{clock(a)}-{clock(b)}" for a, b in accepts.hours)
    text = t("The portal accepts applications {days}, {hours} ({zone})", lang).format(days=days, hours=hours,
                                                                                 zone=accepts.zone)
    if accepts.holidays:
        text += t(", except {dates}", lang).format(dates=", ".join(d.isoformat() for d in sorted(accepts.holidays)))
    return text + t(": outside these hours no application arrives, by rule, and the forecast expects none.", lang)
