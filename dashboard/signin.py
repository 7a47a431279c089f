"""Sign-in (Streamlit's OIDC: st.login / st.user) and the view layer's use of access.allowed.

Imported by app and views only (it is part of the view layer). The decision itself is
access.allowed; this module only finds out who is looking and asks it:

    signin.gate()              app.py, once per run, before anything reads data
    signin.offered(pages)      app.py: the st.Page entries this person may open
    signin.require(action)     first line of a restricted page (views/extracts.py: "view_records",
                               views/admin.py: "view_audit_log"): refuses a direct link too
    signin.allowed(action)     around every download (charts: "download_aggregates", record
                               extracts: "download_records"), and anything else shown by role
    signin.current_user().label  who an audit record names ("anonymous" in the local demo)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import streamlit as st

from dashboard import access, permissions, warehouse
from dashboard.i18n import N_, t

log = logging.getLogger("dashboard")
USER_KEY = "access_user"
FORCED_KEY = "access_publication_forced"
PUB_KEY = "pub"  # the publication switch's key (ui.PUB_KEY): set here when the mode is forced
ROLE_LABELS = {"viewer": N_("viewer"), "analyst": N_("analyst"), "admin": N_("administrator")}


def provider_configured() -> bool:
    """True when the deployment configures sign-in: an [auth] section in .streamlit/secrets.toml."""
    return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)


def _providers() -> list[str | None]:
    """Named providers ([auth.microsoft], ...), or [None] for the single one configured in [auth] itself."""
    named = [k for k, v in st.secrets["auth"].items() if isinstance(v, Mapping)]
    return named or [None]


def current_user() -> access.User | None:
    return st.session_state.get(USER_KEY)


def allowed(action: str) -> bool:
    """May the person looking do `action`? (access.allowed for the current session)"""
    return access.allowed(current_user(), action)


def require(action: str) -> None:
    """Stop the page here unless the current user may do `action`."""
    if not allowed(action):
        st.error(t("You do not have access to this page. Ask the dashboard team if you need it."),
                 icon=":material/lock:")
        st.stop()


def offered(pages: Sequence) -> list:
    """The st.Page entries the current user may open (the others are not even listed)."""
    return [p for p in pages if allowed(access.page_action(p.url_path))]


@st.cache_data(max_entries=8, show_spinner=False)
def _all_records_synthetic(snapshot: str) -> bool:
    return access.all_records_synthetic()


def all_records_synthetic() -> bool:
    """access.all_records_synthetic, once per published snapshot."""
    r = warehouse.reader()
    return _all_records_synthetic(f"{r.root}/{r.snapshot_name}")


def publication_forced() -> bool:
    """Whether this session must see every count under the publication rule (access.publication_forced)."""
    return bool(st.session_state.get(FORCED_KEY, False))


def _sign_in_screen() -> None:
    st.title(t("H-1B intake dashboard"))
    st.write(t("Sign in with your work account to see the dashboard."))
    for provider in _providers():
        text = t("Sign in") if provider is None else t("Sign in with {provider}").format(provider=provider)
        if st.button(text, key=f"signin-{provider or 'default'}", type="primary"):
            try:
                st.login(provider)  # None = the single provider of [auth]
            except Exception:  # noqa: BLE001 - a missing package or incomplete [auth] settings
                log.exception("sign-in could not start")
                st.error(t("Sign-in could not start: the server's sign-in settings are incomplete or the Authlib "
                           "package is missing. Tell the dashboard team."), icon=":material/error:")


def _admit(user: access.User, synthetic: bool) -> access.User:
    """Remember who is looking, and force publication mode on before any widget can turn it off."""
    st.session_state[USER_KEY] = user
    forced = access.publication_forced(user, synthetic)
    st.session_state[FORCED_KEY] = forced
    if forced:
        st.session_state[PUB_KEY] = True  # before the switch is drawn: neither ?pub=0 nor a click turns it off
    return user


def _permission_warning() -> None:
    """To whoever runs this dashboard (the administrator; anyone in the local demo): others may write to
    the warehouse folder, whose files DuckDB and the dashboard trust (dashboard.permissions)."""
    root = warehouse.reader().root
    found = [str(p) for p in permissions.unsafe_paths(root)]
    if found:
        st.error(t("Others than the ingest can change the warehouse, so its figures cannot be trusted (written "
                   "to by its group or by everyone: {problems}). {advice}").format(problems="; ".join(found[:5]) + (" …" if len(found) > 5 else ""),
                                      advice=t("Only the account that runs the ingest may write to it: run "
                                               "chmod -R go-w on the warehouse folder (docs/security.md).")),
                 icon=":material/gpp_bad:")


def gate() -> access.User:
    """Who is looking. Draws the sign-in screen (or a refusal) and stops the run when they may see nothing."""
    try:
        config = access.load_config()
    except access.AccessConfigError as exc:
        log.error("access configuration: %s", exc)
        st.session_state.pop(USER_KEY, None)
        st.error(t("The access configuration cannot be read, so nothing is shown. Tell the dashboard team."),
                 icon=":material/lock:")
        st.stop()
    synthetic = all_records_synthetic()
    if not provider_configured():
        user = _admit(access.demo_user(config, synthetic), synthetic)
        text = t("Local demo without sign-in: anyone who can open this address sees these pages. Configure "
                 "sign-in (docs/reliability.md) before the dashboard holds real records or is shared.")
        if user.role != config.demo_role:
            text += " " + t("Record-level pages stay hidden until sign-in is configured.")
        if publication_forced():
            text += " " + t("The records are real, so every count is shown under the publication rule.")
        st.warning(text, icon=":material/lock_open:")
        _permission_warning()
        return user
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        st.session_state.pop(USER_KEY, None)
        _sign_in_screen()
        st.stop()
    user = _admit(access.signed_in_user(claims, config), synthetic)
    if user.role is None:
        st.error(t("You are signed in as {email}, but this address has no access to the dashboard. Ask the "
                   "dashboard team to add it.").format(email=user.email or "?"), icon=":material/lock:")
        if st.button(t("Sign out")):
            st.logout()
        st.stop()
    st.sidebar.caption(t("Signed in as {email} ({role}).").format(email=user.email, role=t(ROLE_LABELS[user.role])))
    if st.sidebar.button(t("Sign out")):
        st.logout()
    if user.role == "admin":
        _permission_warning()
    return user
