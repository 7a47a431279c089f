"""The Velocity page through Streamlit's AppTest, on the hand-checked fixture (conftest.BASIC_ROWS).

Principals P1 09:05, P2 09:20, P3 09:50 (CHN), P4 10:10, P5 10:40 (KOR; the cap of 5), P6 12:00 EDT on
16 July and P7 08:30 EDT (CHN) on the 17th; family F1 09:30 and F2 13:15 EDT on the 16th.
"""

from __future__ import annotations

import pytest
from conftest import APP, app_test, row, write_export
from streamlit.testing.v1 import AppTest

VELOCITY = "views/velocity.py"


def velocity(query: dict | None = None, filters_open: bool = False) -> AppTest:
    return app_test(VELOCITY, query, filters_open=filters_open)


def figures(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(elements) -> str:
    return " | ".join(e.value for e in elements)


def test_velocity_figures(shared_basic_warehouse):
    at = velocity()
    assert not at.exception
    assert figures(at) == {
        "Principal applications": "7", "Family applications": "2",
        # the cap was reached (10:40 EDT): in hindsight, not "last hour" figures for an intake already full
        "Per hour until the cap": "3",  # 5 principals in the 1 h 40 min from the opening
        "Per hour, final 6 hours": "0.8",  # P1-P5: 5/6
        "Busiest hour": "3",  # P1 P2 P3, 09:00-10:00 EDT
    }
    captions = texts(at.caption)
    assert "principal applications, to Sun 16 Jul 2023, 10:40 EDT" in captions
    assert "spouses and dependants: 0.2" in captions  # F1 09:30
    assert "submitted by Mon 17 Jul 2023, 08:30 EDT" in captions
    assert "from Sun 16 Jul 2023, 09:00 EDT" in captions
    assert "2 of them arrived after the cap of 5 was reached (over cap)." in captions
    assert at.segmented_control(key="v_grain").value == "hour"
    markdown = texts(at.markdown)
    assert "The cap of 5 was reached Sun 16 Jul 2023, 10:40 EDT, 1 h 40 min after opening." in markdown
    milestones = next(d.value for d in at.dataframe if "Application" in d.value.columns)
    assert milestones["Application"].tolist() == ["1", "2", "3", "4", "5", "6", "7"]
    assert milestones["Since the previous milestone"].tolist()[-2:] == ["1 h 20 min", "20 h 30 min"]
    assert "Only one program has application records" in texts(at.info)


def test_the_rate_is_the_last_hour_up_to_the_filters_end(shared_basic_warehouse):
    """`to=` ends the time range: the rates are those of the hour before it (the intake was open then), not of
    the hour before the newest submission."""
    at = velocity({"to": "2023-07-16T10:00"})
    assert not at.exception
    assert figures(at)["Per hour, last hour"] == "3"  # P1 09:05, P2 09:20, P3 09:50
    assert figures(at)["Per hour, last 6 hours"] == "0.5"
    assert "submitted by Sun 16 Jul 2023, 10:00 EDT" in texts(at.caption)


def test_url_parameters_set_the_filters_and_the_grain(shared_basic_warehouse):
    at = velocity({"country": "CHN", "as_of": "2023-07-16T10:00", "grain": "15min"})
    assert not at.exception
    assert at.segmented_control(key="v_grain").value == "15min"
    assert at.session_state["f_country"] == ["CHN"]  # the filters section stays closed; the line above names it
    assert "Filters: China" in [c.value for c in at.sidebar.caption]
    assert figures(at)["Principal applications"] == "1"  # P3 09:50, the only Chinese principal by 10:00
    assert figures(at)["Busiest 15 minutes"] == "1"
    assert "Filtered to China; as of Sun 16 Jul 2023, 10:00 EDT." in texts(at.caption)
    assert at.query_params["grain"] == "15min" and at.query_params["country"] == "CHN"


def test_changing_a_filter_changes_the_figures_and_the_url(shared_basic_warehouse):
    at = velocity(filters_open=True)
    assert figures(at)["Principal applications"] == "7"
    at.multiselect(key="f_country").set_value(["CHN"]).run()
    assert not at.exception
    assert figures(at)["Principal applications"] == "2"  # P3, P7
    assert at.query_params["country"] == "CHN"
    at.segmented_control(key="v_grain").set_value("day").run()
    assert figures(at)["Busiest day"] == "1"
    assert at.query_params["grain"] == "day"
    at.button[1].click().run()  # Reset filters: the grain is the page's, not a filter, and stays
    assert figures(at)["Principal applications"] == "7"
    assert "country" not in at.query_params and at.query_params["grain"] == "day"


def test_invalid_parameters_fall_back_with_a_notice(shared_basic_warehouse):
    at = AppTest.from_file(APP, default_timeout=30)
    for k, v in {"grain": "week", "as_of": "2099-01-01T00:00", "country": ["CHN", "ZZZ"], "from": "soon"}.items():
        at.query_params[k] = v
    at.run()  # the first run of a session reads the link: its notices show on the page it opens
    assert not at.exception
    warnings = texts(at.warning)
    link_notices = [w for w in at.warning if w.icon == ":material/link_off:"]
    assert len(link_notices) == 3  # each once (the other warning is the unauthenticated-demo banner)
    assert ("The \"as of\" time in the link (`2099-01-01T00:00`) is outside the program's dates (Fri 15 Jul 2022 to "
            "Thu 1 Jan 2026); showing the latest data.") in warnings
    assert "The link names an unknown country code (`ZZZ`); it was left out." in warnings
    assert "The start time in the link (`soon`) is not a valid time; showing from the opening." in warnings
    at.switch_page(VELOCITY).run()
    assert not at.exception
    assert ("The link asks for an unknown interval (`week`); showing hours. Intervals: 1min, 15min, hour, day."
            == texts([w for w in at.warning if w.icon == ":material/link_off:"]))
    assert at.segmented_control(key="v_grain").value == "hour"
    assert figures(at)["Principal applications"] == "2"  # the usable part of the link: China
    assert "grain" not in at.query_params and "as_of" not in at.query_params and "from" not in at.query_params


@pytest.mark.parametrize(("as_of", "counted"), [("2023-07-16T10:00", "3"), ("2023-07-16T10:40", "5")])
def test_overview_and_velocity_agree_as_of_a_moment(shared_basic_warehouse, as_of, counted):
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["as_of"] = as_of
    at.run()
    assert figures(at)["Principal applications counted"] == counted
    at.switch_page(VELOCITY).run()
    assert not at.exception
    assert figures(at)["Principal applications"] == counted


def test_intakes_compared(demo_warehouse, tmp_path):
    from dashboard.ingest import ingest

    second = [row(f"S{i}", f"2024-03-01T{t}:00", program="second-intake")  # opens 08:00 PST, cap 3
              for i, t in enumerate(("08:10", "08:40", "09:20", "10:05"), start=1)]
    ingest([write_export(tmp_path / "second.csv", second)], root=demo_warehouse, origin="demo")
    at = velocity()
    assert not at.exception
    # the curves' intervals are minutes here: P7 arrived 23 h 30 min after the opening, S4 2 h 5 min after
    assert ("Test intake: 140.0% of its cap after 23 h 31 min; Second intake: 133.3% of its cap after 2 h 6 min."
            in texts(at.markdown))
    assert len(at.get("plotly_chart")) == 3


def test_velocity_in_french(shared_basic_warehouse):
    at = velocity({"lang": "fr", "grain": "day"})
    assert not at.exception
    assert figures(at)["Jour de pointe"] == "6"
    assert "Jalons vers le plafond" in texts(at.subheader)


def test_only_family_applications_have_no_busiest_interval(shared_basic_warehouse):
    at = velocity({"role": "dependant"})  # F2, 13:15 EDT on the 16th
    assert not at.exception
    assert figures(at) == {"Principal applications": "0", "Family applications": "1", "Per hour until the cap": "0",
                           "Per hour, final 6 hours": "0.0", "Busiest hour": "—"}  # F2 came after the cap
    assert ("From Sun 16 Jul 2023, 13:00 EDT to Sun 16 Jul 2023, 14:00 EDT, principal applications: 0, family "
            "applications (spouses and dependants): 1.") in texts(at.markdown)
    assert "No application counting toward the cap matches these filters yet." in texts(at.info)


def test_the_grain_chosen_in_french_is_kept_as_its_code(shared_basic_warehouse):
    at = velocity({"lang": "fr"})
    at.segmented_control(key="v_grain").set_value("day").run()
    at.run()  # a rerun sends the choice back through the widget's format_func
    assert not at.exception
    assert at.segmented_control(key="v_grain").value == "day"
    assert at.query_params["grain"] == "day"


def test_a_cut_chart_leaves_the_sentence_describing_every_interval(shared_basic_warehouse, monkeypatch):
    """At a fine grain the chart holds the first MAX_INTERVALS intervals only; the sentence above it still
    describes all of them, as the figures beside it do, and a caption says where the chart stops."""
    import dashboard.metrics

    monkeypatch.setattr(dashboard.metrics, "MAX_INTERVALS", 60)  # the first hour of minutes, 09:05-10:05 EDT
    at = velocity({"grain": "1min"})
    assert not at.exception
    assert figures(at)["Principal applications"] == "7" and figures(at)["Family applications"] == "2"
    assert ("principal applications: 7, family applications (spouses and dependants): 2;" in texts(at.markdown))
    assert ("The chart and its numbers hold only the first 60 intervals, up to Sun 16 Jul 2023, 10:05 EDT"
            in texts(at.caption))
    # from the first interval to the moment the figures stand at (P7, 08:30 on the 17th), not to the cut; the
    # busiest minute is said to be the busiest of the intervals drawn
    assert ("From Sun 16 Jul 2023, 09:05 EDT to Mon 17 Jul 2023, 08:30 EDT, principal applications: 7" in texts(at.markdown))
    assert "in the first 60 intervals, the busiest for principal applications began" in texts(at.markdown)
