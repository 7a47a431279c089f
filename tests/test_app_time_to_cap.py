"""The Time to cap page through AppTest, on the hand-checked fixture (cap 5, opens 09:00 EDT; P1 09:05,
P2 09:20, P3 09:50, P4 10:10, P5 10:40, P6 12:00, P7 the next day 08:30)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conftest import app_test
from streamlit.testing.v1 import AppTest

from dashboard.forecast import project_cap
from dashboard.forecast_text import headline_moment

ET = ZoneInfo("America/Toronto")


def page(query: dict | None = None) -> AppTest:
    return app_test("views/time_to_cap.py", query)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_after_the_cap_the_actual_time_to_cap(shared_basic_warehouse):
    at = page()
    assert not at.exception and not at.error
    assert metrics(at) == {
        "Counted toward the cap": "5",
        "Rate as the cap was reached": "3.0/h",  # P3, P4, P5 in the last hour before 10:40
        "Time to cap": "1 h 40 min",
        "Chance by close": "100%",
    }
    assert "**The cap was reached Sunday 16 July at 10:40 ET, 1 h 40 min after opening.**" in texts(at)
    assert "Sun 16 Jul 2023, 10:40 EDT (1\u00a0h\u00a040\u00a0min)" in [c.value for c in at.caption]  # under the metric
    assert "1 of the 1 forecast made every hour held the actual cap moment (Sun 16 Jul 2023, 10:40 EDT) in its 80 % range" in texts(at)
    table = next(d.value for d in at.dataframe if "Forecast made" in d.value.columns)
    assert table[["Forecast made", "Counted"]].values.tolist() == [["Sun 16 Jul, 10:00 ET", "3"]]
    assert table["Range held the actual moment"].iloc[0] in ("yes", "no")


def test_as_of_before_the_cap_gives_a_forecast_and_the_what_if_replays(demo_warehouse):
    at = page({"as_of": "2023-07-16T10:00"})
    assert not at.exception and not at.error
    shown = metrics(at)
    assert shown["Counted toward the cap"] == "3"
    # the page's median is project_cap's on the same arrivals (P1, P2, P3 by 10:00)
    arrivals = [datetime(2023, 7, 16, 9, m, tzinfo=ET) for m in (5, 20, 50)]
    p = project_cap(arrivals, 5, datetime(2023, 7, 16, 10, 0, tzinfo=ET), opens_at=datetime(2023, 7, 16, 9, 0, tzinfo=ET),
                    closes_at=datetime(2023, 12, 31, 0, 0, tzinfo=ET), fan_points=24)
    assert shown["Cap expected (median)"] == headline_moment(p, "America/Toronto", "en")[0]
    assert shown["Chance by close"] == f"{round(100 * p.probability_by_close)}%"
    assert "Cap expected" in texts(at)
    # the what-if honours "as of": three arrivals by 10:00, so the real cap of 5 is out of reach
    assert ("With a cap of 5 and the opening at Sun 16 Jul 2023, 09:00 EDT, the cap would not have been reached: "
            "3 applications were recorded from that opening up to Sun 16 Jul 2023, 10:00 EDT.") in texts(at)
    at.slider(key="ttc_whatif_cap").set_value(3).run()
    assert not at.exception and not at.error
    assert ("With a cap of 3 and the opening at Sun 16 Jul 2023, 09:00 EDT, the cap would have been reached at "
            "**Sun 16 Jul 2023, 09:50 EDT**, 50 min after opening.") in texts(at)
    assert "the cap had not been reached by Sun 16 Jul 2023, 10:00 EDT, so what happened is not known yet" in texts(at)


def test_what_if_a_later_opening(shared_basic_warehouse):
    at = page()
    at.datetime_input(key="ttc_whatif_open").set_value(datetime(2023, 7, 16, 9, 30)).run()
    assert not at.exception and not at.error
    # from 09:30 the fifth arrival is P7, the next morning
    assert ("With a cap of 5 and the opening at Sun 16 Jul 2023, 09:30 EDT, the cap would have been reached at "
            "**Mon 17 Jul 2023, 08:30 EDT**, 23 h 0 min after opening.") in texts(at)


def test_in_french(shared_basic_warehouse):
    at = page({"lang": "fr", "as_of": "2023-07-16T10:00"})
    assert not at.exception and not at.error
    assert metrics(at)["Comptées dans le plafond"] == "3"
    assert "Plafond attendu" in texts(at)


def test_before_any_arrival_a_sentence(shared_basic_warehouse):
    at = page({"as_of": "2023-07-16T09:01"})
    assert not at.exception and not at.error
    assert any("nothing to forecast from" in i.value for i in at.info)
