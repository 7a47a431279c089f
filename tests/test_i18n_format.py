"""Numbers, dates and times in each language's own format (Babel, CLDR), and plotly.js's locale built from it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit

from dashboard import i18n

TZ = "America/Toronto"
MOMENT = datetime(2023, 7, 17, 18, 5, tzinfo=UTC)  # 14:05 EDT


def test_numbers_in_english_and_french():
    assert i18n.fmt_int(10000, "en") == "10,000"
    assert i18n.fmt_int(10000, "fr") == "10\u00a0000"
    assert i18n.fmt_num(1234.5, 1, "fr") == "1\u00a0234,5"
    assert i18n.fmt_pct(0.425, 1, "en") == "42.5%"
    assert i18n.fmt_pct(0.425, 1, "fr") == "42,5\u00a0%"


def test_the_zone_is_named_as_people_say_it_with_the_abbreviations_its_times_carry():
    assert i18n.zone_label(TZ, "en") == "Eastern Time (EDT/EST)"
    assert i18n.zone_label(TZ, "fr") == "heure de l\u2019Est (HAE/HNE)"
    assert i18n.zone_label("America/Vancouver", "en") == "Pacific Time (PDT/PST)"
    assert i18n.zone_label("America/Regina", "en") == "Central Standard Time (CST)"  # no daylight saving
    assert i18n.zone_label("UTC", "en") == "Coordinated Universal Time (UTC)"  # not CLDR's "Unknown Region"
    # the abbreviation a time carries is one the label names
    assert i18n.fmt_datetime(MOMENT, TZ, "fr").rsplit(" ", 1)[1] in i18n.zone_label(TZ, "fr")


def test_screen_tables_name_the_zone_not_its_identifier():
    import pandas as pd

    from dashboard.extract import screen_times
    from dashboard.programs import Program

    program = Program(id="p", name_en="P", name_fr="P", time_zone=TZ, opens_at=MOMENT, closes_at=None, cap=1,
                      counts_toward_cap=("principal",))
    df = pd.DataFrame({"submitted_at": pd.to_datetime([MOMENT])})
    assert list(screen_times(df, program, "fr").columns) == ["submitted_at (heure de l\u2019Est)"]
    assert screen_times(df, program, "en")["submitted_at (Eastern Time)"].iloc[0] == pd.Timestamp("2023-07-17 14:05")


def test_dates_and_times_in_english_and_french():
    assert i18n.fmt_datetime(MOMENT, TZ, "en") == "Mon 17 Jul 2023, 14:05 EDT"
    assert i18n.fmt_datetime(MOMENT, TZ, "fr") == "lun. 17 juill. 2023, 14 h 05 HAE"
    assert i18n.fmt_duration(timedelta(days=1, hours=8, minutes=47), "fr") == "1 j 8 h 47 min"
    # for a metric's box: from a day up, days and hours (the hours elapsed, not rounded up); minutes below a day
    assert i18n.fmt_duration(timedelta(days=1, hours=8, minutes=47), "fr", coarse=True) == "1 j 8 h"
    assert i18n.fmt_duration(timedelta(hours=1, minutes=40), "en", coarse=True) == "1 h 40 min"


@pytest.mark.parametrize(("cldr", "d3"), [
    ("d MMM y", "%-d %b %Y"), ("MMM d, y", "%b %-d, %Y"), ("HH 'h' mm", "%H h %M"), ("HH:mm", "%H:%M"),
    ("EEE d MMM y, HH 'h' mm", "%a %-d %b %Y, %H h %M"), ("h:mm a", "%-I:%M %p"), ("y-MM-dd", "%Y-%m-%d"),
    ("'o''clock' H", "o'clock %-H"),
])
def test_cldr_patterns_become_d3_formats(cldr, d3):
    assert i18n.d3_time_format(cldr) == d3


def test_unknown_cldr_fields_are_refused():
    with pytest.raises(ValueError, match="QQQ"):
        i18n.d3_time_format("QQQ y")


def test_plotly_locale_in_french_comes_from_cldr_and_the_catalogue():
    loc = i18n.plotly_locale("fr")
    fmt = loc["format"]
    assert fmt["months"][6] == "juillet" and fmt["shortMonths"][6] == "juill."
    assert fmt["days"][0] == "dimanche" and fmt["shortDays"][1] == "lun."
    assert (fmt["decimal"], fmt["thousands"]) == (",", "\u00a0")
    assert (fmt["dayMonth"], fmt["dayMonthYear"], fmt["time"]) == ("%-d %b", "%-d %b %Y", "%H h %M")
    assert loc["dictionary"]["Download plot as a PNG"] == "Télécharger le graphique en PNG"
    assert set(loc["dictionary"]) == set(i18n.PLOTLY_MESSAGES)
    assert i18n.plotly_locale_code("fr") == "fr-CA"
    assert i18n.plotly_separators("fr") == ",\u00a0"


def test_plotly_locale_in_english_keeps_plotly_s_own_words():
    loc = i18n.plotly_locale("en")
    assert loc["dictionary"] == {}
    assert (loc["format"]["dayMonthYear"], loc["format"]["thousands"]) == ("%b %-d, %Y", ",")
    assert i18n.plotly_separators("en") == ".,"


def test_streamlit_s_plotly_bundle_registers_no_french_locale():
    """Why the locale is passed inline: the plotly.js that Streamlit serves registers English only (if a
    later Streamlit bundles French, the inline locale still takes precedence, and this test says so)."""
    static = Path(streamlit.__file__).parent / "static" / "static" / "js"
    bundle = next(static.glob("PlotlyChart.*.js")).read_text(encoding="utf-8")
    registered = set(re.findall(r"moduleType:`locale`,name:`([\w-]+)`", bundle))
    assert registered == {"en", "en-US"}


def test_a_count_takes_the_grammatical_number_of_each_language():
    from dashboard.i18n import tn

    one, many = "{n} application matches the filters, by applicant role and current status.", \
        "{n} applications match the filters, by applicant role and current status."
    assert tn(one, many, 1, "en") == one and tn(one, many, 0, "en") == many and tn(one, many, 2, "en") == many
    assert tn(one, many, 1.5, "en") == many
    # French: 0 and 1 (and 1.5) take the singular
    assert tn(one, many, 0, "fr").startswith("{n} demande correspond")
    assert tn(one, many, 1, "fr").startswith("{n} demande correspond")
    assert tn(one, many, 2, "fr").startswith("{n} demandes correspondent")
    assert tn(one, many, 1_000_000, "fr").startswith("{n} demandes")
    hours = ("Median distance between the forecast median and the actual moment: {hours} hour.",
             "Median distance between the forecast median and the actual moment: {hours} hours.")
    assert tn(*hours, 1.5, "fr").endswith("{hours} heure.") and tn(*hours, 1.5, "en").endswith("hours.")
    # a count not shown (publication mode's `--`) reads as a plural; an untranslated message falls back to English
    assert tn(one, many, None, "en") == many and tn(one, many, float("nan"), "fr").startswith("{n} demandes")
    assert tn("{n} cat", "{n} cats", 1, "fr") == "{n} cat" and tn("{n} cat", "{n} cats", 3, "fr") == "{n} cats"
