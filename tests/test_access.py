"""Who may see what: the one decision (access.allowed), the roles file, sign-in through AppTest, and
checks that every restricted page and every download goes through the decision."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, open_numbers, row, write_export
from streamlit.testing.v1 import AppTest

from dashboard import access
from dashboard.access import AccessConfigError, User, allowed, parse_config, role_for
from dashboard.ingest import IngestRejected, ingest

APP = str(ROOT / "dashboard" / "app.py")
VIEWS = ROOT / "dashboard" / "views"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c" * 32, "client_id": "id",
        "client_secret": "secret", "server_metadata_url": "https://login.example/.well-known/openid-configuration"}
CONFIG = parse_config({"demo_role": "admin", "users": {"Ada@Example.org": "admin", "ana@example.org": "analyst"},
                       "domains": {"example.org": "viewer", "@partner.example": "analyst"}})


# ------------------------------------------------------------------ the decision

@pytest.mark.parametrize(("role", "expected"), [
    ("viewer", {"view_aggregates", "download_aggregates"}),
    ("analyst", {"view_aggregates", "download_aggregates", "view_data_loads", "view_records", "download_records"}),
    ("admin", set(access.ACTIONS)),
])
def test_each_role_is_allowed_exactly_its_actions(role, expected):
    user = User("someone@example.org", role, signed_in=True)
    assert {a for a in access.ACTIONS if allowed(user, a)} == expected


@pytest.mark.parametrize("user", [None, User("x@example.org", None, True), User("x@example.org", "superuser", True),
                                  User(None, "", False)])
def test_no_role_or_an_unknown_role_is_allowed_nothing(user):
    assert [a for a in access.ACTIONS if allowed(user, a)] == []


def test_an_unknown_action_is_refused_even_to_an_admin():
    assert allowed(User("a@example.org", "admin", True), "drop_everything") is False


def test_restricted_pages_need_their_action_and_others_need_view_aggregates():
    assert access.page_action("extracts") == "view_records"
    assert access.page_action("admin") == "view_audit_log"
    assert access.page_action("data-loads") == "view_data_loads"
    assert access.page_action("overview") == "view_aggregates"


# ------------------------------------------------------------------ roles from the file

@pytest.mark.parametrize(("claims", "role"), [
    ({"email": "ada@example.org"}, "admin"),               # the address, case-insensitively
    ({"email": "ANA@EXAMPLE.ORG", "email_verified": True}, "analyst"),
    ({"email": "bob@example.org"}, "viewer"),              # else the domain
    ({"email": "carol@partner.example"}, "analyst"),       # a domain written with its @
    ({"email": "dan@sub.example.org"}, None),              # subdomains are not the domain
    ({"email": "eve@example.org.evil.example"}, None),
    ({"email": "ada@example.org", "email_verified": False}, None),  # the provider says unverified
    ({"name": "No Mail"}, None),
    ({"email": "not-an-address"}, None),
])
def test_role_for_a_signed_in_person(claims, role):
    assert role_for(claims, CONFIG) == role


def test_an_unknown_role_in_the_file_is_an_error_naming_the_entry():
    with pytest.raises(AccessConfigError, match=r"\[users\] x@example.org: unknown role 'owner'"):
        parse_config({"users": {"x@example.org": "owner"}})
    with pytest.raises(AccessConfigError, match="demo_role"):
        parse_config({"demo_role": "everyone"})


def test_the_local_demo_gets_demo_role_only_while_every_program_is_synthetic():
    assert access.demo_user(CONFIG, all_synthetic=True) == User(None, "admin", signed_in=False)
    assert access.demo_user(CONFIG, all_synthetic=False).role == "viewer"
    assert access.demo_user(CONFIG, all_synthetic=True).label == "anonymous"


def test_the_shipped_roles_file_parses_and_grants_no_one_by_default():
    config = access.load_config(ROOT / "data" / "access.toml")
    assert (dict(config.users), dict(config.domains), config.demo_role) == ({}, {}, "admin")


def test_the_roles_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "access.toml"
    path.write_text('[users]\n"a@example.org" = "viewer"\n')
    assert role_for({"email": "a@example.org"}, access.load_config(path)) == "viewer"
    path.write_text('[users]\n"a@example.org" = "analyst"\n# longer, so the change shows even within one tick\n')
    assert role_for({"email": "a@example.org"}, access.load_config(path)) == "analyst"


# ------------------------------------------------------------------ sign-in in the app

@pytest.fixture
def access_env(monkeypatch, demo_warehouse):
    monkeypatch.setenv("DASHBOARD_ACCESS", str(FIXTURES / "access.toml"))
    return demo_warehouse


def app(user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    return at.run()


def demo_notice(at: AppTest) -> tuple[str, str]:
    """The unauthenticated-demo notice: its one line, and its details (a click away, issue 16)."""
    (box,) = [e for e in at.expander if "no sign-in" in e.label]
    return box.label, " ".join(m.value for m in box.markdown)


def offered(at: AppTest) -> set[str]:
    """The view files the navigation offers (AppTest refuses to switch to any other)."""
    names = set()
    for f in VIEWS.glob("*.py"):
        try:
            at.switch_page(f"views/{f.name}")
            names.add(f.name)
        except ValueError:
            pass
    return names


# The pages anyone with view_aggregates may open, and the record-level ones on top.
AGGREGATE_PAGES = {"overview.py", "velocity.py", "countries.py", "time_to_cap.py", "decisions.py", "plan.py",
                   "h1b_context.py", "about.py"}
ANALYST_PAGES = AGGREGATE_PAGES | {"ingest_history.py", "extracts.py"}
ALL_PAGES = ANALYST_PAGES | {"admin.py"}


def test_without_a_provider_the_demo_says_it_is_unauthenticated_and_gets_demo_role(access_env):
    at = app()
    assert not at.exception
    line, details = demo_notice(at)
    assert line == "**Local demo, no sign-in**"
    assert details.startswith("Local demo without sign-in: anyone who can open this address")
    assert "Record-level pages" not in details
    assert offered(at) == ALL_PAGES  # demo_role admin: every page


def test_without_a_provider_real_records_are_never_offered_unsigned(access_env, tmp_path):
    """second-intake's records come from an export: once they are loaded, the demo is a viewer at most."""
    ingest([write_export(tmp_path / "real.csv", [row("R1", "2024-03-01T08:30:00", program="second-intake")])],
           root=access_env)
    at = app()
    assert not at.exception
    line, details = demo_notice(at)
    assert line == "**Local demo, no sign-in: counts published**"
    assert "Record-level pages stay hidden until sign-in is configured." in details
    assert offered(at) == AGGREGATE_PAGES


