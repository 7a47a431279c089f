"""The hardened server configuration: checked as Streamlit reads it, and against a running server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request

import pytest
from conftest import ROOT
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import connect

OPTIONS = ["server.enableXsrfProtection", "server.enableCORS", "client.showErrorDetails", "browser.gatherUsageStats",
           "server.maxUploadSize", "server.enableStaticServing", "server.trustedUserHeaders", "client.toolbarMode",
           "server.runOnSave", "global.developmentMode", "server.fileWatcherType", "server.corsAllowedOrigins",
           "server.headless", "server.cookieSecret"]


@pytest.fixture(scope="module")
def effective() -> dict:
    """Each option's value and where it was defined, as `streamlit run` in the project folder sees them."""
    code = ("import json; from streamlit import config; config.get_config_options(force_reparse=True); "
            f"print(json.dumps({{k: [config.get_option(k), config.get_where_defined(k)] for k in {OPTIONS!r}}}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_configuration_is_hardened(effective):
    value = {k: v for k, (v, _) in effective.items()}
    assert value["server.enableXsrfProtection"] is True
    assert value["server.enableCORS"] is True and value["server.corsAllowedOrigins"] == []  # same origin only
    assert value["client.showErrorDetails"] == "none"
    assert value["browser.gatherUsageStats"] is False
    assert 0 < value["server.maxUploadSize"] <= 50  # MB; the dashboard itself takes no uploads
    assert value["server.enableStaticServing"] is False
    assert value["server.trustedUserHeaders"] == {}  # no header can claim an identity
    assert value["client.toolbarMode"] == "viewer"
    assert (value["server.runOnSave"], value["global.developmentMode"], value["server.fileWatcherType"]) == \
        (False, False, "none")
    assert value["server.headless"] is True


def test_the_hardening_comes_from_the_project_file_and_no_secret_is_in_it(effective):
    config_file = str(ROOT / ".streamlit" / "config.toml")
    for key in ("server.enableXsrfProtection", "client.showErrorDetails", "browser.gatherUsageStats",
                "server.maxUploadSize", "server.enableStaticServing"):
        assert effective[key][1] == config_file, key
    assert effective["server.cookieSecret"][1] != config_file
    text = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert "cookieSecret" not in text.get("server", {})


def test_secrets_are_never_committed():
    for path in (".streamlit/secrets.toml", "secrets.toml"):
        out = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        assert out.returncode == 0, f"{path} must be git-ignored"


def test_a_running_server_applies_it(shared_basic_server):
    server = shared_basic_server
    with urllib.request.urlopen(f"{server.url}/_stcore/health") as r:  # where the frontend gets its XSRF cookie
        assert r.status == 200
        assert "_streamlit_xsrf=" in (r.headers.get("Set-Cookie") or "")
    # No static route: /app/static/... falls through to the app's own page (any path is a page URL).
    try:
        with urllib.request.urlopen(f"{server.url}/app/static/.streamlit/config.toml") as r:
            body, kind = r.read().decode("utf-8", "replace"), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        body, kind = "", f"status {err.code}"
    assert "enableXsrfProtection" not in body and not kind.startswith(("text/plain", "application/toml"))
    put = urllib.request.Request(f"{server.url}/_stcore/upload_file/session/file", data=b"x", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(put)
    assert exc.value.code in (400, 403)  # no XSRF token: refused
    ws_url = server.url.replace("http://", "ws://") + "/_stcore/stream"
    with pytest.raises((InvalidStatus, WebSocketException, ConnectionError)):  # cross-site websocket: refused
        with connect(ws_url, subprotocols=["streamlit"], origin="http://evil.example", open_timeout=10) as ws:
            ws.recv(timeout=10)
