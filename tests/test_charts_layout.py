"""Layout details of charts.py that a person notices: labels of vertical lines stay inside the figure."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from conftest import ROOT

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
    from datetime import date, time

    from dashboard.programs import Event

    program = programs()["test-intake"]
    hostile = Event(date(2023, 7, 16), '<a href="http://127.0.0.1/z">x</a> & <b>y</b>', "x", "", time(9, 30))
    fig = charts.add_events(charts.go.Figure(), [hostile], program, None, None, lang="en")
    (note,) = [a.text for a in fig.layout.annotations if a.name == charts.MOMENT_LABEL]
    assert note == '&lt;a href="http://127.0.0.1/z"&gt;x&lt;/a&gt; &amp; &lt;b&gt;y&lt;/b&gt;'


def test_headline_chart_draws_no_event_at_an_invented_hour(programs_env, tmp_path):
    """Events known by their date only are not drawn as moments on the hour-scale cumulative chart (the page
    lists them); an event with a time is drawn at that time; the x range ends near the last data point, not at
    the last event (the closure notice two days later used to stretch it)."""
    import dataclasses
    from datetime import date, time

    from dashboard.programs import Event

    program = programs()["test-intake"]  # opens 09:00 EDT 16 Jul; its events file: "Intake opens", 16 Jul, no time
    program = dataclasses.replace(program, events=(
        *program.events, Event(date(2023, 7, 16), "Queue opened", "File ouverte", "", time(9, 30)),
        Event(date(2023, 7, 18), "Closure notice posted", "Avis de clôture publié", "")))
    df = cumulative(["2023-07-16T13:10Z", "2023-07-16T13:30Z", "2023-07-16T14:10Z", "2023-07-16T16:40Z"])
    fig = charts.cumulative_chart(df, program, datetime(2023, 7, 16, 14, 10, tzinfo=UTC), lang="en")
    lines = sorted(pd.Timestamp(s.x0) for s in fig.layout.shapes if s.x0 is not None and s.x0 == s.x1)
    # the cap moment (10:10 EDT) and the timed event (09:30): nothing at 12:00, no band over a whole day
    assert lines == [pd.Timestamp("2023-07-16 09:30"), pd.Timestamp("2023-07-16 10:10")]
    assert not [s for s in fig.layout.shapes if s.type == "rect"]
    assert set(moment_labels(fig)) == {"Cap reached", "Queue opened"}
    last_point = pd.Timestamp("2023-07-16 12:40")  # 16:40 UTC
    end = pd.Timestamp(fig.layout.xaxis.range[1])
    assert last_point <= end <= last_point + pd.Timedelta(hours=3)
    assert [ev.label_en for ev in charts.events_not_drawn(df, program)] == ["Intake opens"]  # the 18th is outside


def test_events_known_by_date_are_day_bands_on_a_chart_of_days(programs_env):
    import dataclasses
    from datetime import date

    from dashboard.programs import Event

    program = dataclasses.replace(programs()["test-intake"],
                                  events=(Event(date(2023, 7, 20), "Notice", "Avis", ""),))
    df = cumulative(["2023-07-16T13:10Z", "2023-07-18T13:30Z", "2023-07-25T14:10Z"])
    fig = charts.cumulative_chart(df, program, None, lang="en")
    (band,) = [s for s in fig.layout.shapes if s.type == "rect"]
    assert (pd.Timestamp(band.x0), pd.Timestamp(band.x1)) == (pd.Timestamp("2023-07-20"), pd.Timestamp("2023-07-21"))
    assert charts.events_not_drawn(df, program) == []


def test_events_file_time_column_is_read_and_checked(tmp_path):
    from dashboard.programs import ProgramConfigError, _read_events

    good = tmp_path / "good.csv"
    good.write_text("date,time,label_en,label_fr,source\n2023-07-16,09:30,A,A,x\n2023-07-17,,B,B,x\n", encoding="utf-8")
    assert [(e.day.isoformat(), e.time and e.time.isoformat()) for e in _read_events(good)] == [
        ("2023-07-16", "09:30:00"), ("2023-07-17", None)]
    bad = tmp_path / "bad.csv"
    bad.write_text("date,time,label_en,label_fr,source\n2023-07-16,noon,A,A,x\n", encoding="utf-8")
    with pytest.raises(ProgramConfigError, match=r"bad.csv: line 2, column time: 'noon' is not a time"):
        _read_events(bad)


def test_ranked_charts_wrap_long_country_labels_for_a_phone():
    """A one-line "All other countries with applicants or H-1B visas (167)" took a phone's plot width."""
    df = pd.DataFrame({"label": ["India", "All other countries with applicants or H-1B visas (167)"],
                       "code": ["IND", ""], "applicant_share": [0.7, 0.3], "h1b_share": [0.7, 0.3],
                       "uscis_share": [float("nan")] * 2, "ratio": [1.0, 1.0]})
    fig = charts.representation_chart(df, year=2023, source="s", uscis_label=None, lang="en")
    labels = list(fig.data[0].y)
    assert labels[0] == "India"
    assert labels[1] == "All other<br>countries with<br>applicants or H-1B<br>visas (167)"
    assert all(len(line) <= charts.LABEL_CHARS for line in labels[1].split("<br>"))


