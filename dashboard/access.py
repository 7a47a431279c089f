"""Who may see what: ONE decision, allowed(user, action), and the roles file that feeds it. No streamlit.

Roles (data/access.toml, or the file DASHBOARD_ACCESS names), each allowed what the one before it is:

    viewer   the aggregate pages and the CSV of each chart's numbers
    analyst  also the application-record extracts and the data-loads history
    admin    also the extracts audit log

A signed-in person's role is their e-mail address's entry in [users], else their e-mail domain's entry
in [domains], else none (no access at all). When the deployment configures no sign-in provider, the
dashboard is a local demo: everyone gets `demo_role` while every record in the warehouse came from the
demo build (all_records_synthetic), else at most viewer, and every page says it is unauthenticated. A
program's `synthetic = true` in programs.toml grants nothing by itself: it is a label, and what decides
is where the records came from, as the warehouse recorded it.

On real records, a visitor who is not signed in and a signed-in viewer always see publication mode
(publication_forced): small counts suppressed, the rest rounded, so no filter singles out one applicant.

Every page and every download asks `allowed` (through dashboard.signin in the view layer); nothing
else decides. Unknown roles, unknown actions and missing users are refused.
"""

from __future__ import annotations

import hashlib
import os
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dashboard.programs import DATA_DIR

ROLES = ("viewer", "analyst", "admin")  # in increasing order of what they may do
# action -> the least role that may do it
ACTIONS: dict[str, str] = {
    "view_aggregates": "viewer",      # Overview, velocity, countries, context, About
    "download_aggregates": "viewer",  # the CSV of a chart's numbers
    "view_data_loads": "analyst",     # the Data loads page (ingest history: file names, row counts)
    "view_records": "analyst",        # the Extracts page: application records
    "download_records": "analyst",    # a CSV extract of application records
    "view_audit_log": "admin",        # the Admin page: the extracts audit log
}
# Pages (by st.Page url_path) that need more than view_aggregates. A page that shows records or logs
# must be listed here (app.py then offers it only to those allowed) AND call ui.gate.require(action)
# at its top (so a direct link is refused too).
PAGE_ACTIONS: dict[str, str] = {
    "data-loads": "view_data_loads",
    "extracts": "view_records",
    "admin": "view_audit_log",
}
# The view files that must call ui.gate.require(action) themselves (checked by tests/test_access.py).
VIEW_ACTIONS: dict[str, str] = {
    "ingest_history.py": "view_data_loads",
    "extracts.py": "view_records",
    "admin.py": "view_audit_log",
}


