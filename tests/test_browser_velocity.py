"""A real server and headless Chromium: a link with filters draws the filtered figures, and the address
bar after a change in the sidebar reproduces the same figures in a new browser."""

from __future__ import annotations

import re

import pytest
from conftest import CHART_TRACE, outside_requests
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# The series each plotly chart on the page draws: [[(trace name, y values), ...], ...]
SERIES = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot'))
    .map(p => (p._fullData || []).map(t => [t.name, Array.from(t.y)]))"""


def first_chart(page, expected: list) -> list:
    """The first chart's series once they are `expected` (a rerun redraws charts after the metrics)."""
    page.wait_for_function(f"expected => JSON.stringify(({SERIES})()[0]) === JSON.stringify(expected)",
                           arg=expected, timeout=15_000)
    return page.evaluate(SERIES)[0]


def metric(page, label: str):
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def test_a_link_reproduces_the_view(shared_basic_warehouse, server_for, page, browser):
    server = server_for(shared_basic_warehouse)
    page.goto(f"{server.url}/velocity?country=CHN&grain=day")
    page.wait_for_selector(CHART_TRACE, timeout=30_000)
    expect(metric(page, "Principal applications")).to_have_text("2")  # P3 on the 16th, P7 on the 17th
    first_chart(page, [["Principal applicants", [1, 1]], ["Spouses and dependants", [0, 0]]])

    citizenship = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Citizenship")
    citizenship.locator("input").click()
    page.keyboard.type("India")
    page.get_by_role("option", name="India (IND)", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"country=CHN&country=IND"))
    expect(metric(page, "Principal applications")).to_have_text("6")
    figures = first_chart(page, [["Principal applicants", [5, 1]], ["Spouses and dependants", [2, 0]]])

    other = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-CA").new_page()
    other.requests = []
    other.on("request", lambda r: other.requests.append(r.url))
    other.goto(page.url)
    other.wait_for_selector(CHART_TRACE, timeout=30_000)
    expect(metric(other, "Principal applications")).to_have_text("6")
    expect(metric(other, "Busiest day")).to_have_text("5")
    assert first_chart(other, figures) == figures

    # Streamlit empties the query string on a page switch; the filters and the grain come back
    page.get_by_role("link", name="Overview").click()
    page.wait_for_url(re.compile(r"/\?country=CHN&country=IND$"))
    page.get_by_role("link", name="Velocity").click()
    page.wait_for_url(re.compile(r"/velocity\?country=CHN&country=IND&grain=day$"))
    assert outside_requests(page.requests) == [] and outside_requests(other.requests) == []
    other.context.close()