def test_with_a_provider_nobody_sees_data_before_signing_in(access_env):
    at = app({"is_logged_in": False})
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert len(at.metric) == 0 and len(at.dataframe) == 0 and len(at.sidebar.multiselect) == 0
    assert "Sign in with your work account" in at.markdown[0].value


def test_a_signed_in_viewer_sees_aggregates_and_downloads_but_not_data_loads(access_env):
    at = app({"is_logged_in": True, "email": "bob@example.org", "name": "Bob"})
    assert not at.exception
    assert len(at.metric) == 3  # the Overview's three headline counts
    assert "Signed in as `bob@example.org` (viewer)." in [c.value for c in at.sidebar.caption]  # as plain text
    open_numbers(at)
    # the brief, and the numbers behind each chart: CSV, and CSV with provenance
    assert [b.key for b in at.download_button] == ["dl-cumulative", "dlz-cumulative", "brief-pdf", "dl-role-status",
                                                   "dlz-role-status"]
    assert offered(at) == AGGREGATE_PAGES


def test_a_signed_in_analyst_is_offered_data_loads(access_env):
    at = app({"is_logged_in": True, "email": "ana.lyst@example.org"})
    assert not at.exception
    assert offered(at) == ANALYST_PAGES
    at.switch_page("views/ingest_history.py").run()
    assert not at.exception
    assert [h.value for h in at.header] == ["Data loads"]


def test_a_signed_in_address_is_shown_as_plain_text(access_env):
    """The e-mail comes from the identity provider: Markdown in it (a link, an image) is shown, not followed."""
    at = app({"is_logged_in": True, "email": "[x](http://127.0.0.1/z)@elsewhere.example"})
    assert not at.exception
    assert at.error[0].value.startswith("You are signed in as `[x](http://127.0.0.1/z)@elsewhere.example`, but")


