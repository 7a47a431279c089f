"""A real `streamlit run` server and headless Chromium: the Overview loads, its chart draws, nothing leaves."""

from __future__ import annotations

import pytest
from conftest import CHART_TRACE, outside_requests, settled

pytestmark = pytest.mark.browser


def test_overview_draws_and_stays_local(shared_basic_warehouse, server_for, page):
    server = server_for(shared_basic_warehouse)
    page.goto(server.url)
    page.wait_for_selector(CHART_TRACE, timeout=30_000)
    body = page.inner_text("body")
    assert "Cap reached" in body
    assert "synthetic" in body
    assert page.get_by_text("Principal applications counted").count() == 1
    settled(page)
    assert outside_requests(page.requests) == []
