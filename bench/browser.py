"""Real servers and headless Chromium: time to the first and to the last chart drawn, and server memory.

A script injected before the page loads notes `performance.now()` (milliseconds since navigation
started) each time one more plotly chart has a trace in the DOM, so the figures do not include the
driver's polling. Each visit uses a fresh browser context (no cache, new Streamlit session).

Each visit also notes the CPU time Chromium's renderer processes spent from navigation to the last chart
drawn (`renderer_cpu_ms`). On a shared machine the wall times swing with the other load; the renderer's CPU
time much less, so it tells two versions of a page apart in minutes when the wall times cannot (it still
grows somewhat under load: compare it only within one run).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from urllib.parse import urlencode

import psutil

from dashboard.programs import programs_file
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, Server, app_pages, outside_requests

OBSERVER = """
window.__drawn = [];
const seen = new Set();
const look = () => {
  for (const el of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!seen.has(el) && el.querySelector('.scatterlayer .trace, .barlayer .trace')) {
      seen.add(el);
      window.__drawn.push(performance.now());
    }
  }
};
new MutationObserver(look).observe(document, {childList: true, subtree: true});
"""


def serve(app: str, warehouse: Path, root: Path | None = None) -> Server:
    """`streamlit run APP` on a free local port over `warehouse` (the tests' server, log beside it); `root`:
    another checkout's code (bench.fresh --against)."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    return Server(warehouse.resolve(), programs_file(), app=app, **({"root": root.resolve()} if root else {}))


def _renderer_cpu() -> dict[int, float]:
    """CPU seconds so far of each Chromium renderer process this process started (through Playwright)."""
    out = {}
    for proc in psutil.Process().children(recursive=True):
        try:
            if "--type=renderer" in proc.cmdline():
                times = proc.cpu_times()
                out[proc.pid] = times.user + times.system
        except psutil.Error:  # gone meanwhile
            continue
    return out


def peak_rss_mb(server: Server) -> float:
    """The server process's peak resident memory so far (the kernel's high-water mark)."""
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def visit(browser, url: str, charts: int, timeout_ms: int = 180_000) -> dict:
    """Navigate in a fresh context; ms from navigation start to the first and to the `charts`-th chart."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-CA")
    try:
        context.add_init_script(OBSERVER)
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        before = _renderer_cpu()
        page.goto(url, wait_until="commit")
        # polled every 100 ms, not at every animation frame: the polling itself costs the renderer CPU time
        page.wait_for_function(f"window.__drawn.length >= {charts}", polling=100, timeout=timeout_ms)
        cpu = sum(t - before.get(pid, 0.0) for pid, t in _renderer_cpu().items())
        drawn = page.evaluate("window.__drawn")
        return {"first_ms": round(drawn[0], 1), "all_ms": round(drawn[charts - 1], 1),
                "renderer_cpu_ms": round(cpu * 1000), "outside": outside_requests(requests)}
    finally:
        context.close()


def _median(visits: list[dict], key: str) -> float:
    return round(statistics.median(v[key] for v in visits), 1)


def _summary(cold: dict, again: list[dict], filtered: list[dict]) -> dict:
    out = {"cold": cold, "warm_first_ms": _median(again, "first_ms"), "warm_all_ms": _median(again, "all_ms"),
           "warm_renderer_cpu_ms": _median(again, "renderer_cpu_ms"), "warm_visits": again}
    if filtered:
        out.update(filter_first_ms=_median(filtered, "first_ms"), filter_all_ms=_median(filtered, "all_ms"),
                   filter_visits=filtered)
    out["outside_requests"] = sorted({u for v in [cold, *again, *filtered] for u in v["outside"]})
    return out


def measure_pair(browser, server: Server, charts: int, bare: Server, queries: list[dict], warm: int) -> dict:
    """The page against the bare page, their visits interleaved so that load on a shared machine falls
    on both alike: a cold first visit of each, two untimed ones, `warm` alternating repeat visits of the
    same views, then one visit of the page per query string (new filter settings, so their queries run)."""
    cold, bare_cold = visit(browser, server.url, charts), visit(browser, bare.url, 1)
    for _ in range(2):  # untimed, as the bare page had before the first size: the browser's first visits of
        visit(browser, server.url, charts)  # a page compile its scripts, later ones reuse the compiled code
        visit(browser, bare.url, 1)
    again, bare_again = [], []
    for _ in range(warm):
        again.append(visit(browser, server.url, charts))
        bare_again.append(visit(browser, bare.url, 1))
    filtered = [visit(browser, f"{server.url}/?{urlencode(q, doseq=True)}", charts) for q in queries]
    ratios = [a["all_ms"] / b["first_ms"] for a, b in zip(again, bare_again, strict=True)]
    cpu = [a["renderer_cpu_ms"] / b["renderer_cpu_ms"] for a, b in zip(again, bare_again, strict=True)]
    return {"page": _summary(cold, again, filtered), "bare": _summary(bare_cold, bare_again, []),
            "paired_ratio": round(statistics.median(ratios), 2), "paired_cpu_ratio": round(statistics.median(cpu), 2)}


def measure_pages(browser, servers: dict[str, Server], charts: int, bare: Server, warm: int) -> dict:
    """Several versions of a page (e.g. this checkout's Overview and main's, `bench.fresh --against`) and the
    bare page, visits interleaved: each round visits every version, each followed by the bare page, the
    versions' order turning round by round, so that load on a shared machine falls on all alike. Per version:
    its summary and the median of its paired ratios to the bare page (wall time to all charts drawn, and the
    renderer's CPU time); per pair of versions, the median ratio of their visits in the same round."""
    names = list(servers)
    cold = {name: (visit(browser, servers[name].url, charts), visit(browser, bare.url, 1)) for name in names}
    for _ in range(2):  # untimed, as in measure_pair: the first visits compile the scripts
        for name in names:
            visit(browser, servers[name].url, charts)
            visit(browser, bare.url, 1)
    rounds = []
    for i in range(warm):
        turn = names[i % len(names):] + names[:i % len(names)]
        rounds.append({name: (visit(browser, servers[name].url, charts), visit(browser, bare.url, 1)) for name in turn})
    out: dict = {"versions": {}, "between": {}}
    for name in names:
        pairs = [r[name] for r in rounds]
        out["versions"][name] = {
            "page": _summary(cold[name][0], [p for p, _ in pairs], []),
            "bare": _summary(cold[name][1], [b for _, b in pairs], []),
            "paired_ratio": round(statistics.median(p["all_ms"] / b["first_ms"] for p, b in pairs), 2),
            "paired_cpu_ratio": round(statistics.median(p["renderer_cpu_ms"] / b["renderer_cpu_ms"] for p, b in pairs), 2)}
    for a, b in zip(names, names[1:], strict=False):
        out["between"][f"{a}/{b}"] = {
            "all_ms": round(statistics.median(r[a][0]["all_ms"] / r[b][0]["all_ms"] for r in rounds), 3),
            "renderer_cpu_ms": round(statistics.median(r[a][0]["renderer_cpu_ms"] / r[b][0]["renderer_cpu_ms"]
                                                       for r in rounds), 3)}
    return out


def tour(browser, server: Server, timeout_ms: int = 180_000) -> dict:
    """Visit every page of the dashboard once, untimed, each until its script has run: the server's peak
    memory then covers every page's queries, not the Overview's alone. Returns the pages visited and any
    request that left the machine."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-CA")
    requests: list[str] = []
    paths = ["" if p["default"] else p["url_path"] for p in app_pages()]
    try:
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        for path in paths:
            page.goto(f"{server.url}/{path}")
            for _ in range(2):  # a run can start just after the state reads "not running"
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                                       timeout=timeout_ms)
                page.wait_for_timeout(500)
    finally:
        context.close()
    return {"pages": paths, "outside": outside_requests(requests)}


def launch():
    """(playwright, browser); stop with browser.close() and playwright.stop()."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    return pw, pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
