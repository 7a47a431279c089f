"""Cheap reruns (issue 17): a figure is built once per snapshot, filters, language and publication mode.

Counted with dashboard.ui.figures.builds (every build goes through it), on a real warehouse through
Streamlit's AppTest; what the browser gets is compared through the chart's own JSON.
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from dashboard.filters import Filters
from dashboard.sidebar import FILTERS_OPEN
from dashboard.ui import figures

APP = str(ROOT / "dashboard" / "app.py")
OVERVIEW = ("overview-cumulative", "overview-role-status")


def built(names=OVERVIEW) -> dict[str, int]:
    return {n: figures.builds[n] for n in names}


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_overview_rerun_reuses_its_figures_and_a_change_builds_new_ones(shared_basic_warehouse):
    figures.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[FILTERS_OPEN] = True  # the filters section open, its widgets drawn
    at.run()
    assert not at.exception
    first, shown = built(), specs(at)
    assert len(shown) == 2 and all(first[n] >= 1 for n in OVERVIEW)

    at.run()  # a rerun that changed nothing builds nothing, and shows the same figures
    assert built() == first and specs(at) == shown

    at.sidebar.multiselect(key="f_status").set_value(["approved"]).run()  # a filter change: new figures
    assert not at.exception
    after_filter = built()
    assert all(after_filter[n] == first[n] + 1 for n in OVERVIEW)
    assert specs(at)[1]["data"] != shown[1]["data"]

    at.sidebar.multiselect(key="f_status").set_value([]).run()  # back to a setting already drawn: reused
    assert built() == after_filter and specs(at) == shown

    at.sidebar.selectbox(key="lang").set_value("fr").run()  # another language: its own figures
    assert not at.exception
    after_lang = built()
    assert all(after_lang[n] == after_filter[n] + 1 for n in OVERVIEW)
    french = specs(at)
    assert french != shown and [tr["name"] for tr in french[1]["data"]] == ["Approuvée", "Présentée"]

    at.sidebar.toggle(key="pub").set_value(True).run()  # publication mode: its own figures again
    assert not at.exception
    assert all(built()[n] == after_lang[n] + 1 for n in OVERVIEW)
    assert specs(at) != french


def test_figures_are_kept_per_warehouse_snapshot_and_bounded(shared_basic_warehouse, monkeypatch):
    figures.clear()
    figures.builds.clear()
    monkeypatch.setattr(figures, "_snapshot_key", lambda: "snap-1")
    monkeypatch.setattr(figures, "current_filters", lambda: Filters("p"))
    fig = figures.figure("t", lambda: go.Figure(go.Bar(x=[1, 2], y=[3, 4])))
    assert isinstance(fig, go.Figure) and fig.to_dict()["data"][0]["y"] == [3, 4]
    assert figures.figure("t", lambda: go.Figure()) is fig  # same key: the first figure, not rebuilt
    monkeypatch.setattr(figures, "_snapshot_key", lambda: "snap-2")  # a new ingest: built again
    assert figures.figure("t", lambda: go.Figure(go.Bar(x=[1], y=[9]))).to_dict()["data"][0]["y"] == [9]
    table = figures.memo("table", lambda: pd.DataFrame({"a": ["x"]}))  # any other derived value
    assert figures.memo("table", lambda: None) is table and figures.builds["table"] == 1
    monkeypatch.setenv("DASHBOARD_FIGURE_CACHE_MB", "0.000001")  # over budget: the oldest go first
    figures.figure("u", lambda: go.Figure())
    assert len(figures._figures) == 1
    figures.clear()


def test_a_kept_figure_is_sent_as_the_text_it_was_frozen_from(monkeypatch):
    """st.plotly_chart encodes fig.to_dict() with plotly.io.to_json on every run: for a kept figure that is
    the text it was frozen from (no second encoding), which parses to the same figure plotly would send."""
    import plotly.io as pio

    fig = go.Figure(go.Scatter(x=pd.date_range("2023-07-16 09:00", periods=3, freq="h"), y=[1.5, float("nan"), 3],
                               name="<b>a</b> & b"))
    fig.update_layout(title="Cap: 10 000", xaxis={"range": [pd.Timestamp("2023-07-16"), pd.Timestamp("2023-07-17")]})
    expected = pio.to_json(fig, validate=False)
    frozen, size = figures.freeze(fig)
    assert size >= len(expected)
    spec = frozen.to_dict()
    assert spec == json.loads(expected) and frozen.to_dict() is spec  # parsed once
    assert pio.to_json(spec, validate=False) is frozen.to_json() == expected  # the same text, not encoded again
    assert json.loads(pio.to_json(dict(spec), validate=False)) == spec  # a plain dict is still encoded by plotly


def test_tables_show_the_same_cells_as_through_pandas_own_styler():
    """ui.display_frame's quick_styler makes only what st.dataframe reads of a Styler: the protos it sends are
    byte for byte those of pandas' own Styler with the same formats."""
    from pandas.io.formats.style import Styler
    from streamlit.elements.lib.pandas_styler_utils import marshall_styler
    from streamlit.proto.ArrowData_pb2 import ArrowData

    from dashboard import i18n, ui
    from dashboard.ui import blocks

    df = pd.DataFrame({
        "status": ["approved", "submitted", None], "citizenship": ["IND", "CHN", "FRA"],
        "applications": pd.array([12_345, None, 7], dtype="Int64"), "share": [0.4213, None, 0.5],
        "whole": [1.0, 2.0, None], "note": ["a", None, "c <b>"],
        "submitted_at": pd.to_datetime(["2023-07-16 09:00", None, "2023-07-17 10:30"]),
        "family": [1, 2, 3],
    })
    for lang in ("en", "fr"):
        i18n.set_language(lang)
        try:
            for suppressed in ((), ("family",)):
                quick = ui.display_frame(df, list(suppressed))
                assert type(quick) is Styler and "_translate" in vars(quick)  # Streamlit checks the type's name
                reference = Styler(df, uuid=quick.uuid)  # the same formats through pandas' own format() calls
                for i, (formatter, na_rep) in enumerate(blocks.display_formats(blocks.column_formats(df), suppressed)):
                    reference.format(formatter, na_rep=na_rep, subset=None if i == 0 else list(formatter))
                protos = []
                for styler in (quick, reference):
                    proto = ArrowData()
                    marshall_styler(proto, styler, "x")
                    protos.append(proto)
                assert protos[0].styler.display_values == protos[1].styler.display_values
                assert protos[0] == protos[1]
        finally:
            i18n.set_language("en")
    assert "12,345" in quick.to_string() and "France (FRA)" in quick.to_string()  # pandas' rendering, same formats


