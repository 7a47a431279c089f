"""Hostile links in a real browser (issue 15, item 1): Markdown in a URL value makes no link, no image
and no request, on the dashboard and on the sign-in screen; the value is shown literally, as code."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from conftest import FIXTURES, free_port, outside_requests, settled
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def bait() -> Iterator[tuple[str, list[str]]]:
    """A local address the injected Markdown points at, recording every request it receives."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    port = free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", hits
    httpd.shutdown()
    httpd.server_close()


def nothing_from(page, address: str) -> dict:
    """What of `address` reached the page: links, images, and requests the browser made to it."""
    return {
        "links": page.locator(f'a[href^="{address}"]').count(),
        "images": page.locator(f'img[src^="{address}"]').count(),
        "requests": [u for u in page.requests if u.startswith(address)],
    }


def test_markdown_in_link_values_is_shown_as_text(shared_basic_server, page, bait):
    address, hits = bait
    server = shared_basic_server  # BASIC_ROWS as the demo, as demo_warehouse: no server of its own to start
    query = urlencode([
        ("country", f"![x]({address}/px.png)"),
        ("status", f"**Your session expired.** [Sign in again]({address}/phish)"),
        ("permit", ":red[**SECURITY WARNING**]"),
    ])
    page.goto(f"{server.url}/no-such-page?{query}")  # an unknown page address, too
    # not the Overview, unannounced: the app's own heading
    page.locator('[data-testid="stMain"]').get_by_role("heading", name="Page not found").wait_for(timeout=90_000)
    settled(page)  # the notices are drawn
    expect(page.get_by_role("dialog")).to_have_count(0)  # not also Streamlit's English "Page not found" dialog
    alerts = page.locator('[data-testid="stAlert"]')
    expect(alerts.filter(has_text="unknown status")).to_have_count(1)
    expect(alerts.filter(has_text="There is no page at this address (no-such-page).")).to_have_count(1)
    expect(page.locator('[data-testid="stMain"] [data-testid="stPageLink-NavLink"]')).to_have_count(11)
    # each value shows literally, as code, inside its notice (cut at ui.text.ECHO_CHARS characters)
    expect(alerts.locator("code").filter(has_text="**Your session expired.** [Sign in again](http")).to_have_count(1)
    expect(alerts.locator("code").filter(has_text=f"![x]({address}/px.png)")).to_have_count(1)
    expect(alerts.locator("code").filter(has_text=":red[**SECURITY WARNING**]")).to_have_count(1)
    assert nothing_from(page, address) == {"links": 0, "images": 0, "requests": []}
    assert hits == [] and outside_requests(page.requests) == []
    assert "country=" not in page.url and "status=" not in page.url  # the unusable values left the address


def test_markdown_in_the_language_is_shown_as_text_on_the_sign_in_screen(basic_warehouse, server_for, page, bait,
                                                                        tmp_path, monkeypatch):
    address, hits = bait
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "'
                       + "c" * 32 + '"\nclient_id = "id"\nclient_secret = "secret"\n'
                       'server_metadata_url = "https://login.example/.well-known/openid-configuration"\n')
    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(secrets))
    monkeypatch.setenv("DASHBOARD_ACCESS", str(FIXTURES / "access.toml"))
    server = server_for(basic_warehouse)
    page.goto(f"{server.url}/?" + urlencode({"lang": f"![x]({address}/px.png) [Sign in here]({address}/phish)"}))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=90_000)
    notice = page.locator('[data-testid="stAlert"]').filter(has_text="unknown language")
    expect(notice).to_have_count(1)
    expect(notice.locator("code")).to_contain_text(f"![x]({address}/px.png)")
    assert page.locator('[data-testid="stMetric"]').count() == 0  # still only the sign-in screen
    assert nothing_from(page, address) == {"links": 0, "images": 0, "requests": []}
    assert hits == [] and outside_requests(page.requests) == []
