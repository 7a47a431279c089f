"""The "Plan the next intake" page through AppTest, on the hand-checked fixture (test-intake: cap 5,
7 principals, opening 09:00 EDT): the range before the first application, its assumptions, French."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from conftest import app_test
from streamlit.testing.v1 import AppTest

from dashboard import forecast_plan
from dashboard.i18n import fmt_datetime

ET = ZoneInfo("America/Toronto")


def page(query: dict | None = None) -> AppTest:
    return app_test("views/plan.py", query)


def test_the_default_opening_is_a_coming_day_on_the_earlier_weekday():
    sunday = datetime(2023, 7, 16, 9, tzinfo=ET)
    assert forecast_plan.default_opening(sunday, date(2026, 12, 4)) == date(2027, 1, 3)  # Fri + 28 d = Fri 1 Jan
    assert forecast_plan.default_opening(sunday, date(2026, 12, 6)) == date(2027, 1, 3)  # Sun + 28 d is a Sunday


def test_the_plan_before_opening_and_as_the_first_hour_comes_in(demo_warehouse):
    before = datetime.now(ET).date()
    at = page()
    assert not at.exception and not at.error
    # the same arithmetic as the command line, on the fixture's principals
    times = pd.DatetimeIndex([datetime(2023, 7, 16, 9, m, tzinfo=ET) for m in (5, 20, 50)]
                             + [datetime(2023, 7, 16, h, m, tzinfo=ET) for h, m in ((10, 10), (10, 40), (12, 0))]
                             + [datetime(2023, 7, 17, 8, 30, tzinfo=ET)])
    assert at.text_input(key="plan-cap-test-intake").value == "5"  # the earlier intake's cap, as people write it
    # a coming day, on the earlier opening's weekday (a Sunday)
    sunday = datetime(2023, 7, 16, 9, tzinfo=ET)  # (the day before the page ran or the day after: midnight between)
    assert at.date_input(key="plan-day").value in {forecast_plan.default_opening(sunday, before),
                                                   forecast_plan.default_opening(sunday, datetime.now(ET).date())}
    at.text_input(key="plan-cap-test-intake").set_value("6").run()
    opens = datetime(2026, 7, 16, 9, 0, tzinfo=ET)
    at.date_input(key="plan-day").set_value(opens.date()).run()
    plan = forecast_plan.plan_cap(times, datetime(2023, 7, 16, 9, tzinfo=ET), 6, opens)
    said = "\n".join(m.value for m in at.markdown)
    assert f"Cap expected between {fmt_datetime(plan.p10, 'America/Toronto', 'en')}" in said
    assert [m.value for m in at.metric] == [fmt_datetime(plan.p50, "America/Toronto", "en")]
    table = at.dataframe[0].value
    assert len(table) == 6 and table.iloc[0]["first_hour"] == "—"
    assert "Assumptions" in [s.value for s in at.subheader]
    assert any("Test intake, 7 applications counting toward its cap" in x.value for x in at.text)
    at.checkbox(key="plan-known").check().run()
    at.number_input(key="plan-first").set_value(10).run()
    eager = forecast_plan.plan_cap(times, datetime(2023, 7, 16, 9, tzinfo=ET), 6, opens, first_hour=10)
    assert [m.value for m in at.metric] == [fmt_datetime(eager.p50, "America/Toronto", "en")]
    assert eager.p50 < plan.p50


def test_the_page_in_french(demo_warehouse):
    at = page({"lang": "fr"})
    assert not at.exception and not at.error
    assert "Planifier la prochaine réception" in [s.value for s in at.subheader]
    assert "Hypothèses" in [s.value for s in at.subheader]
    assert "Plafond prévu entre" in "\n".join(m.value for m in at.markdown)


def test_counts_are_typed_as_people_write_them(demo_warehouse):
    """The cap is a text field: '10,000' / « 10 000 » read as 10000; a word gets a sentence, not a traceback."""
    from dashboard.i18n import parse_count

    assert [parse_count(x) for x in ("10000", "10,000", "10 000", "10\u202f000", " 2,750 ", "1.000")] == [
        10000, 10000, 10000, 10000, 2750, 1000]
    assert [parse_count(x) for x in ("10,5", "-3", "ten", "1,00", "")] == [None] * 5
    at = page({"lang": "fr"})
    at.text_input(key="plan-cap-test-intake").set_value("dix").run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Tapez un nombre entier d'au moins 1, par exemple 5 ; 5 est utilisé "
                                           "en attendant."]
    zone = at.selectbox(key="plan-zone")
    assert zone.value == "America/Toronto" and zone.options[0] == "heure de l’Est (HAE/HNE) · Toronto"
