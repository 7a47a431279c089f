"""Accessibility in a real browser: axe-core on every page of the app's navigation in English and in French,
the document's language, text that is cut short, and keyboard-only use.

One streamlit server (the session's, on the shared reference warehouse) and one browser serve the
whole module. axe-core is the copy bundled in
axe-playwright-python (axe_playwright_python/axe.min.js), injected into the page: nothing is fetched.
Violations that Streamlit's own markup causes are listed in KNOWN_UPSTREAM (rule id + target selector,
each with its upstream issue) and in docs/accessibility.md; every other serious or critical one fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import EXPANDERS_AT_REST, Server, app_pages, outside_requests

from dashboard import i18n

pytestmark = pytest.mark.browser

PAGES = app_pages()
LANGS = ("en", "fr")
BLOCKING = ("serious", "critical")
WAIT = 90_000  # ms: a generous wait for a state (a busy shared machine draws a page in tens of seconds)
# (rule id, regex on the element's CSS selector, upstream issue): Streamlit's markup, not ours.
KNOWN_UPSTREAM: list[tuple[str, str, str]] = []


def known_upstream(rule: str, target: str) -> str | None:
    for rule_id, pattern, issue in KNOWN_UPSTREAM:
        if rule == rule_id and re.search(pattern, target):
            return issue
    return None


@pytest.fixture
def a11y_server(shared_reference_server) -> Server:
    """The session's server on BASIC_ROWS as the demo plus the reference statistics (every page has data)."""
    return shared_reference_server


def url(server: Server, entry: dict, lang: str) -> str:
    return f"{server.url}/{'' if entry['default'] else entry['url_path']}?lang={lang}"


def settle(pg) -> None:
    """Wait until the script run is over, every plotly chart is drawn, the page has declared its
    language (document.documentElement.lang: "en" as served, "en-CA"/"fr-CA" once the app set it) and every
    open expander has stopped growing (conftest.EXPANDERS_AT_REST)."""
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=WAIT)
    pg.wait_for_function("() => document.documentElement.lang.endsWith('-CA')", timeout=WAIT)
    # Streamlit loads most elements' code on demand and shows a skeleton until it has arrived.
    pg.wait_for_function(
        """() => !document.querySelector('[data-testid="stSkeleton"], [data-stale="true"]')
                 && Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
                    .every(c => c.querySelector('.main-svg'))""", timeout=WAIT)
    pg.wait_for_load_state("networkidle", timeout=WAIT)
    # An expander just opened grows for 500 ms after its table comes, its lower part clipped, and the tables
    # in it draw only the rows shown: checked then, axe saw 30 % fewer elements on the Overview (1,856 passes,
    # not 2,639: whole tables missing) in 9 of 10 loads (docs/performance.md, "An expander still growing")
    pg.wait_for_function(EXPANDERS_AT_REST, timeout=WAIT)


def open_expanders(pg) -> None:
    """Open every expander, so that the tables and download buttons inside are checked too. Opening one
    reruns the page to send its table, and a rerun greys the page out until it ends: all are opened at
    once (their reruns coalesce), then the page is waited for before the checks read it."""
    closed = '[data-testid="stExpander"] details:not([open]) > summary'
    for _ in range(3):  # an expander the rerun draws anew may come back closed: open it again
        if not pg.locator(closed).count():
            return
        pg.evaluate("(sel) => document.querySelectorAll(sel).forEach(s => s.click())", closed)
        pg.wait_for_timeout(200)
        settle(pg)
    assert pg.locator(closed).count() == 0, "an expander would not stay open"


def axe_violations(pg) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(pg, options={"resultTypes": ["violations"]})
    return results.response["violations"]


def blocking(violations: list[dict]) -> list[str]:
    found = []
    for v in violations:
        if v["impact"] not in BLOCKING:
            continue
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if not known_upstream(v["id"], target):
                found.append(f"{v['id']} ({v['impact']}): {target}\n    {node['failureSummary']}")
    return found


def truncated(pg) -> list[str]:
    """Visible text cut short with an ellipsis (it must wrap instead: WCAG 1.4.4 and 1.4.10)."""
    return pg.evaluate(
        """() => Array.from(document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *'))
            .filter(e => getComputedStyle(e).textOverflow === 'ellipsis' && e.offsetParent !== null
                    && e.scrollWidth > e.clientWidth + 1 && e.textContent.trim())
            .map(e => e.textContent.trim())""")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("entry", PAGES, ids=[e["url_path"] or "overview" for e in PAGES])
