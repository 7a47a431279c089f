"""Layout details of charts.py that a person notices: labels of vertical lines stay inside the figure."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from dashboard import charts
from dashboard.programs import programs


def cumulative(ends: list[str]) -> pd.DataFrame:
    end = pd.to_datetime(pd.Series(ends), utc=True)
    return pd.DataFrame({"interval_start": end - pd.Timedelta(minutes=1), "interval_end": end,
                         "arrivals": 1, "cumulative": range(1, len(ends) + 1)})


def moment_labels(fig) -> dict[str, str]:
    return {a.text: a.xanchor for a in fig.layout.annotations if a.name == charts.MOMENT_LABEL}


def test_cap_reached_label_turns_left_near_the_right_edge(programs_env):
    program = programs()["test-intake"]  # opens 13:00 UTC
    df = cumulative(["2023-07-16T13:10Z", "2023-07-16T13:30Z", "2023-07-16T13:50Z", "2023-07-16T14:10Z",
                     "2023-07-16T14:40Z"])
    late = charts.cumulative_chart(df, program, datetime(2023, 7, 16, 14, 40, tzinfo=UTC), lang="en")
    early = charts.cumulative_chart(df, program, datetime(2023, 7, 16, 13, 10, tzinfo=UTC), lang="en")
    assert moment_labels(late)["Cap reached"] == "right"  # at the right end: the label sits left of the line
    assert moment_labels(early)["Cap reached"] == "left"


def test_label_placement_follows_a_range_the_chart_set(programs_env):
    """The velocity chart sets its x range (its focus): the placement reads that range, not the data's."""
    program = programs()["test-intake"]
    start = pd.to_datetime(pd.Series(["2023-07-16T13:00Z", "2023-07-16T14:00Z", "2023-07-17T13:00Z"]), utc=True)
    df = pd.DataFrame({"interval_start": start, "interval_end": start + pd.Timedelta(hours=1),
                       "principal": [3, 2, 0], "family": [0, 0, 4]})
    whole = charts.arrivals_chart(df, program, datetime(2023, 7, 16, 14, 40, tzinfo=UTC), "hour", lang="en")
    focus = charts.arrivals_chart(df, program, datetime(2023, 7, 16, 14, 40, tzinfo=UTC), "hour",
                                  (start.iloc[0], start.iloc[1] + pd.Timedelta(hours=1)), lang="en")
    assert moment_labels(whole)["Cap reached"] == "left"  # early in a day-long range
    assert moment_labels(focus)["Cap reached"] == "right"  # late in the two-hour focus


def test_event_labels_from_the_events_file_are_plain_text(programs_env):
    """An events file is text from outside: plotly would read <a href> or <b> in an annotation."""
    from datetime import date

    from dashboard.programs import Event

    program = programs()["test-intake"]
    hostile = Event(date(2023, 7, 16), '<a href="http://127.0.0.1/z">x</a> & <b>y</b>', "x", "")
    fig = charts.add_events(charts.go.Figure(), [hostile], program, None, None, lang="en")
    (note,) = [a.text for a in fig.layout.annotations if a.name == charts.MOMENT_LABEL]
    assert note == '&lt;a href="http://127.0.0.1/z"&gt;x&lt;/a&gt; &amp; &lt;b&gt;y&lt;/b&gt;'
