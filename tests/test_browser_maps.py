"""A real server and headless Chromium: the Decisions and arrivals page draws its province and US state maps
from the outlines it ships, in English and in French, and no request leaves the machine."""

from __future__ import annotations

import pytest
from conftest import outside_requests
from decided import decided_warehouse  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("decided_warehouse")]

MAPS = '[data-testid="stPlotlyChart"] .geo'
# a map's regions are filled outlines: one scattergeo trace per region, plus the markers at their centres
REGIONS = '[data-testid="stPlotlyChart"] .geo .scatterlayer .trace'


def test_the_maps_draw_locally_in_both_languages(warehouse_dir, server_for, page):
    server = server_for(warehouse_dir)
    for lang, heading, ontario in (("en", "Where they mean to go", "Ontario is the intended province"),
                                   ("fr", "Où ils comptent s'établir", "Ontario : province visée")):
        page.goto(f"{server.url}/decisions?lang={lang}")
        page.wait_for_function(f"document.querySelectorAll('{MAPS}').length == 2", timeout=60_000)
        page.wait_for_function(f"document.querySelectorAll('{REGIONS}').length >= {13 + 1 + 51 + 1}",
                               timeout=60_000)
        body = page.inner_text("body")
        assert heading in body and ontario in body
        # Ontario holds the most principal applicants: filled with the scale's darkest blue
        fills = page.locator(MAPS).first.locator(".scatterlayer .trace path").evaluate_all(
            "paths => paths.map(p => p.style.fill)")
        assert "rgb(8, 48, 107)" in fills and "rgb(238, 238, 238)" in fills  # the darkest, and places with none
    page.wait_for_timeout(500)
    assert outside_requests(page.requests) == []
