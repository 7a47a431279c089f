"""Shared fixtures: every test builds its own small warehouse from rows it writes itself."""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEST_SQL = Path(__file__).resolve().parent / "sql"  # the tests' own queries, never in queries/
COLUMNS = ["application_id", "program_id", "submitted_at", "applicant_role", "principal_application_id",
           "permit_type", "citizenship", "birth_country", "us_state", "intended_province", "status", "status_at"]
CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
# The warm-up of each new snapshot (dashboard/ui/warm.py) is for a server that serves one warehouse for
# hours; here every test reads a warehouse of its own, and each warm-up (every seeded metric and three
# forecasts) would run on after its test, for nothing. tests/test_warm.py turns it on where it is tested.
os.environ.setdefault("DASHBOARD_WARM", "0")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def row(app_id: str, submitted_at: str, *, role: str = "principal", principal: str = "", permit: str | None = None,
        citizenship: str = "IND", status: str = "submitted", status_at: str | None = None,
        program: str = "test-intake", **extra: str) -> dict:
    """One export row with sensible defaults (times naive = the program's zone)."""
    r = {
        "application_id": app_id, "program_id": program, "submitted_at": submitted_at, "applicant_role": role,
        "principal_application_id": principal,
        "permit_type": permit or ("open_work_permit" if role == "principal" else "work_permit"),
        "citizenship": citizenship, "birth_country": "", "us_state": "", "intended_province": "",
        "status": status, "status_at": status_at or submitted_at,
    }
    r.update(extra)
    return r


