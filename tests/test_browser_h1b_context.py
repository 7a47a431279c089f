"""A real server and headless Chromium: the US H-1B context page draws its charts with their sources, the
employer search answers through the URL, and nothing leaves the machine."""

from __future__ import annotations

import pytest
from conftest import CHART_TRACE, outside_requests, settled

pytestmark = pytest.mark.browser
CHARTS = '[data-testid="stPlotlyChart"]'


def test_h1b_context_draws_names_its_sources_and_searches(shared_reference_server, page):
    server = shared_reference_server
    page.goto(f"{server.url}/h1b-context")
    page.wait_for_selector(CHART_TRACE, timeout=60_000)
    page.wait_for_function(f"document.querySelectorAll('{CHARTS}').length >= 5", timeout=60_000)
    body = page.inner_text("body")
    assert "US H-1B context" in body and "583,420" in body and "110,791" in body
    assert "sidebar filters do not apply" in body
    # every figure carries its source in an annotation, so a saved PNG names it
    notes = page.locator(f"{CHARTS} .annotation-text").all_text_contents()
    assert sum(n.startswith("Source:") for n in notes) == 5

    box = page.get_by_role("textbox", name="Employer name contains")
    box.fill("infosys")
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('{CHARTS}').length >= 6", timeout=60_000)
    assert "the largest is INFOSYS LIMITED" in page.inner_text("body")
    assert "h1b_q=infosys" in page.url
    settled(page)
    assert outside_requests(page.requests) == []
