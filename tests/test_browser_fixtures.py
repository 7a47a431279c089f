"""The browser fixtures of tests/conftest.py: the pages of one worker share a context (and its renderer process,
for speed), so each test's page must still start as in a new browser, with nothing an earlier page stored."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

SITE = "http://localhost:9/"  # never reached: each page's route answers it


def visit(pg) -> None:
    pg.route(f"{SITE}**", lambda route: route.fulfill(body="<title>t</title><p>t</p>", content_type="text/html"))
    pg.goto(SITE)


def stored(pg) -> dict:
    return pg.evaluate("""async () => ({local: localStorage.length, session: sessionStorage.length,
        cookie: document.cookie, idb: (await indexedDB.databases()).map(d => d.name)})""")


def test_a_page_opened_after_the_others_closed_starts_with_nothing_stored(new_page):
    first = new_page()
    visit(first)
    assert stored(first) == {"local": 0, "session": 0, "cookie": "", "idb": []}
    first.evaluate("""() => new Promise(done => { localStorage.setItem('k', 'v'); sessionStorage.setItem('k', 'v');
        document.cookie = 'c=1; max-age=600'; indexedDB.open('db').onsuccess = e => { e.target.result.close(); done(); }; })""")
    assert stored(first) == {"local": 1, "session": 1, "cookie": "c=1", "idb": ["db"]}
    tab = new_page(390, 844)  # open beside the first: shares what it stored, as a second tab would
    visit(tab)
    assert stored(tab) == {"local": 1, "session": 0, "cookie": "c=1", "idb": ["db"]}
    assert tab.viewport_size == {"width": 390, "height": 844}
    first.close()
    tab.close()
    second = new_page()
    visit(second)
    assert stored(second) == {"local": 0, "session": 0, "cookie": "", "idb": []}
    assert second.viewport_size == {"width": 1400, "height": 1000}
    assert second.requests == [SITE]
