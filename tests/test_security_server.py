"""The served dashboard (dashboard/serve.py) against plain HTTP and a real browser: host allow-list (DNS
rebinding), hardening headers, closed endpoints and downloads tied to the signed-in person (issue 15,
items 7, 8, 9). One real server with sign-in configured; the browser plays a person who has signed in
by carrying the signed cookie Streamlit's OIDC callback would have set."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest
from conftest import BASIC_ROWS, CHART_TRACE, FIXTURES, Server, write_export
from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

from dashboard.serve import HEADERS

SECRET = "s" * 32
DEPLOYED_HOST = "dashboard.example"  # named by STREAMLIT_SERVER_ALLOWED_HOSTS, as a deployment does


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from dashboard.ingest import ingest

    base = tmp_path_factory.mktemp("security-server")
    root = base / "warehouse"
    secrets = base / "secrets.toml"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DASHBOARD_PROGRAMS", str(FIXTURES / "programs.toml"))
        mp.setenv("DASHBOARD_WAREHOUSE", str(root))
        mp.setenv("DASHBOARD_ACCESS", str(FIXTURES / "access.toml"))
        ingest([write_export(base / "basic.csv", BASIC_ROWS)], root=root)
        mp.setenv("STREAMLIT_SECRETS_FILES", str(secrets))
        mp.setenv("STREAMLIT_SERVER_ALLOWED_HOSTS", f"localhost 127.0.0.1 {DEPLOYED_HOST}")
        secrets.write_text(
            '[auth]\nredirect_uri = "http://localhost:1/oauth2callback"\n'
            f'cookie_secret = "{SECRET}"\nclient_id = "id"\nclient_secret = "secret"\n'
            'server_metadata_url = "https://login.example/.well-known/openid-configuration"\n')
        s = Server(root, FIXTURES / "programs.toml", app="dashboard/serve.py")
    yield s
    s.stop()


def user_cookie(server: Server, email: str) -> str:
    """The value of Streamlit's sign-in cookie for `email`, signed as its OIDC callback signs it."""
    payload = json.dumps({"email": email, "email_verified": True, "origin": server.url, "is_logged_in": True,
                          "provider": "default"})
    return create_signed_value(SECRET, "_streamlit_user", payload).decode()


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def websocket_status(server: Server, host: str) -> str:
    """The status line the server answers a WebSocket handshake for /_stcore/stream sent with `host`."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as s:
        s.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Protocol: streamlit\r\n\r\n").encode())
        return s.recv(4096).split(b"\r\n", 1)[0].decode()


# ------------------------------------------------------------------ item 8: DNS rebinding

def test_a_foreign_host_gets_neither_the_websocket_nor_any_page(server):
    assert " 101 " in websocket_status(server, f"localhost:{server.port}")  # the check can see an accepted one
    assert " 101 " not in websocket_status(server, f"evil.example:{server.port}")
    for path in ("/", "/_stcore/health", "/_stcore/host-config"):
        assert get(server.url + path, Host=f"evil.example:{server.port}")[0] == 403, path
    assert get(server.url + "/_stcore/health")[0] == 200


def test_the_deployment_names_its_host_by_environment_variable(server):
    assert get(server.url + "/_stcore/health", Host=DEPLOYED_HOST)[0] == 200
    assert " 101 " in websocket_status(server, DEPLOYED_HOST)


# ------------------------------------------------------------------ item 9: hardening

@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/_stcore/host-config", "/static/does-not-exist.js"])
def test_every_response_carries_the_hardening_headers(server, path):
    _, headers, _ = get(server.url + path)
    assert {k: headers.get(k.lower()) for k in HEADERS} == HEADERS
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_no_parent_page_is_trusted_and_metrics_are_not_served(server):
    status, _, body = get(server.url + "/_stcore/host-config")
    assert status == 200 and json.loads(body)["allowedOrigins"] == []  # no *.streamlit.app
    assert get(server.url + "/_stcore/metrics")[0] == 404


# ------------------------------------------------------------------ item 7: downloads tied to the session

def test_a_record_download_goes_only_to_the_person_it_was_made_for(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    analyst = user_cookie(server, "ana.lyst@example.org")
    context.add_cookies([{"name": "_streamlit_user", "value": analyst, "url": server.url}])
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(server.url)  # the Overview's charts draw under the Content-Security-Policy
        page.wait_for_selector(CHART_TRACE, timeout=120_000)
        page.goto(server.url + "/extracts")
        page.get_by_text("Signed in as ana.lyst@example.org (analyst).").wait_for(timeout=60_000)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Download CSV").click()
        url = info.value.url
        assert "P1" in info.value.path().read_text()
    finally:
        context.close()
    assert "/media/" in url
    assert blocked == [], blocked  # the page works under the Content-Security-Policy
    assert get(url)[0] == 403  # the copied address, fetched without the session's cookies
    assert get(url, Cookie=f"_streamlit_user={user_cookie(server, 'bob@example.org')}")[0] == 403
    status, _, body = get(url, Cookie=f"_streamlit_user={analyst}")
    assert status == 200 and b"P1" in body