def test_the_intakes_compared_reflow_for_a_phone():
    """Issue 16: on a phone (390 px) the comparison's legend ran off the figure, the caps' labels (each
    program's long name) across the curves, and its source note was cut short. The legend's names and the
    source break onto short lines, and each cap's label names only the cap."""
    from dashboard.programs import load_programs

    progs = load_programs(ROOT / "data" / "programs.toml")  # the demo's programs and their long names
    ids = ["h1b-owp-2023", "hcwip-home-support-2025"]
    df = pd.DataFrame({"program_id": ids * 2, "elapsed_hours": [0.0, 0.0, 5.0, 5.0], "cumulative": [0, 0, 900, 2750],
                       "share_of_cap": [0.0, 0.0, 0.09, 1.0]}).sort_values("program_id", key=lambda s: s.map(ids.index))
    for lang in ("en", "fr"):
        spec = charts.comparison_chart(df, progs, share=False, lang=lang).to_dict()
        layout, data = spec["layout"], spec["data"]
        names = [tr["name"] for tr in data]
        assert all(len(line) <= charts.COMPARISON_CHARS for name in names for line in name.split("<br>")), names
        assert names[1].startswith("Home Care Worker Immigration<br>" if lang == "en" else "Projet pilote sur l")
        texts = [a["text"] for a in layout["annotations"]]
        assert texts[:2] == (["Cap: 10,000", "Cap: 2,750"] if lang == "en" else ["Plafond : 10\u00a0000", "Plafond : 2\u00a0750"])
        source = texts[-1]
        assert source.count("<br>") >= 1 and all(len(line) <= charts.COMPARISON_CHARS + 4 for line in source.split("<br>"))
        assert layout["height"] == 460


def test_source_notes_wrap_for_a_phone(programs_env):
    """Issue 16: at 390 px every figure's source note ran off its right edge; it wraps, the figure's foot grows
    with it, and a line holding markup (an italic title) is kept whole."""
    program = programs()["test-intake"]
    df = cumulative(["2023-07-16T13:10Z", "2023-07-16T13:30Z"])
    layout = charts.cumulative_chart(df, program, None, lang="fr").to_dict()["layout"]
    note = layout["annotations"][-1]["text"]
    assert note.startswith("Source : données de démonstration") and note.count("<br>") >= 1
    assert all(len(line) <= charts.SOURCE_CHARS for line in note.split("<br>"))
    assert layout["margin"]["b"] == 100 + 14 * note.count("<br>")
    assert layout["annotations"][-1]["align"] == "left"
    kept = "Source: USCIS, <i>Characteristics of H-1B Specialty Occupation Workers</i>, fiscal 2023 (compiled)"
    assert charts.phone_wrapped(kept) == kept


