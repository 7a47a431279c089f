"""The chart colours: enough contrast on white (WCAG 1.4.11 asks 3:1 of chart marks, 1.4.3 asks 4.5:1 of text)
and still told apart with the common colour-vision deficiencies; traces differ by more than colour."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import charts

# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision
# deficiency", severity 1.0: the matrices act on linear RGB.
CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def linear_rgb(hex_colour: str) -> list[float]:
    h = hex_colour.lstrip("#")
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def luminance(hex_colour: str) -> float:
    r, g, b = linear_rgb(hex_colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str = "#FFFFFF") -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def lab(rgb: list[float]) -> tuple[float, float, float]:
    """CIELAB (D65) of a linear RGB colour."""
    r, g, b = (min(1.0, max(0.0, c)) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def simulate(hex_colour: str, matrix: list[list[float]]) -> list[float]:
    rgb = linear_rgb(hex_colour)
    return [sum(matrix[i][j] * rgb[j] for j in range(3)) for i in range(3)]


def test_contrast_formula_matches_wcag_reference_values():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)
    assert contrast("#0072B2") == pytest.approx(5.19, abs=0.01)


@pytest.mark.parametrize("colour", sorted({*charts.SEQUENCE, *charts.PALETTE.values(), charts.CAP_LINE["color"],
                                           charts.EVENT_LINE}))
def test_every_chart_colour_has_3_to_1_on_white(colour):
    assert contrast(colour) >= 3.0


def test_chart_text_has_4_5_to_1_on_white():
    assert contrast(charts.TEXT) >= 4.5
    assert contrast(charts.EVENT_LINE) >= 4.5


@pytest.mark.parametrize("deficiency", sorted(CVD))
def test_sequence_stays_distinguishable_with_colour_vision_deficiencies(deficiency):
    """Every pair of the sequence stays at least 15 CIELAB units apart in simulated vision (about 2.3 is a
    just-noticeable difference); Okabe-Ito's own orange and sky blue would fail the contrast test above."""
    seen = {c: lab(simulate(c, CVD[deficiency])) for c in charts.SEQUENCE}
    closest = min(math.dist(seen[a], seen[b]) for a, b in itertools.combinations(charts.SEQUENCE, 2))
    assert closest >= 15


def test_same_kind_traces_get_a_pattern_dash_or_symbol_each():
    fig = go.Figure()
    for name in ("a", "b", "c"):
        fig.add_bar(name=name, x=[1], y=[name])
    fig.add_scatter(name="l1", x=[1, 2], y=[1, 2], mode="lines")
    fig.add_scatter(name="l2", x=[1, 2], y=[2, 1], mode="lines", line={"dash": "dot"})  # its own choice stays
    fig.add_scatter(name="p1", x=[1], y=[1], mode="markers")
    fig.add_scatter(name="p2", x=[1], y=[2], mode="markers")
    fig.add_scatter(name="band", x=[1], y=[2], mode="lines", showlegend=False)
    charts.distinguish_traces(fig)
    assert [tr.marker.pattern.shape for tr in fig.data[:3]] == ["", "/", "."]
    assert [tr.line.dash for tr in fig.data[3:5]] == ["solid", "dot"]
    assert [tr.marker.symbol for tr in fig.data[5:7]] == ["circle", "square"]
    assert fig.data[7].line.dash is None


def test_a_single_trace_is_left_as_drawn():
    fig = charts.distinguish_traces(go.Figure(go.Bar(x=[1, 2], y=["a", "b"])))
    assert fig.data[0].marker.pattern.shape is None


def test_french_date_axes_write_hours_the_french_way():
    from dashboard import i18n

    i18n.set_language("fr")
    try:
        x = pd.Series(pd.date_range("2023-07-16 09:00", periods=3, freq="h"))
        fig = charts.base_layout(go.Figure(go.Scatter(x=x, y=[1, 2, 3])), source="s", lang="fr")
        stops = {tuple(s.dtickrange): s.value for s in fig.layout.xaxis.tickformatstops}
        assert stops[(1000, 86_400_000)] == "%H h %M\n%-d %b %Y"
        assert stops[(86_400_000, "M1")] == "%-d %b\n%Y"
        assert fig.layout.yaxis.tickformatstops == ()  # numbers, not dates
        assert fig.layout.separators == ",\u00a0"
        assert fig.layout.yaxis.exponentformat == "none"  # 10 000, not 10k
    finally:
        i18n.set_language("en")
    fig = charts.base_layout(go.Figure(go.Scatter(x=x, y=[1, 2, 3])), source="s", lang="en")
    assert fig.layout.xaxis.tickformatstops == ()  # English keeps plotly's own date ticks
    assert fig.layout.separators == ".,"