def test_a_signed_in_person_without_a_role_sees_nothing(access_env):
    at = app({"is_logged_in": True, "email": "mallory@elsewhere.example"})
    assert not at.exception
    assert at.error[0].value.startswith("You are signed in as `mallory@elsewhere.example`, but this address has no access")
    assert len(at.metric) == 0 and [b.label for b in at.button] == ["Sign out"]


def test_an_unusable_roles_file_shows_nothing(access_env, monkeypatch, tmp_path):
    bad = tmp_path / "access.toml"
    bad.write_text('[users]\n"a@example.org" = "root"\n')
    monkeypatch.setenv("DASHBOARD_ACCESS", str(bad))
    at = app({"is_logged_in": True, "email": "a@example.org"})
    assert not at.exception
    assert at.error[0].value.startswith("The access configuration cannot be read, so nothing is shown.")
    assert len(at.metric) == 0


def test_a_restricted_page_refuses_a_direct_run_without_the_right():
    script = """
import streamlit as st
from dashboard import access, signin
from dashboard.ui import gate
st.session_state[signin.USER_KEY] = access.User("v@example.org", "viewer", True)
gate.require("view_records")
st.write("application records")
"""
    at = AppTest.from_string(script).run()
    assert not at.exception
    assert at.error[0].value.startswith("You do not have access to this page.")
    assert [m.value for m in at.markdown] == []


# ------------------------------------------------------------------ every page and download goes through it