def test_long_axis_titles_and_legend_entries_wrap_for_a_phone():
    df = pd.DataFrame({"label": ["India"], "code": ["IND"], "principal": [3], "family": [1],
                       "principal_share": [1.0], "family_share": [1.0]})
    layout = charts.citizenship_chart(df, source="s", lang="fr").to_dict()["layout"]
    title = layout["xaxis"]["title"]["text"]  # "Demandes (part de leur groupe à côté de chaque barre)"
    assert title.count("<br>") == 1 and all(len(line) <= charts.AXIS_TITLE_CHARS for line in title.split("<br>"))
    assert layout["annotations"][-1]["yshift"] == -58 - 16  # the source note hangs below the title's second line
    fig = charts.base_layout(charts.go.Figure().add_scatter(x=[1], y=[1], name="Published: 1,205 arrived in the "
                                                             "first year (Niskanen Center)"), source="s", lang="en")
    assert fig.data[0].name == "Published: 1,205 arrived in the first<br>year (Niskanen Center)"


def test_day_axes_name_the_zone_as_people_say_it(programs_env):
    program = programs()["test-intake"]
    day = pd.to_datetime(pd.Series(["2023-07-16T04:00Z", "2023-07-17T04:00Z"]), utc=True)
    df = pd.DataFrame({"interval_start": day, "role": "principal", "approved": [1, 2], "refused": [0, 1], "withdrawn": [0, 0],
                       "arrived": [0, 1], "open": [3, 2]})
    fig = charts.decisions_chart(df, lang="fr", program=program, role="principal", source="s")
    assert fig.to_dict()["layout"]["xaxis"]["title"]["text"] == "Jour (heure de l’Est)"


def test_the_funnel_fits_a_phone():
    """On a phone (390 px) the longest bar's label ('10 300 (100,0 %)') and the axis title ran off the chart's
    right edge: a label goes inside a bar long enough to hold it, the stage names and the axis title break
    onto short lines so the bars get the width."""
    from dashboard.programs import load_programs

    program = load_programs(ROOT / "data" / "programs.toml")["h1b-owp-2023"]
    df = pd.DataFrame({"stage": list(charts.STAGES), "principal": [10300, 1200, 8100, 600, 300, 7000],
                       "family": [6881, 900, 5400, 400, 200, 4700]})
    for lang in ("en", "fr"):
        spec = charts.funnel_chart(df, lang=lang, program=program, source="IRCC").to_dict()
        assert [tr["textposition"] for tr in spec["data"]] == ["auto", "auto"]
        lines = [line for label in spec["data"][0]["y"] for line in label.split("<br>")]
        assert max(len(line) for line in lines) <= 12, lines
        title = spec["layout"]["xaxis"]["title"]["text"]
        assert title.count("<br>") >= 2 and all(len(line) <= 26 for line in title.split("<br>")), title
        assert spec["data"][0]["text"][0] == ("10,300 (100.0%)" if lang == "en" else "10\u00a0300 (100,0\u00a0%)")
        # white text inside the hatched family bar reads: the hatch is drawn on the bar's own colour, not on
        # white (Streamlit's theme drew it on white, and the label vanished)
        family = spec["data"][1]["marker"]
        assert family["pattern"]["bgcolor"] == family["color"] and family["pattern"]["fillmode"] == "replace"


def test_a_map_keeps_room_for_its_whole_source_note(programs_env):
    """The maps set their own margins after base_layout, and their bottom one (100 px) cut the demo's two-line
    note to "Source: synthetic demo data (not real": the foot is base_layout's, sized to the note's lines."""
    program = programs()["test-intake"]
    square = {"type": "Feature", "id": "ON", "properties": {"ct": [-85.0, 50.0]},
              "geometry": {"type": "MultiPolygon", "coordinates": [[[[-90, 45], [-80, 45], [-80, 55], [-90, 45]]]]}}
    df = pd.DataFrame({"code": ["ON"], "n": [3]})
    for lang in ("en", "fr"):
        fig = charts.region_map(df, {"features": [square]}, code="code", value="n", names={"ON": "Ontario"}, lang=lang,
                                source=charts.source_note(program, lang=lang), value_label="n", hover=["3"],
                                projection=charts.CANADA_VIEW)
        layout = fig.to_dict()["layout"]
        note = layout["annotations"][-1]
        assert note["text"].count("<br>") >= 1  # the synthetic data's note takes two lines or more
        assert layout["margin"]["b"] == 100 + 14 * note["text"].count("<br>")  # room for every line of it
        plot_height = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
        assert note["yanchor"] == "bottom" and note["y"] * plot_height == pytest.approx(-layout["margin"]["b"])  # at the foot
