"""The Streamlit part of sign-in: the gate every run passes, the sign-in screen, refusing a page.

Sign-in is Streamlit's OIDC (st.login / st.user); who may do what is access.allowed, asked through
dashboard.signin (plain Python), which reads the session's user through this module.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import streamlit as st

from dashboard import access, permissions, signin, warehouse
from dashboard.i18n import t
from dashboard.signin import PUB_KEY, ROLE_LABELS, USER_KEY
from dashboard.ui.page import SIGNIN_NOTICE
from dashboard.ui.text import echo

log = logging.getLogger("dashboard")
signin.use_session(lambda: st.session_state.get(USER_KEY))


def provider_configured() -> bool:
    """True when the deployment configures sign-in: an [auth] section in .streamlit/secrets.toml."""
    return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)


def _providers() -> list[str | None]:
    """Named providers ([auth.microsoft], ...), or [None] for the single one configured in [auth] itself."""
    named = [k for k, v in st.secrets["auth"].items() if isinstance(v, Mapping)]
    return named or [None]


def require(action: str) -> None:
    """Stop the page here unless the current user may do `action`."""
    if not signin.allowed(action):
        st.error(t("You do not have access to this page. Ask the dashboard team if you need it."),
                 icon=":material/lock:")
        st.stop()


def _sign_in_screen() -> None:
    st.title(t("H-1B intake dashboard"), anchor=False)
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
    if access.publication_forced(user, synthetic):
        st.session_state[PUB_KEY] = True  # before the switch is drawn: neither ?pub=0 nor a click turns it off
    return user


def _permission_warning() -> None:
    """To whoever runs this dashboard (the administrator; anyone in the local demo): others may write to
    the warehouse folder, whose files DuckDB and the dashboard trust (dashboard.permissions)."""
    root = warehouse.reader().root
    found = [str(p) for p in permissions.unsafe_paths(root)]
    if found:
        st.error(t("Others than the ingest can change the warehouse, so its figures cannot be trusted (written "
                   "to by its group or by everyone: {problems}). {advice}").format(
                       problems="; ".join(echo(p, 200) for p in found[:5]) + (" …" if len(found) > 5 else ""),
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
    synthetic = signin.all_records_synthetic()
    if not provider_configured():
        user = _admit(access.demo_user(config, synthetic), synthetic)
        # One short line on every page, drawn by ui.notices under the title with the details a click away
        # (issue 16: the first screen holds the answers); how to configure sign-in is on the About page and
        # in docs/reliability.md.
        text = t("Local demo without sign-in: anyone who can open this address sees these pages.")
        short = t("Local demo, no sign-in")
        if user.role != config.demo_role:
            text += " " + t("Record-level pages stay hidden until sign-in is configured.")
        if signin.publication_forced():
            text += " " + t("The records are real, so every count is shown under the publication rule.")
            short = t("Local demo, no sign-in: counts published")
        st.session_state[SIGNIN_NOTICE] = (short, text)
        _permission_warning()
        return user
    st.session_state.pop(SIGNIN_NOTICE, None)
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        st.session_state.pop(USER_KEY, None)
        _sign_in_screen()
        st.stop()
    user = _admit(access.signed_in_user(claims, config), synthetic)
    if user.role is None:
        st.error(t("You are signed in as {email}, but this address has no access to the dashboard. Ask the "
                   "dashboard team to add it.").format(email=echo(user.email or "?", 200)), icon=":material/lock:")
        if st.button(t("Sign out")):
            st.logout()
        st.stop()
    # the address comes from the identity provider: echoed as plain text, never read as Markdown
    st.sidebar.caption(t("Signed in as {email} ({role}).").format(email=echo(user.email, 200),
                                                                  role=t(ROLE_LABELS[user.role])))
    if st.sidebar.button(t("Sign out")):
        st.logout()
    if user.role == "admin":
        _permission_warning()
    return user
