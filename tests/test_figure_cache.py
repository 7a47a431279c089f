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
from dashboard.ui import figures

APP = str(ROOT / "dashboard" / "app.py")
OVERVIEW = ("overview-cumulative", "overview-role-status")


def built(names=OVERVIEW) -> dict[str, int]:
    return {n: figures.builds[n] for n in names}


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_overview_rerun_reuses_its_figures_and_a_change_builds_new_ones(shared_basic_warehouse):
    figures.clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
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
