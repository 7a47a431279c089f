"""The server: the dashboard (app.py) behind a guard that Streamlit's own settings cannot provide.

    python -m streamlit run dashboard/serve.py     # what `make serve` runs (docs/security.md)

Streamlit serves this file's `app` (an st.App) with `guard` in front of every request:

- the Host header must be one `server.allowedHosts` names (Streamlit checks it on the WebSocket only;
  here every HTTP request too, so a DNS-rebinding page gets nothing from this server);
- every response carries the hardening headers of HEADERS (no framing, no MIME sniffing, no referrer);
- `/_stcore/metrics` is not served (it is public in Streamlit, sign-in or not);
- with sign-in configured, a downloadable file under `/media/` goes only to a browser whose sign-in
  cookie names the person it was made for (access.may_fetch): a copied address fetched without that
  session's cookies gets 403.

`streamlit run dashboard/app.py` still works (the tests' servers use it) but has none of this: a
deployment serves serve.py, behind the nginx configuration of docs/security.md.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import streamlit as st
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import config
from streamlit.runtime.media_file_storage import MediaFileKind
from streamlit.web.server.starlette import starlette_websocket as ws

from dashboard import access

log = logging.getLogger("dashboard")



def _inline_script_hashes() -> str:
    """CSP hashes of the inline scripts of Streamlit's index.html (it has one: `window.prerenderReady = false`)."""
    import streamlit

    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)


# The hardening headers, the same list as the nginx configuration (docs/security.md). The CSP allows
# what Streamlit's page needs (its own inline script by hash, inline styles, images and fonts as
# data:/blob:) and nothing from another origin.
HEADERS = {
    "Content-Security-Policy": (f"default-src 'self'; script-src 'self' blob: {_inline_script_hashes()}; "
                                "style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                                "worker-src 'self' blob:; frame-src 'self'; object-src 'none'; base-uri 'self'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
CLOSED_PATHS = ("/_stcore/metrics",)  # under server.baseUrlPath


def _base() -> str:
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _sign_in_configured() -> bool:
    return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)


def signed_in_email(headers: Headers) -> str | None:
    """The e-mail address in the request's Streamlit sign-in cookie (signed with the cookie secret), else None."""
    from starlette.requests import HTTPConnection

    cookies = HTTPConnection({"type": "http", "headers": headers.raw}).cookies
    try:
        raw = ws._get_signed_cookie_with_chunks(cookies, ws.USER_COOKIE_NAME)
        payload = json.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError):
        return None
    email = payload.get("email") if payload.get("is_logged_in") else None
    return str(email) if email else None


def _media_file(name: str):
    from streamlit import runtime

    if not runtime.exists():
        return None
    mgr = runtime.get_instance().media_file_mgr
    return mgr.read_file(name) if mgr.can_read_files else None


class Guard:
    """ASGI middleware: the host allow-list, closed paths, session-bound downloads, hardening headers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not ws.is_host_allowed(headers.get("host")):
            log.warning("refused a request for host %r (server.allowedHosts)", headers.get("host"))
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await PlainTextResponse("Host not allowed", status_code=403)(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        base = _base()
        if any(path.rstrip("/") == base + p for p in CLOSED_PATHS):
            await PlainTextResponse("Not found", status_code=404)(scope, receive, send)
            return
        if path.startswith(base + "/media/") and _sign_in_configured():
            file = _media_file(path[len(base + "/media/"):])
            if file is not None and file.kind == MediaFileKind.DOWNLOADABLE and not access.may_fetch(
                    file.content, signed_in_email(headers)):
                await PlainTextResponse("This download belongs to another session; download it again from the "
                                        "dashboard.", status_code=403)(scope, receive, send)
                return

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = {k.lower() for k in HEADERS}
                message = {**message, "headers": [*((k, v) for k, v in message.get("headers", [])
                                                    if k.decode("latin-1").lower() not in own),
                                                  *((k.lower().encode(), v.encode()) for k, v in HEADERS.items())]}
            await send(message)

        await self.app(scope, receive, send_hardened)


@contextlib.asynccontextmanager
async def warm_up(_app: st.App) -> AsyncIterator[None]:
    """At start-up, and whenever an ingest publishes, the program-wide figures are computed once in the
    background (dashboard.ui.warm), before anyone asks: the first visitors find them ready."""
    from dashboard.ui import warm

    warm.watch()
    yield None


app = st.App(Path(__file__).with_name("app.py"), middleware=[Middleware(Guard)], lifespan=warm_up)
