"""Typing a country's name and Enter in the citizenship picker picks that country alone (issue 16)."""

from __future__ import annotations

import re

import pytest
from conftest import CHART_TRACE, open_filters, row, write_export
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_name_and_enter_pick_that_country_alone(tmp_path, warehouse_dir, server_for, page):
    from dashboard.ingest import ingest

    # India, and two countries a fuzzy match of "India" also finds (In-don-esia, Saint Kitts and Nevis)
    rows = [row("P1", "2023-07-16T09:01:00", citizenship="IND"), row("P2", "2023-07-16T09:02:00", citizenship="IND"),
            row("P3", "2023-07-16T09:03:00", citizenship="IDN"), row("P4", "2023-07-16T09:04:00", citizenship="KNA")]
    ingest([write_export(tmp_path / "three.csv", rows)], root=warehouse_dir, origin="demo")  # unsuppressed counts
    server = server_for(warehouse_dir)
    page.goto(f"{server.url}/velocity")
    page.wait_for_selector(CHART_TRACE, timeout=90_000)
    open_filters(page)
    picker = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Citizenship")
    picker.locator("input").click()
    page.keyboard.type("India")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"country=IND"), timeout=60_000)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Principal applications")
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text("2", timeout=60_000)
    assert re.findall(r"country=(\w+)", page.url) == ["IND"]