def write_export(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or COLUMNS
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


# Seven principals, two family members, one status change: the hand-checked fixture many tests use.
# Opens 2023-07-16 09:00 EDT (13:00 UTC); cap 5, so the 5th principal (P5, 10:40) reaches it.
BASIC_ROWS = [
    row("P1", "2023-07-16T09:05:00", citizenship="IND"),
    row("P2", "2023-07-16T09:20:00", citizenship="IND"),
    row("P3", "2023-07-16T09:50:00", citizenship="CHN"),
    row("P4", "2023-07-16T10:10:00", citizenship="IND"),
    row("P5", "2023-07-16T10:40:00", citizenship="KOR"),
    row("P6", "2023-07-16T12:00:00", citizenship="IND"),
    row("P7", "2023-07-17T08:30:00", citizenship="CHN"),
    row("F1", "2023-07-16T09:30:00", role="spouse", principal="P1", citizenship="IND"),
    row("F2", "2023-07-16T13:15:00", role="dependant", principal="P1", permit="study_permit", citizenship="IND"),
    row("P1", "2023-07-16T09:05:00", citizenship="IND", status="approved", status_at="2023-08-01T10:00:00"),
]


def support_query(name: str, params: dict | None = None, reader=None):
    """The tests' own query tests/sql/<name>.sql, run by `reader` (default: the current warehouse's)."""
    from dashboard import warehouse

    return (reader or warehouse.reader()).query(name, params, folder=TEST_SQL)


@pytest.fixture
def programs_env(monkeypatch) -> Path:
    path = FIXTURES / "programs.toml"
    monkeypatch.setenv("DASHBOARD_PROGRAMS", str(path))
    return path


@pytest.fixture
def warehouse_dir(tmp_path, monkeypatch, programs_env) -> Path:
    """An empty warehouse folder of this test's own, named by DASHBOARD_WAREHOUSE."""
    wh = tmp_path / "warehouse"
    monkeypatch.setenv("DASHBOARD_WAREHOUSE", str(wh))
    return wh


@pytest.fixture(scope="session")
def _basic_ingested(tmp_path_factory) -> dict[str, Path]:
    """BASIC_ROWS ingested once per session (per xdist worker) for each origin asked for: {origin: warehouse}.
    basic_warehouse and demo_warehouse give each test a copy of its own (an ingest is a quarter of a second
    of CPU and some fsyncs; copying the folder is a millisecond), the same files a fresh ingest would write
    but for the moment recorded in its ingest log and the path of the export it read."""
    return {}


def _basic_copy(ingested: dict[str, Path], tmp_path_factory, tmp_path: Path, dest: Path, origin: str) -> Path:
    from dashboard.ingest import ingest

    if origin not in ingested:
        folder = tmp_path_factory.mktemp(f"basic-{origin}")
        root = folder / "warehouse"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DASHBOARD_PROGRAMS", str(FIXTURES / "programs.toml"))
            mp.setenv("DASHBOARD_WAREHOUSE", str(root))
            ingest([write_export(folder / "basic.csv", BASIC_ROWS)], root=root, origin=origin)
        ingested[origin] = root
    shutil.copytree(ingested[origin], dest)
    shutil.copy2(ingested[origin].parent / "basic.csv", tmp_path / "basic.csv")
    return dest


@pytest.fixture
def basic_warehouse(tmp_path, tmp_path_factory, warehouse_dir, _basic_ingested) -> Path:
    """The warehouse holding BASIC_ROWS, ingested as an ordinary export (origin "export", the ingest's
    default), so a test may add further exports to it. Its records count as real: anonymous visitors get at
    most viewer, with publication forced. For the demo's behaviour use demo_warehouse."""
    return _basic_copy(_basic_ingested, tmp_path_factory, tmp_path, warehouse_dir, "export")


@pytest.fixture
def demo_warehouse(tmp_path, tmp_path_factory, warehouse_dir, _basic_ingested) -> Path:
    """BASIC_ROWS ingested as the demo build ingests its synthetic records (origin "demo"): anonymous
    visitors get demo_role and every page. Rows a test adds must be ingested with origin="demo" too (the
    ingest never mixes origins in one program)."""
    return _basic_copy(_basic_ingested, tmp_path_factory, tmp_path, warehouse_dir, "demo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def own_settings_removed(env: dict[str, str]) -> dict[str, str]:
    """`env` without the project's and Streamlit's settings (DASHBOARD_*, STREAMLIT_*): what a server shared
    by many tests starts with, so that no test's own settings leak into the others' server."""
    return {k: v for k, v in env.items() if not k.startswith(("DASHBOARD_", "STREAMLIT_"))}


class Server:
    def __init__(self, warehouse: Path, programs: Path, app: str = "dashboard/app.py", *, shared: bool = False,
                 root: Path = ROOT):
        """`root`: the checkout whose code is served (bench.fresh --against serves another one beside this)."""
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        base = own_settings_removed(dict(os.environ)) if shared else os.environ
        env = {**base, "DASHBOARD_WAREHOUSE": str(warehouse), "DASHBOARD_PROGRAMS": str(programs),
               "PYTHONPATH": str(root)}
        self.log = open(warehouse.parent / f"streamlit-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", app, "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not start; see {self.log.name}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture
def server_for(programs_env) -> Iterator:
    """Start a real `streamlit run` server on a warehouse: server_for(warehouse_dir) -> Server."""
    started: list[Server] = []

    def start(warehouse: Path, programs: Path | None = None) -> Server:
        s = Server(warehouse, programs or programs_env)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


# --process-per-site: the pages of one site share one renderer process. Every local server is the same site
# (http://localhost, whatever the port), so the pages the tests open one after another in the worker's context
# (_warm_context) are drawn by one renderer, which keeps Streamlit's and plotly.js's compiled scripts between
# pages: a fresh renderer for each page evaluated and compiled them again, 8-10 CPU-s of Chromium per page
# load against 3-4 in the kept one (docs/performance.md, "Test suite", session 8). A new context still gets
# renderers of its own.
@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--process-per-site"])
        yield b
        b.close()


VIEWPORT = {"width": 1400, "height": 1000}
KEEPER_URL = "http://localhost/keeper"  # never fetched: the keeper page's route answers it


@pytest.fixture(scope="session")
def _warm_context(browser):
    """One browser context per worker (English, Canada) for the tests' pages, with a page of the local site
    that stays open: while it is open the site's renderer process lives on between tests (see browser), and
    the context's HTTP cache keeps the app's scripts and styles. Each test's pages are closed after it and
    the context's cookies, permissions and the storage of every origin they visited are cleared (new_page)."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-CA")
    context.set_default_timeout(60_000)  # waits for a state, generous: the machine may be busy (2x Playwright's)
    keeper = context.new_page()
    keeper.route(KEEPER_URL, lambda route: route.fulfill(body="<title>keeper</title>", content_type="text/html"))
    keeper.goto(KEEPER_URL)
    cdp = context.new_cdp_session(keeper)
    yield context, cdp
    context.close()


def _origin(url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _forget(context, cdp, pages: list) -> None:
    """Close `pages` and clear what they left in their context: cookies, permissions, and the local storage,
    IndexedDB and the like of every origin they visited (not the HTTP cache: the app's scripts)."""
    origins = {_origin(u) for pg in pages for u in [*pg.requests, pg.url]} - {None}
    for pg in pages:
        pg.close()
    context.clear_cookies()
    context.clear_permissions()
    for origin in sorted(origins):
        cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})


@pytest.fixture
def new_page(_warm_context) -> Iterator:
    """new_page(width=1400, height=1000) -> a new page (a Streamlit session of its own when it loads the app)
    in the worker's context, that records every request it makes (cached ones too) in page.requests. It
    starts with nothing stored, as in a new browser: after the test its pages are closed and what they stored
    is cleared (_forget), and so is what the test's earlier pages stored once all of them are closed (pages
    open at the same time share cookies and storage, as tabs of one browser do). A test that needs another
    locale or a browser of its own starts a context of its own from `browser`."""
    context, cdp = _warm_context
    opened: list = []

    def open_page(width: int = VIEWPORT["width"], height: int = VIEWPORT["height"]):
        if opened and all(pg.is_closed() for pg in opened):
            _forget(context, cdp, opened)
            opened.clear()
        pg = context.new_page()
        if (width, height) != (VIEWPORT["width"], VIEWPORT["height"]):
            pg.set_viewport_size({"width": width, "height": height})
        pg.requests = []
        pg.on("request", lambda r: pg.requests.append(r.url))
        opened.append(pg)
        return pg

    yield open_page
    _forget(context, cdp, opened)


@pytest.fixture
def page(new_page):
    """A new page of 1400 x 1000 in the worker's context (new_page), that records every request it makes."""
    return new_page()


# Every open expander at its full height. Streamlit (1.67) animates an expander's <details> to the height of its
# content over 500 ms (element.animate, ease-out), with an explicit style.height and overflow: hidden while it
# runs, and starts that again 10 ms after its content changes size: so an expander opened by a click, whose
# table and buttons come with the rerun that follows, grows for half a second after that run is over. A button
# in it is "visible" to Playwright while still clipped below the growing edge: the click scrolls the clipped
# <details> itself to bring it into view, and as the details grows that inner scroll shrinks, so the button
# slides down under the pointer (100 px in 0.3 s measured). When that happened between the press and the release,
# the release landed beside the button: no click event, no download, no error, the server never asked for the
# file (docs/performance.md, "A click inside an expander that is still opening"). With no style.height and no
# animation the details has its natural size: nothing in it moves any more.
EXPANDERS_AT_REST = """() => [...document.querySelectorAll('[data-testid="stExpander"] details')]
    .every(d => !d.style.height && d.getAnimations().length === 0)"""


def settled(pg) -> None:
    """Wait until the page has settled: the script run is over, no request has been made for 500 ms
    (Playwright's "networkidle"), so every request the page was going to make has been recorded, and every
    open expander has stopped growing (EXPANDERS_AT_REST), so what is in it stays where it is drawn."""
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    pg.wait_for_load_state("networkidle", timeout=60_000)
    pg.wait_for_function(EXPANDERS_AT_REST, timeout=60_000)


def open_filters(pg, name: str = "Choose filters") -> None:
    """Open the sidebar's filters section with a click, as a person does (its widgets are drawn only once it is
    open: sidebar.build_filters), and wait for them. `name`: the section's label in the page's language."""
    pg.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary').filter(has_text=name).click()
    pg.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.wait_for(timeout=60_000)
    # the run that draws them ends: a field used while the page is still stale may lose what was typed
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    # and the section has stopped growing: its fields come with that run, after the opening's animation has
    # begun, so it grows for up to 500 ms more with its lower fields clipped, and a click on one cut off slides
    # under the pointer (EXPANDERS_AT_REST; still growing at this point in 20 of 20 loads under load)
    pg.wait_for_function(EXPANDERS_AT_REST, timeout=60_000)


def outside_requests(urls: list[str]) -> list[str]:
    """Requests that left the machine (anything but the local server, data: and blob: URLs)."""
    local = ("http://localhost", "http://127.0.0.1", "ws://localhost", "ws://127.0.0.1", "data:", "blob:")
    return [u for u in urls if not u.startswith(local)]


CHART_TRACE = '[data-testid="stPlotlyChart"] .scatterlayer .trace, [data-testid="stPlotlyChart"] .barlayer .trace'


@pytest.fixture
def reference_warehouse(basic_warehouse) -> Path:
    """BASIC_ROWS plus the real reference statistics of data/reference."""
    from dashboard import reference, warehouse

    with warehouse.writer(basic_warehouse) as con:
        reference.load(con)
    return basic_warehouse


def _build_shared(tmp_path_factory, name: str, *, with_reference: bool) -> Path:
    """BASIC_ROWS ingested as the demo (read-only: the demo), with the real reference statistics if asked,
    in a warehouse of the session's own."""
    from dashboard import reference, warehouse
    from dashboard.ingest import ingest

    root = tmp_path_factory.mktemp(name) / "warehouse"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DASHBOARD_PROGRAMS", str(FIXTURES / "programs.toml"))
        mp.setenv("DASHBOARD_WAREHOUSE", str(root))
        ingest([write_export(root.parent / "basic.csv", BASIC_ROWS)], root=root, origin="demo")
        if with_reference:
            with warehouse.writer(root) as con:
                reference.load(con)
    return root


@pytest.fixture(scope="session")
def _shared_basic_dir(tmp_path_factory) -> Path:
    """BASIC_ROWS, built once per test session (per xdist worker)."""
    return _build_shared(tmp_path_factory, "shared-basic", with_reference=False)


def _read_only(root: Path, monkeypatch) -> Iterator[Path]:
    """Name a shared warehouse for one test, and fail the test that changed it (it must not write)."""
    from dashboard import warehouse

    monkeypatch.setenv("DASHBOARD_WAREHOUSE", str(root))
    before = warehouse.checksum(root)
    yield root
    assert warehouse.checksum(root) == before, "this test wrote to a shared warehouse: use basic_warehouse"


@pytest.fixture
def shared_basic_warehouse(_shared_basic_dir, monkeypatch, programs_env) -> Iterator[Path]:
    """BASIC_ROWS, shared by every test that only reads it (the suite builds it once): never write to it."""
    yield from _read_only(_shared_basic_dir, monkeypatch)


@pytest.fixture(scope="session")
def _shared_reference_dir(tmp_path_factory) -> Path:
    """BASIC_ROWS plus the real reference statistics, built once per session (loading them takes seconds)."""
    return _build_shared(tmp_path_factory, "shared-reference", with_reference=True)


@pytest.fixture
def shared_reference_warehouse(_shared_reference_dir, monkeypatch, programs_env) -> Iterator[Path]:
    """BASIC_ROWS plus the reference statistics, shared by every test that only reads it: never write to it."""
    yield from _read_only(_shared_reference_dir, monkeypatch)


def _serve(warehouse: Path) -> Iterator[Server]:
    server = Server(warehouse, FIXTURES / "programs.toml", shared=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _basic_server(_shared_basic_dir) -> Iterator[Server]:
    yield from _serve(_shared_basic_dir)


@pytest.fixture(scope="session")
def _reference_server(_shared_reference_dir) -> Iterator[Server]:
    yield from _serve(_shared_reference_dir)


@pytest.fixture
def shared_basic_server(_basic_server, shared_basic_warehouse) -> Server:
    """A real `streamlit run` server on shared_basic_warehouse, started once per session (per xdist worker):
    starting one and its first page cost seconds. Tests that only read may share it (each browser page is a
    session of its own); a test that needs its own settings or warehouse uses server_for."""
    return _basic_server


@pytest.fixture
def shared_reference_server(_reference_server, shared_reference_warehouse) -> Server:
    """A real server on shared_reference_warehouse (BASIC_ROWS as the demo, plus the reference statistics),
    started once per session: as shared_basic_server."""
    return _reference_server


APP = str(ROOT / "dashboard" / "app.py")


def app_test(view: str | None = None, query: dict | None = None, timeout: float = 60, filters_open: bool = False):
    """The dashboard in Streamlit's AppTest, run with the URL's `query` and then switched to `view`
    ("views/plan.py"; None: stays on the default page). The warehouse is the one the test's fixture named.
    `filters_open`: the sidebar's filters section is open from the start (its widgets drawn), as after a click
    on it (sidebar.FILTERS_OPEN), without a run to open it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    if filters_open:
        at.session_state["f_open"] = True  # sidebar.FILTERS_OPEN
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    return at.switch_page(view).run() if view else at

def app_pages() -> list[dict]:
    """Every page registered in dashboard/app.py, read from its st.Page(...) calls (so pages added later
    are covered by tests that loop over them): [{"file": "views/x.py", "url_path": "x", "default": bool}]."""
    import ast

    tree = ast.parse((ROOT / "dashboard" / "app.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Page"
                and node.args and isinstance(node.args[0], ast.Constant)):
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            file = node.args[0].value
            found.append({"file": file, "url_path": kw.get("url_path", Path(file).stem),
                          "default": bool(kw.get("default", False))})
    return sorted(found, key=lambda p: (not p["default"], p["file"]))


def open_numbers(at):
    """Open every "Numbers behind this chart" expander of the page an AppTest shows, and rerun.

    Their tables and downloads are sent only once opened (ui.numbers_block), as a user's click would do;
    an opened page can show further charts, so this repeats until every expander is open.
    """
    for _ in range(3):
        closed = [k for k in at.session_state.keys() if k.startswith("numbers-") and not at.session_state[k]]
        if not closed:
            break
        for key in closed:
            at.session_state[key] = True
        at.run()
    return at


# The longest tests of `make test` as measured (bench/suite_cpu.py, the whole suite at -n 2, 4 Dec 2026 16:38 UTC:
# wall at load 12-32, longest first), started first in this order; then the other browser tests. A module named
# alone puts all its tests here (test_forecast_calibration.py: one test of 60-185 s, to be split into several).
LONGEST_FIRST = (
    "tests/test_forecast_calibration.py",
    "tests/test_faults.py::test_pages_drawn_during_ingests_show_whole_snapshots_and_no_error",
    "tests/test_browser_replay.py::test_replay_raises_the_headline_on_open_pages",
    "tests/test_browser_extracts.py::test_downloads_match_the_warehouse_and_the_command_line",
    "tests/test_faults.py::test_concurrent_sessions_changing_filters_do_not_fail_smoke",
    "tests/test_faults.py::test_killing_an_ingest_at_random_moments_leaves_a_whole_snapshot",
    "tests/test_replicas.py::test_two_replicas_serve_one_warehouse_and_see_an_ingest",
    "tests/test_faults.py::test_killing_a_bench_intake_ingest_leaves_before_or_after",
    "tests/test_alerts.py::test_a_replayed_intake_sends_each_alert_once_in_order_even_after_a_restart",
)


def pytest_collection_modifyitems(config, items) -> None:
    """The longest tests first (in LONGEST_FIRST's order), then the other browser tests (each takes seconds to
    tens of seconds; most others well under one), each group in the files' order. `make test` runs
    `-n 2 --dist worksteal`: each worker starts on its share of the list and an idle one takes half of another's
    remaining tests, so with the long tests first the workers end together on short ones instead of one
    waiting for another's last long test."""
    def rank(item) -> tuple[int, int]:
        for name in (item.nodeid.split("[")[0], item.nodeid.split("::")[0]):
            if name in LONGEST_FIRST:
                return 0, LONGEST_FIRST.index(name)
        return (1 if item.get_closest_marker("browser") else 2), 0

    items.sort(key=rank)