def _calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _first_statement_requires(path: Path) -> str | None:
    """The action of a gate.require(...) call that runs before anything is drawn, else None."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            continue
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _name(node.value) == "require"
                and isinstance(node.value.args[0], ast.Constant)):
            return node.value.args[0].value
        return None
    return None


def test_every_restricted_view_requires_its_action_before_drawing_anything():
    present = {name: action for name, action in access.VIEW_ACTIONS.items() if (VIEWS / name).exists()}
    assert "ingest_history.py" in present
    assert {name: _first_statement_requires(VIEWS / name) for name in present} == present


def test_app_registers_restricted_views_under_the_url_path_their_action_guards():
    tree = ast.parse((ROOT / "dashboard" / "app.py").read_text())
    for call in (c for c in _calls(tree) if _name(c) == "Page"):
        view = Path(call.args[0].value).name
        url = next((k.value.value for k in call.keywords if k.arg == "url_path"), Path(view).stem)
        if view in access.VIEW_ACTIONS:
            assert access.PAGE_ACTIONS.get(url) == access.VIEW_ACTIONS[view], (view, url)
    assert any(_name(c) == "offered" for c in _calls(tree)), "app.py must filter its pages with signin.offered"


def test_every_download_button_is_behind_signin_allowed():
    """A function (or module) that draws a download button also asks signin.allowed / access.allowed."""
    offenders = []
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        tree = ast.parse(path.read_text())
        scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]
        for scope in scopes:
            body = scope.body if isinstance(scope, ast.Module) else [scope]
            calls = [c for stmt in body for c in _calls(stmt)]
            if isinstance(scope, ast.Module):  # module level: not inside a function
                inner = {id(c) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for c in _calls(n)}
                calls = [c for c in calls if id(c) not in inner]
            names = {_name(c) for c in calls}
            if "download_button" in names and not names & {"allowed", "require"}:
                offenders.append(f"{path.relative_to(ROOT)}:{getattr(scope, 'name', '<module>')}")
    assert offenders == []


# ------------------------------------------------------------------ publication forced on real records (issue 15, item 3)

SINGLE_APPLICANT = {"program": "second-intake", "from": "2024-03-01T08:00", "to": "2024-03-01T09:00",
                    "country": "IND", "status": "submitted", "pub": "0"}


@pytest.fixture
def real_warehouse(access_env, tmp_path):
    """second-intake holding two exported applications, one of them the only IND one in the hour."""
    ingest([write_export(tmp_path / "real.csv", [
        row("R1", "2024-03-01T08:30:00", program="second-intake", citizenship="IND"),
        row("R2", "2024-03-01T10:30:00", program="second-intake", citizenship="CHN")])], root=access_env)
    return access_env


def _single_applicant(user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for k, v in SINGLE_APPLICANT.items():
        at.query_params[k] = v
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    return at.run()


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info, *at.warning])


@pytest.mark.parametrize("who", [None, {"is_logged_in": True, "email": "bob@example.org"}], ids=["unsigned", "viewer"])
def test_a_link_cannot_single_out_one_real_applicant_unsigned_or_as_viewer(real_warehouse, who):
    at = _single_applicant(who)
    assert not at.exception
    assert "1 application matches" not in _texts(at) and "1 applications" not in _texts(at)
    assert "`--` applications match the filters" in _texts(at)
    toggle = at.sidebar.toggle(key="pub")
    assert toggle.value is True and toggle.disabled  # ?pub=0 in the link does not turn it off


def test_an_analyst_sees_the_unrounded_count_of_real_records(real_warehouse):
    at = _single_applicant({"is_logged_in": True, "email": "ana.lyst@example.org"})
    assert not at.exception
    assert "1 application matches the filters" in _texts(at)
    assert not at.sidebar.toggle(key="pub").disabled


def test_on_demo_records_publication_mode_stays_a_choice(access_env):
    at = app()
    assert not at.exception
    assert at.sidebar.toggle(key="pub").value is False and not at.sidebar.toggle(key="pub").disabled


@pytest.mark.parametrize(("role", "signed_in", "synthetic", "forced"), [
    (None, False, False, True), ("viewer", False, False, True), ("admin", False, False, True),
    ("viewer", True, False, True), ("analyst", True, False, False), ("admin", True, False, False),
    ("admin", False, True, False), ("viewer", True, True, False),
])
def test_publication_is_forced_on_real_records_for_anyone_but_analysts_and_admins(role, signed_in, synthetic, forced):
    user = User("x@example.org" if signed_in else None, role, signed_in)
    assert access.publication_forced(user, synthetic) is forced


def test_a_download_is_fetched_only_by_the_person_it_was_made_for():
    made = access.issued(b"application_id\nP1\n", "Ana.Lyst@Example.org")
    assert made == b"application_id\nP1\n"  # handed on unchanged
    assert access.may_fetch(made, "ana.lyst@example.org")  # the same person, case aside
    assert not access.may_fetch(made, "bob@example.org")
    assert not access.may_fetch(made, None)  # no sign-in cookie
    assert not access.may_fetch(b"a file this process never issued", "ana.lyst@example.org")


# ------------------------------------------------------------------ synthetic is where the records came from

def test_a_program_marked_synthetic_that_received_an_ordinary_export_grants_nothing_more(warehouse_dir, tmp_path,
                                                                                        monkeypatch):
    """test-intake says `synthetic = true` in programs.toml, but these records came from an export, not from
    the demo build: anonymous visitors get viewer at most, publication forced (issue 15, item 2)."""
    monkeypatch.setenv("DASHBOARD_ACCESS", str(FIXTURES / "access.toml"))
    ingest([write_export(tmp_path / "export.csv", [row("X1", "2023-07-16T09:10:00"),
                                                   row("X2", "2023-07-16T09:20:00")])], root=warehouse_dir)
    assert not access.all_records_synthetic()
    at = app()
    assert not at.exception
    line, details = demo_notice(at)
    assert line == "**Local demo, no sign-in: counts published**"
    assert "Record-level pages stay hidden until sign-in is configured." in details
    assert offered(at) == AGGREGATE_PAGES
    assert at.sidebar.toggle(key="pub").value is True and at.sidebar.toggle(key="pub").disabled


def test_an_export_into_the_demo_s_program_is_refused_and_the_demo_stays_synthetic(access_env, tmp_path):
    with pytest.raises(IngestRejected) as refused:
        ingest([write_export(tmp_path / "export.csv", [row("X1", "2023-07-16T09:10:00")])], root=access_env)
    assert "program test-intake holds the demo build's synthetic records" in str(refused.value.problems[0])
    assert access.all_records_synthetic()
    assert offered(app()) == ALL_PAGES


def test_the_demo_build_s_records_stay_fully_explorable(access_env):
    """BASIC_ROWS ingested as the demo build ingests them (origin demo): every page, record extracts included."""
    assert access.all_records_synthetic()
    at = app()
    assert not at.exception
    assert offered(at) == ALL_PAGES
    assert at.sidebar.toggle(key="pub").value is False and not at.sidebar.toggle(key="pub").disabled
    at.switch_page("views/extracts.py").run()
    assert not at.exception and [h.value for h in at.header] == ["Extracts"]
    assert sorted(at.dataframe[0].value["application_id"]) == ["F1", "F2", "P1", "P2", "P3", "P4", "P5", "P6", "P7"]
