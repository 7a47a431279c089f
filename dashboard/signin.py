"""Who is looking and what they may do: the dashboard's use of access.allowed. No streamlit.

The decision itself is access.allowed; this module only knows who is looking and asks it. The Streamlit
part (the sign-in screen, the gate that stops a run, refusing a page) is dashboard.ui.gate, which also
tells this module where the session keeps its user (use_session):

    ui.gate.gate()              app.py, once per run, before anything reads data
    signin.offered(pages)       app.py: the st.Page entries this person may open
    gate.require(action)        first line of a restricted page (views/extracts.py: "view_records",
                                views/admin.py: "view_audit_log"): refuses a direct link too
    signin.allowed(action)      around every download (charts: "download_aggregates", record
                                extracts: "download_records"), and anything else shown by role
    signin.current_user()       the one way to know who is looking; .label names them in audit
                                records ("anonymous" in the local demo)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache

from dashboard import access, warehouse
from dashboard.i18n import N_

USER_KEY = "access_user"  # where the session keeps its access.User
PUB_KEY = "pub"  # the publication switch's key (ui.publication.PUB_KEY): set by the gate when the mode is forced
ROLE_LABELS = {"viewer": N_("viewer"), "analyst": N_("analyst"), "admin": N_("administrator")}
_session_user: Callable[[], access.User | None] = lambda: None  # noqa: E731 - replaced by use_session


def use_session(reader: Callable[[], access.User | None]) -> None:
    """Where current_user finds the person looking (the view layer gives its session's user)."""
    global _session_user
    _session_user = reader


def current_user() -> access.User | None:
    """The person looking (None before the gate has run, or when nobody may look)."""
    return _session_user()


def current_user_label() -> str:
    """How an audit record names the person looking."""
    user = current_user()
    return user.label if user is not None else "anonymous"


def allowed(action: str) -> bool:
    """May the person looking do `action`? (access.allowed for the current session)"""
    return access.allowed(current_user(), action)


def offered(pages: Sequence) -> list:
    """The st.Page entries the current user may open (the others are not even listed)."""
    return [p for p in pages if allowed(access.page_action(p.url_path))]


@lru_cache(maxsize=8)
def _all_records_synthetic(snapshot: str) -> bool:
    return access.all_records_synthetic()


_synthetic_lock = threading.Lock()


def all_records_synthetic() -> bool:
    """access.all_records_synthetic, once per published snapshot: sessions asking while it is being
    answered wait for that answer (the gate of every first run asks it; twenty of them at once on a
    cold server each read every record, issue 17)."""
    r = warehouse.reader()
    with _synthetic_lock:
        return _all_records_synthetic(f"{r.root}/{r.snapshot_name}")


def publication_forced() -> bool:
    """Whether the person looking must see every count under the publication rule (access.publication_forced)."""
    user = current_user()
    return user is not None and access.publication_forced(user, all_records_synthetic())