def test_axe_language_and_layout_on_every_page_in_both_languages(a11y_server, page, entry, lang):
    """axe: zero serious or critical violations in what the project controls; lang and title in the
    page's language; no text cut short; no request leaves the machine. One page and language per test,
    so that the pages are checked side by side."""
    page.goto(url(a11y_server, entry, lang))
    settle(page)
    open_expanders(page)
    found = blocking(axe_violations(page))
    doc_lang = page.evaluate("() => document.documentElement.lang")
    if doc_lang != {"en": "en-CA", "fr": "fr-CA"}[lang]:
        found.append(f"document language is {doc_lang!r}")
    if i18n.t("H-1B intake dashboard", lang) not in page.title():
        found.append(f"the browser tab's title is not in the page's language: {page.title()!r}")
    found += [f"text cut short: {text!r}" for text in truncated(page)]
    assert found == [], f"{entry['url_path'] or 'overview'} ({lang}):\n  " + "\n  ".join(found)
    assert outside_requests(page.requests) == []


def test_axe_is_the_bundled_copy_and_finds_what_it_should(a11y_server, page):
    """The checks are live: axe runs from the package's own file and reports a planted violation."""
    import axe_playwright_python

    bundled = Path(axe_playwright_python.__file__).parent / "axe.min.js"
    assert bundled.read_text().startswith("/*! axe v4")
    page.goto(url(a11y_server, PAGES[0], "en"))
    settle(page)
    page.evaluate("""() => { const b = document.createElement('button');
                            b.id = 'planted'; document.querySelector('[data-testid="stMain"]').append(b); }""")
    planted = [v["id"] for v in axe_violations(page) if any("#planted" in t for n in v["nodes"] for t in n["target"])]
    assert planted == ["button-name"]
    page.evaluate("""() => { const p = document.createElement('p');
        p.style.cssText = 'width: 40px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis';
        p.textContent = 'Plafond atteint'; document.querySelector('[data-testid="stMain"]').append(p); }""")
    assert truncated(page) == ["Plafond atteint"]
    assert outside_requests(page.requests) == []


def test_browser_language_is_the_default_and_the_switch_updates_the_document(a11y_server, browser):
    """A French-speaking browser gets French without asking; switching to English updates the words,
    the URL and the document's language."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-CA")
    try:
        pg = context.new_page()
        requests: list[str] = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.goto(a11y_server.url)
        settle(pg)
        assert pg.evaluate("() => document.documentElement.lang") == "fr-CA"
        assert pg.get_by_text("Où en sont les demandes").count() == 1
        pg.get_by_label("Langue / Language").click()
        pg.get_by_role("option", name="English").click()
        pg.wait_for_function("() => document.documentElement.lang === 'en-CA'", timeout=30_000)
        settle(pg)
        assert "lang=en" in pg.url
        assert pg.get_by_text("Where the intake stands").count() == 1
        assert outside_requests(requests) == []
    finally:
        context.close()


def test_keyboard_alone_reaches_the_filters_and_downloads_a_chart_s_numbers(a11y_server, page):
    """Tab through the sidebar filters (each one takes the focus in order; Enter opens their section, in its
    place), then open a chart's numbers and press its download button, all with the keyboard."""
    page.goto(url(a11y_server, PAGES[0], "en"))
    settle(page)
    focused: list[str] = []
    opened = False
    for _ in range(80):
        page.keyboard.press("Tab")
        label = page.evaluate("""() => { const e = document.activeElement;
            const w = e.closest('[data-testid]'); const lab = e.getAttribute('aria-label')
                || (e.labels && e.labels[0] && e.labels[0].textContent) || e.textContent;
            return (w ? w.getAttribute('data-testid') : '') + '|' + (lab || '').trim(); }""")
        focused.append(label)
        if not opened and label.endswith("Choose filters"):
            opened = True
            page.keyboard.press("Enter")  # opens the filters section: its fields come next, the focus stays
            page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.wait_for(timeout=60_000)
            settle(page)
        # the expander's own summary (the page's main region, also focusable, can end with the same words)
        on_summary = page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
        if on_summary and label.endswith("Numbers behind this chart"):
            break
    text = "\n".join(focused)
    order = ["Langue / Language", "Choose filters", "From", "To", "Citizenship", "Applicant role", "Permit type", "Status",
             "Latest data", "Link to this moment", "Reset filters", "Numbers behind this chart"]
    positions = [next((i for i, f in enumerate(focused) if f.endswith(name)), None) for name in order]
    missing = [name for name, at in zip(order, positions, strict=True) if at is None]
    assert missing == [], f"not reached by Tab: {missing}\n{text}"
    assert positions == sorted(positions), text
    assert on_summary, f"Tab never reached a chart's numbers\n{text}"
    page.keyboard.press("Enter")  # opens the expander
    page.wait_for_selector('[data-testid="stExpander"] details[open] [data-testid="stDownloadButton"]')
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('[data-testid=\"stDownloadButton\"]')"):
            break
    assert page.evaluate("() => document.activeElement.textContent.trim()").endswith("Download CSV")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "cumulative_principals_test-intake_all_latest.csv"
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "interval_start,interval_end,arrivals,cumulative"
    assert lines[-1] == "2023-07-17T08:30:00-04:00,2023-07-17T08:31:00-04:00,1,7"  # P7, the seventh principal
    assert outside_requests(page.requests) == []

