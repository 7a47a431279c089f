"""A real server and headless Chromium: the Country of origin page draws, a click on a country's bar filters the
whole dashboard to it (the URL shows it), and nothing leaves the machine.
"""

from __future__ import annotations

import re

import pytest
from conftest import open_filters, outside_requests, settled

pytestmark = pytest.mark.browser

BARS = '[data-testid="stPlotlyChart"] .barlayer .trace'


def y_labels(page, chart: int) -> list[str]:
    """A ranked chart's country labels, top to bottom as drawn."""
    ticks = page.locator('[data-testid="stPlotlyChart"]').nth(chart).locator(".yaxislayer-above .ytick text")
    return [text for _, text in sorted((t.bounding_box()["y"], t.text_content()) for t in ticks.all())]


def click_bar(page, chart: int, trace: int, point: int) -> None:
    """Click the middle of one bar (plotly listens on the plot area above the bars, so click by position)."""
    bar = page.locator('[data-testid="stPlotlyChart"]').nth(chart).locator(".barlayer .trace").nth(trace) \
        .locator(".point").nth(point)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_click_a_country_filters_the_dashboard(shared_reference_server, page):
    server = shared_reference_server
    page.goto(f"{server.url}/countries")
    page.wait_for_selector(BARS, timeout=60_000)
    page.wait_for_function("document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length == 2", timeout=60_000)
    assert y_labels(page, 0) == ["India", "China", "South Korea"]
    assert y_labels(page, 1)[:3] == ["India", "China", "South Korea"]
    body = page.inner_text("body")
    assert "India accounts for 57.1% of principal applicants and 74.8% of US H-1B visas issued in 2023" in body
    assert "H-1B visas: US Department of State, visas issued by nationality, calendar 2023" in body

    click_bar(page, chart=0, trace=0, point=1)  # China's principal applicants
    page.wait_for_url(re.compile(r"[?&]country=CHN(&|$)"), timeout=60_000)
    page.wait_for_function("""() => { const t = document.querySelectorAll('[data-testid="stPlotlyChart"]')[1]
        ?.querySelectorAll('.yaxislayer-above .ytick text'); return t && t.length === 1; }""", timeout=60_000)
    assert y_labels(page, 0) == ["China"]
    assert y_labels(page, 1) == ["China"]
    body = page.inner_text("body")
    assert "China comes first with 2 principal applications, 28.6% of all principal applicants" in body
    assert "Filtered to China; latest data." in body
    assert "Filters: China" in page.inner_text('[data-testid="stSidebar"]')  # set with the filters section closed
    open_filters(page)
    citizenship = page.locator('[data-testid="stSidebar"] .react-aria-ComboBox').filter(
        has=page.get_by_label("Citizenship", exact=True))
    assert citizenship.locator("[data-tag]").evaluate_all("tags => tags.map(t => t.getAttribute('aria-label'))") \
        == ["China (CHN)"]

    # The rest of the dashboard follows: the Overview counts the 2 Chinese principals only.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Overview").click()
    page.wait_for_selector(BARS, timeout=60_000)
    page.get_by_text("2 applications match the filters").wait_for(timeout=60_000)
    assert re.search(r"[?&]country=CHN(&|$)", page.url)
    settled(page)
    assert outside_requests(page.requests) == []
