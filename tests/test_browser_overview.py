"""A real `streamlit run` server and headless Chromium: the Overview loads, its chart draws, nothing leaves."""

from __future__ import annotations

import pytest
from conftest import CHART_TRACE, outside_requests, settled

pytestmark = pytest.mark.browser


def test_overview_draws_and_stays_local(shared_basic_server, page):
    server = shared_basic_server
    page.goto(server.url)
    page.wait_for_selector(CHART_TRACE, timeout=60_000)
    body = page.inner_text("body")
    assert "Cap reached" in body
    assert "synthetic" in body
    assert page.get_by_text("Principal applications counted").count() == 1
    settled(page)
    assert outside_requests(page.requests) == []
    # the keyboard focus ring is a blue outline, not a second grey highlight like the current page's (issue 16)
    page.keyboard.press("Tab")
    link = page.locator('[data-testid="stSidebarNavLink"]').nth(1)
    link.focus()
    ring = link.evaluate("e => [e.matches(':focus-visible'), getComputedStyle(e).outlineStyle, "
                         "getComputedStyle(e).outlineColor, getComputedStyle(e).outlineWidth]")
    assert ring == [True, "solid", "rgb(0, 114, 178)", "3px"]
    # the Overview by its own name, as the other pages are reached by theirs, is the Overview, not "not found"
    page.goto(f"{server.url}/overview?lang=fr")
    page.locator(".st-key-headline-band").wait_for(timeout=60_000)
    settled(page)
    assert page.get_by_role("heading", name="Page introuvable").count() == 0
    assert "Plafond atteint" in page.locator(".st-key-headline-band").inner_text()
    assert page.url == f"{server.url}/?lang=fr"  # Streamlit gives the home page its address, the link's values kept


def test_headline_band_is_on_the_first_screen(shared_basic_server, new_page):
    """How fast, from where, when full: the band is whole in the first viewport, without scrolling, on a desk
    (English) and on a phone (French), and states the cap status, its moment and the count against the cap; the
    notices under it take a line each; on a desk the headline chart (the cumulative curve) starts within the first
    screen as well, and on a phone the other intake pages show their part of the band on their first screen."""
    server = shared_basic_server
    for (width, height), lang, words in [((1440, 900), "en", ["Cap reached", "Sun 16 Jul 2023", "5 counted toward the cap of 5",
                                                              "India", "per hour until the cap"]),
                                         ((390, 844), "fr", ["Plafond atteint", "16 juill. 2023",
                                                             "5 comptées sur un plafond de 5", "Inde"])]:
        page = new_page(width, height)
        page.goto(f"{server.url}/?lang={lang}")
        band = page.locator(".st-key-headline-band")
        band.wait_for(timeout=60_000)
        settled(page)
        text = band.inner_text()
        assert all(w in text for w in words), (lang, text)
        box = band.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (lang, box)
        assert page.evaluate("window.scrollY") == 0
        # the sign-in and synthetic-data notices: one line each, under the band, still on the first screen
        notices = [page.locator(f".st-key-notice-{k}").bounding_box() for k in ("signin", "synthetic")]
        assert all(n is not None and n["height"] < 40 and box["y"] + box["height"] < n["y"] < height - n["height"]
                   for n in notices), notices
        if width == 1440:  # on a desk the headline chart starts on the first screen too
            page.wait_for_selector(CHART_TRACE, timeout=60_000)
            chart = page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
            assert chart is not None and box["y"] + box["height"] < chart["y"] < height - 100, (chart, box)
        else:  # on a phone each intake page is headed by its part of the band, on the first screen
            for path, words in (("velocity", "À quel rythme :"), ("countries", "D'où :"), ("time-to-cap", "Échéance :")):
                page.goto(f"{server.url}/{path}?lang={lang}")
                band = page.locator(".st-key-headline-band")
                band.wait_for(timeout=60_000)
                settled(page)
                part = band.bounding_box()
                assert words in band.inner_text() and part["y"] + part["height"] <= height, (path, part)
        page.close()