class AccessConfigError(ValueError):
    """The roles file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class User:
    """Who is looking: `role` None means no access; `signed_in` False is the local demo."""

    email: str | None
    role: str | None
    signed_in: bool

    @property
    def label(self) -> str:
        """How audit records name this person."""
        return self.email if self.signed_in and self.email else "anonymous"


@dataclass(frozen=True)
class AccessConfig:
    users: Mapping[str, str]
    domains: Mapping[str, str]
    demo_role: str


def allowed(user: User | None, action: str) -> bool:
    """May `user` do `action`? The one authorisation decision of the dashboard."""
    if user is None or user.role not in ROLES or action not in ACTIONS:
        return False
    return ROLES.index(user.role) >= ROLES.index(ACTIONS[action])


def page_action(url_path: str) -> str:
    """The action that opening the page at `url_path` needs."""
    return PAGE_ACTIONS.get(url_path, "view_aggregates")


def access_file() -> Path:
    return Path(os.environ.get("DASHBOARD_ACCESS") or DATA_DIR / "access.toml")


def _role(value: object, where: str) -> str:
    if value not in ROLES:
        raise AccessConfigError(f"{where}: unknown role {value!r}; expected one of {', '.join(ROLES)}")
    return str(value)


def parse_config(data: Mapping, where: str = "access.toml") -> AccessConfig:
    users, domains = data.get("users", {}), data.get("domains", {})
    if not isinstance(users, Mapping) or not isinstance(domains, Mapping):
        raise AccessConfigError(f"{where}: [users] and [domains] must be tables of \"address\" = \"role\"")
    return AccessConfig(
        users={str(k).strip().lower(): _role(v, f"{where} [users] {k}") for k, v in users.items()},
        domains={str(k).strip().lower().lstrip("@"): _role(v, f"{where} [domains] {k}") for k, v in domains.items()},
        demo_role=_role(data.get("demo_role", "viewer"), f"{where} demo_role"),
    )


@cache
def _load(path: str, mtime_ns: int) -> AccessConfig:
    try:
        with open(path, "rb") as fh:
            return parse_config(tomllib.load(fh), path)
    except FileNotFoundError:
        return AccessConfig(users={}, domains={}, demo_role="viewer")  # no file: nobody signed in has a role
    except tomllib.TOMLDecodeError as exc:
        raise AccessConfigError(f"{path}: {exc}") from None


def load_config(path: Path | None = None) -> AccessConfig:
    """The roles file, re-read when it changes (a new analyst needs no restart)."""
    path = path or access_file()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        mtime = -1
    return _load(str(path), mtime)


def role_for(claims: Mapping[str, object], config: AccessConfig) -> str | None:
    """The role of a signed-in person from their identity claims; None = no access.

    The e-mail address must be present and, when the provider says so, verified.
    """
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email or claims.get("email_verified") is False:
        return None
    if email in config.users:
        return config.users[email]
    return config.domains.get(email.rsplit("@", 1)[1])


def signed_in_user(claims: Mapping[str, object], config: AccessConfig) -> User:
    email = str(claims.get("email") or "") or None
    return User(email=email, role=role_for(claims, config), signed_in=True)


def demo_user(config: AccessConfig, all_synthetic: bool) -> User:
    """Everyone, when no sign-in provider is configured: `demo_role` while every record in the warehouse came
    from the demo build; at most a viewer as soon as other records are loaded (they never go out unsigned)."""
    return User(email=None, role=config.demo_role if all_synthetic else "viewer", signed_in=False)


def publication_forced(user: User | None, all_synthetic: bool) -> bool:
    """Must this person see every count under the publication rule? Yes on real records for anyone not
    signed in and for viewers: only analysts and admins see unrounded counts of real applications."""
    if all_synthetic:
        return False
    return user is None or not user.signed_in or user.role not in ("analyst", "admin")


def all_records_synthetic() -> bool:
    """True while every application record in the warehouse came from the demo build (or there are none).

    The one place the access decision learns where the records came from; anything that cannot be read
    counts as real. It must ask the warehouse, never the configuration alone: a program marked
    `synthetic = true` that received an ordinary ingest holds real records.
    """
    from dashboard import metrics, warehouse

    try:
        if warehouse.reader().snapshot_name is None:
            return True  # no records at all
        return metrics.records_synthetic()  # the origin each ingest recorded ("demo" only from the demo build)
    except (warehouse.NoWarehouse, OSError):
        return False


# ------------------------------------------------------------------ downloads tied to the person they were made for

_ISSUED_MAX = 4096
_issued: dict[str, str] = {}  # sha-256 of a file made for download -> the e-mail address it was made for
_issued_lock = threading.Lock()


def issued(content: bytes, email: str | None) -> bytes:
    """Record that `content` was made for `email` (the download the server then serves under /media/), and
    return it unchanged. Only the person it was made for may fetch it (may_fetch)."""
    digest = hashlib.sha256(content).hexdigest()
    with _issued_lock:
        _issued.pop(digest, None)
        _issued[digest] = (email or "").strip().lower()
        while len(_issued) > _ISSUED_MAX:
            del _issued[next(iter(_issued))]
    return content


def may_fetch(content: bytes, email: str | None) -> bool:
    """May the signed-in person `email` (None: nobody signed in) fetch this downloadable file? Only when it
    was made for them: a file this process did not issue, or issued to someone else, is refused."""
    if not email:
        return False
    with _issued_lock:
        owner = _issued.get(hashlib.sha256(content).hexdigest())
    return owner is not None and owner == email.strip().lower()
