"""The forecast in words, in English and French: rounded outwards, the zone named, the cases told apart."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dashboard.forecast import CapProjection
from dashboard.forecast_text import headline_moment, range_sentence, rate_text, short_moment, zone_short

TZ = "America/Toronto"
ET = ZoneInfo(TZ)
OPENS = datetime(2023, 7, 16, 9, 0, tzinfo=ET)
CLOSES = datetime(2024, 7, 16, 9, 0, tzinfo=ET)


def ahead(p10, p50, p90, probability=0.97) -> CapProjection:
    return CapProjection(None, p10, p50, p90, probability, 250.0, "nhpp", 7000)


def at(day: int, hour: int, minute: int = 0, month: int = 7) -> datetime:
    return datetime(2023, month, day, hour, minute, tzinfo=ET)


def test_a_range_within_a_day_is_rounded_out_to_the_hour():
    p = ahead(at(17, 14, 10), at(17, 16, 20), at(17, 20, 35))
    assert range_sentence(p, TZ, opens_at=OPENS, closes_at=CLOSES, lang="en") == (
        "Cap expected Monday 17 July between 14:00 and 21:00 ET, most likely around 16:15.")
    assert range_sentence(p, TZ, opens_at=OPENS, closes_at=CLOSES, lang="fr") == (
        "Plafond attendu lundi 17 juillet entre 14 h 00 et 21 h 00 HE, le plus probablement vers 16 h 15.")


def test_a_narrow_range_keeps_quarter_hours():
    p = ahead(at(17, 17, 28), at(17, 17, 44), at(17, 18, 31))
    assert range_sentence(p, TZ, opens_at=OPENS, closes_at=CLOSES, lang="en") == (
        "Cap expected Monday 17 July between 17:15 and 18:45 ET, most likely around 17:45.")


def test_a_range_over_two_days_names_both():
    p = ahead(at(17, 20, 40), at(18, 2, 10), at(18, 9, 20))
    assert range_sentence(p, TZ, opens_at=OPENS, closes_at=CLOSES, lang="en") == (
        "Cap expected between Monday 17 July, 20:00 and Tuesday 18 July, 10:00 ET, most likely around "
        "Tuesday 18 July, 02:15.")
    assert range_sentence(p, TZ, opens_at=OPENS, closes_at=CLOSES, lang="fr") == (
        "Plafond attendu entre lundi 17 juillet à 20 h 00 et mardi 18 juillet à 10 h 00 HE, le plus "
        "probablement vers mardi 18 juillet à 02 h 15.")


def test_a_range_of_weeks_names_days_only():
    p = ahead(at(2, 10, month=8), at(20, 15, month=8), at(30, 11, month=9))
    assert range_sentence(p, TZ, opens_at=OPENS, closes_at=CLOSES, lang="en") == (
        "Cap expected between Wednesday 2 August and Saturday 30 September, most likely around Sunday 20 August.")


def test_reached_not_before_close_and_open_ended():
    reached = CapProjection(at(17, 17, 47), at(17, 17, 47), at(17, 17, 47), at(17, 17, 47), 1.0, 230.0, "reached",
                            10_000)
    assert range_sentence(reached, TZ, opens_at=OPENS, closes_at=CLOSES, lang="en") == (
        "The cap was reached Monday 17 July at 17:47 ET, 1 d 8 h 47 min after opening.")
    never = ahead(None, None, None, probability=0.02)
    assert range_sentence(never, TZ, opens_at=OPENS, closes_at=CLOSES, lang="en") == (
        "The cap is not expected before the intake closes Tuesday 16 July (chance it is: 2%).")
    maybe = ahead(at(20, 9, month=12), None, None, probability=0.3)
    assert range_sentence(maybe, TZ, opens_at=OPENS, closes_at=CLOSES, lang="en") == (
        "Cap expected after Wednesday 20 December, 09:00 ET, if at all before the intake closes Tuesday 16 July "
        "(chance: 30%).")
    nothing = CapProjection(None, None, None, None, None, None, "no-data", 0)
    assert range_sentence(nothing, TZ, opens_at=OPENS, lang="en") == (
        "No application has arrived yet: there is nothing to forecast from.")


def test_rates_and_zone_names():
    assert rate_text(235.4, "en") == "235 per hour"
    assert rate_text(2.345, "fr") == "2,3 par heure"
    assert rate_text(0.25, "en") == "6.0 per day"
    # for a metric's box
    assert [rate_text(r, "fr", short=True) for r in (235.4, 2.345, 0.25)] == ["235/h", "2,3/h", "6,0/j"]
    assert (zone_short(TZ, lang="en"), zone_short(TZ, lang="fr")) == ("ET", "HE")
    assert zone_short("Europe/Paris", at(17, 12), lang="en") == "+0200"  # no short name in en_CA: the offset


def test_the_headline_moment_is_short():
    near = ahead(at(17, 14, 10), at(17, 19, 2), at(18, 9, 20))
    assert headline_moment(near, TZ, "en") == ("19:02 ET", "Monday 17 July")
    assert headline_moment(near, TZ, "fr") == ("19 h 02 HE", "lundi 17 juillet")
    far = ahead(at(2, 10, month=8), at(20, 15, month=8), at(30, 11, month=9))
    assert headline_moment(far, TZ, "en") == ("20 Aug", "Sunday 20 August 2023")
    assert short_moment(at(17, 18, 50), TZ, "en") == "Mon 17 Jul, 18:50 ET"
    assert short_moment(at(17, 18, 50), TZ, "fr") == "lun. 17 juill. à 18 h 50 HE"


def test_open_ended_intake_whose_arrivals_stopped():
    """No close, and most simulated futures never reach the cap: the sentence says so (not "no application",
    nor a closing day that does not exist)."""
    for p10 in (None, at(20, 9, month=12)):
        stalled = CapProjection(None, p10, None, None, None, 0.0, "nhpp", 12)
        assert range_sentence(stalled, TZ, opens_at=OPENS, lang="en") == (
            "At the pace so far, the cap is not expected in the foreseeable future.")