def _parameters(name: str) -> set[str]:
    """The $parameters a named query binds."""
    import re

    from dashboard import warehouse

    return set(re.findall(r"\$([a-z_]+)", warehouse.sql_text(name)))


def test_metrics_cached_program_wide_bind_no_other_filter():
    """ui.run_metric keys these on the program and the as-of moment alone: their SQL must not read any other
    filter (a filter added to one of them must take it out of cache.PROGRAM_WIDE)."""
    from dashboard.ui import cache

    narrowing = set(Filters("p").params()) - {"program", "as_of"}
    for name in cache.PROGRAM_WIDE:
        used = _parameters(name)
        assert used and not used & narrowing, (name, used & narrowing)


def test_every_main_page_figure_is_the_same_json_built_with_trusted_layouts(shared_reference_warehouse, monkeypatch):
    """ui.figure builds with charts.trusted_layouts() (the drafted layout given unvalidated, each trace validated
    once, the template kept): each figure of the main pages, in both languages and in publication mode, is built
    both ways and must be the same JSON."""
    import plotly.io as pio

    from dashboard import charts, ui

    original, compared = ui.figure, []

    def both_ways(name, build, *parts, f=None):
        with charts.trusted_layouts():
            trusted = json.loads(pio.to_json(build(), validate=False))
        assert trusted == json.loads(pio.to_json(build(), validate=False)), name
        compared.append(name)
        return original(name, build, *parts, f=f)

    monkeypatch.setattr(ui, "figure", both_ways)
    pages = ("views/velocity.py", "views/countries.py", "views/time_to_cap.py")
    for lang in ("en", "fr"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state[FILTERS_OPEN] = True
        at.run()
        at.sidebar.selectbox(key="lang").set_value(lang).run()
        for page in (None, *pages):
            if page:
                at.switch_page(page).run()
            at.sidebar.multiselect(key="f_status").set_value(["submitted"]).run()
            at.sidebar.toggle(key="pub").set_value(True).run()
            at.sidebar.toggle(key="pub").set_value(False).run()
            assert not at.exception
    assert {"overview-cumulative", "overview-role-status", "velocity-arrivals", "countries-citizenship",
            "countries-representation", "ttc-fan", "ttc-history"} <= set(compared)


def test_velocity_figures_are_the_same_json_built_trusted_and_frozen():
    """The figures the page test above cannot reach on a one-program warehouse: the intakes compared (two
    programs), and the arrivals as bars (240 intervals or fewer) and as steps (more), each built trusted and
    frozen (ui.figure's way) against plotly's validated figure and its own to_json: the same JSON."""
    import plotly.io as pio

    from dashboard import charts
    from dashboard.programs import programs

    progs = programs()
    first, second = (progs[p] for p in list(progs)[:2])

    def curve(program, n):
        ends = pd.Timestamp(program.opens_at).tz_convert("UTC") + pd.to_timedelta(range(1, n + 1), unit="h")
        return pd.DataFrame({"interval_end": ends, "cumulative": [3 * i for i in range(1, n + 1)]})

    def arrivals(n):
        start = pd.Timestamp(first.opens_at).tz_convert("UTC") + pd.to_timedelta(range(n), unit="h")
        return pd.DataFrame({"interval_start": start, "interval_end": start + pd.Timedelta(hours=1),
                             "principal": [i % 7 for i in range(n)], "family": [i % 3 for i in range(n)]})

    elapsed = charts.elapsed_curves([(first, curve(first, 50)), (second, curve(second, 120))])
    reached = pd.Timestamp(first.opens_at).to_pydatetime() + pd.Timedelta(hours=5)
    builds = {f"compared-{share}-{lang}": (lambda share=share, lang=lang: charts.comparison_chart(
        elapsed, progs, share=share, lang=lang)) for share in (False, True) for lang in ("en", "fr")}
    for n in (30, 500):
        series = arrivals(n)
        builds[f"arrivals-{n}"] = lambda series=series: charts.arrivals_chart(
            series, first, reached, "hour", charts.principal_focus(series), lang="fr")
    for name, build in builds.items():
        with charts.trusted_layouts():
            frozen, _ = figures.freeze(build())
        assert json.loads(frozen.to_json()) == json.loads(pio.to_json(build(), validate=False)), name


def test_largest_count_is_what_stacking_the_columns_gave():
    """charts._largest (the bar charts' axis top) is pd.to_numeric(df[columns].stack(), errors="coerce").max(),
    empty cells (publication mode's suppressed counts) skipped, NaN when every cell is empty."""
    from dashboard import charts

    frames = [pd.DataFrame({"principal": [3, 9, 1], "family": [12, 0, 2]}),
              pd.DataFrame({"principal": pd.array([None, 4, 7], dtype="Int64"), "family": pd.array([None] * 3, dtype="Int64")}),
              pd.DataFrame({"principal": pd.array([None, None], dtype="Int64"), "family": pd.array([None, None], dtype="Int64")}),
              pd.DataFrame({"principal": [0.5, float("nan")], "family": [float("nan"), 0.25]})]
    for df in frames:
        stacked = pd.to_numeric(df[["principal", "family"]].stack(), errors="coerce").max()
        largest = charts._largest(df, ("principal", "family"))
        assert (pd.isna(stacked) and pd.isna(largest)) or float(stacked) == float(largest), df
