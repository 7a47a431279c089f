"""programs.toml's optional keys. `accepts` rules: parsed with messages naming the file, the program and
the key, and respected by the forecast (no arrival expected while the portal is closed). Short names: the
sidebar's narrow program picker shows them (its box cut the demo's full name, "Open work permit for US
H-1B ho..."); everything else keeps the full name."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from dashboard.forecast import project_cap
from dashboard.programs import ProgramConfigError, load_programs

ET = ZoneInfo("America/Toronto")
PROGRAM = """
[[program]]
id = "p1"
name_en = "One"
name_fr = "Un"
time_zone = "America/Toronto"
opens_at = "2025-04-14T08:30:00"
cap = 100
counts_toward_cap = ["principal"]
"""


def _load(tmp_path, accepts: str):
    path = tmp_path / "programs.toml"
    path.write_text(PROGRAM + accepts, encoding="utf-8")
    return path, load_programs(path)


def test_business_days_with_a_holiday(tmp_path):
    _, progs = _load(tmp_path, '[program.accepts]\ndays = ["mon", "tue", "wed", "thu", "fri"]\n'
                               'hours = ["08:30-16:30"]\nholidays = [2025-04-18]\n')
    accepts = progs["p1"].accepts
    times = pd.DatetimeIndex([datetime(2025, 4, 17, 9, tzinfo=ET), datetime(2025, 4, 17, 17, tzinfo=ET),
                              datetime(2025, 4, 18, 10, tzinfo=ET), datetime(2025, 4, 19, 10, tzinfo=ET),
                              datetime(2025, 4, 21, 8, 30, tzinfo=ET)])
    assert accepts(times).tolist() == [True, False, False, False, True]


def test_no_rules_means_open_around_the_clock(tmp_path):
    _, progs = _load(tmp_path, "")
    assert progs["p1"].accepts is None


@pytest.mark.parametrize(("rules", "key"), [
    ('days = ["monday"]', "accepts.days"),
    ('hours = ["9-5"]', "accepts.hours[1]"),
    ('hours = ["17:00-09:00"]', "accepts.hours[1]"),
    ('holidays = ["Easter"]', "accepts.holidays[1]"),
    ("weekends = false", "accepts: unknown key 'weekends'"),
])
def test_a_bad_rule_is_named_with_its_file_and_program(tmp_path, rules, key):
    with pytest.raises(ProgramConfigError) as err:
        _load(tmp_path, f"[program.accepts]\n{rules}\n")
    message = str(err.value)
    assert str(tmp_path / "programs.toml") in message and "(p1)" in message and key in message


def test_the_forecast_skips_closed_hours(tmp_path):
    _, progs = _load(tmp_path, '[program.accepts]\ndays = ["mon", "tue", "wed", "thu", "fri"]\n'
                               'hours = ["08:30-16:30"]\n')
    program = progs["p1"]
    opens = program.opens_at  # Monday 08:30
    rng = np.random.default_rng(3)
    # 20 an hour in open hours, Monday to Thursday: 640 arrivals; 1,000 places
    hours = np.concatenate([d * 24 + np.sort(rng.uniform(0, 8, 160)) for d in range(4)])
    arrivals = [opens + timedelta(hours=float(h)) for h in hours]
    as_of = opens + timedelta(days=3, hours=8)  # Thursday 16:30, closing time
    open_all_week = project_cap(arrivals, 1000, as_of, opens_at=opens, draws=400)
    calendar = project_cap(arrivals, 1000, as_of, opens_at=opens, draws=400, accepts=program.accepts)
    assert calendar.rate_per_hour == 0.0  # closed at as_of
    for moment in (calendar.p10, calendar.p50, calendar.p90):
        assert program.accepts([moment])[0], moment
    # 360 more at about 20 an open hour: 18 open hours, Friday's and Monday's 16 and two on Tuesday, so
    # about Tuesday 10:30 (the bound here was Tuesday 12:30 to Wednesday 16:30, as if Friday were closed:
    # no holiday is given; the P50 is held to that Tuesday's open hours instead)
    assert opens + timedelta(days=8) <= calendar.p50 <= opens + timedelta(days=8, hours=8)
    # without the calendar the weekend is taken for open hours, and the cap comes before Monday
    assert open_all_week.p50 < opens + timedelta(days=7) < calendar.p10


def test_the_open_hours_in_words_in_both_languages(tmp_path):
    from dashboard.forecast_text import open_hours_text

    _, progs = _load(tmp_path, '[program.accepts]\ndays = ["mon", "tue", "wed", "thu", "fri"]\n'
                               'hours = ["08:30-16:30"]\nholidays = [2025-04-18]\n')
    accepts = progs["p1"].accepts
    assert open_hours_text(accepts, "en").startswith(
        "The portal accepts applications Mon, Tue, Wed, Thu, Fri, 08:30-16:30 (America/Toronto), except 2025-04-18")
    assert open_hours_text(accepts, "fr").startswith(
        "Le portail accepte les demandes lun., mar., mer., jeu., ven., 08:30-16:30 (America/Toronto), sauf le 2025-04-18")


# ---------------------------------------------------------------- short names

def test_short_names_where_given_full_names_otherwise(tmp_path):
    _, progs = _load(tmp_path, 'short_en = "1"\n')
    p = progs["p1"]
    assert p.short_name("en") == "1" and p.name("en") == "One"
    assert p.short_name("fr") == p.name("fr") == "Un"


def test_the_shipped_programs_short_names_fit_the_picker():
    # about 30 characters fit the sidebar's box at its default width, depending on the letters (data/README.md;
    # both shipped names checked on screen, the French one of 32)
    for p in load_programs().values():
        for lang in ("en", "fr"):
            assert p.short_name(lang) != p.name(lang) and len(p.short_name(lang)) <= 32, (p.id, lang)


@pytest.mark.parametrize("value", ['""', '"  "', "7"])  # as written in the TOML file
def test_a_bad_short_name_is_named_with_its_file_program_and_key(tmp_path, value):
    with pytest.raises(ProgramConfigError) as err:
        _load(tmp_path, f"short_fr = {value}\n")
    message = str(err.value)
    assert str(tmp_path / "programs.toml") in message and "(p1)" in message and "short_fr" in message
