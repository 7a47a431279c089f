"""Load: concurrent sessions changing filters on every main page, through Streamlit's websocket protocol.

    python -m bench.load --sessions 20 --minutes 2 --out bench/out/load.json     # one server, demo warehouse
    python -m bench.load --sessions 40 --minutes 2 --replicas 2                  # 2 replicas behind nginx
    python -m bench.load --sessions 20 --minutes 2 --url http://host:8501        # servers already running
    python -m bench.load --sessions 3 --minutes 0.2                              # a smoke run
    python -m bench.load --sessions 20 --minutes 2 --rows 1000000                # the bench intake at 1M rows

Each session is a client that speaks the protocol a browser's Streamlit frontend speaks (protobuf
BackMsg/ForwardMsg over ws://HOST:PORT/_stcore/stream): it loads a main page, then, after a think time,
changes one filter (citizenship, role, permit type, status, or "Reset filters") and sends every
widget's state as the frontend does, timing until the server reports the run finished (the first change
of a session opens the sidebar's filters section first, as a person clicks it: a run of its own, counted
apart as `filters_opened`, since a closed section's widgets are not drawn); every few
changes it moves on to the next main page (each session starts at another one, so all are visited).
A session fails on a dropped connection, a run that does not finish within 60 s, an exception, or
the page's "Something went wrong" sentence. The server's memory (RSS) is sampled every 5 s.

With --rows N the servers read the bench intake of N application rows (bench.intake's generator, as
`make bench` builds it) instead of the demo warehouse: built once into WORK/warehouses/rows-N (the
intake CSV is reused when it exists) and kept for later runs (--work, default /tmp/bench-intakes).

Results: bench/out/load.json and a summary on stdout (quoted in docs/benchmarks.md and docs/scaling.md).
Loopback only; every loop is bounded by the deadline and a cap on changes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect

from bench.reliability import OUT, ROOT, free_port, server, site

# The intake's pages: the sidebar filters change them (the US H-1B context page draws none, issue 16)
MAIN_PAGES = ("overview", "velocity", "countries", "time-to-cap", "extracts")
CHANGES_PER_PAGE = 3
RUN_TIMEOUT = 60.0
MAX_CHANGES = 10_000
GENERIC_ERROR = "Something went wrong"
FILTERS = ("Citizenship", "Applicant role", "Permit type", "Status")
SECTION = "Choose filters"  # the sidebar's filters section (an expander drawing FILTERS only while open)


class SessionFailure(Exception):
    pass


class Settings:
    """Every (page, widget states) the sessions of one run asked for, to count the runs that asked for one
    nobody asked for before: those pay the page's queries and figures (a repeated one is served from the
    server's caches), so their share says what the server's CPU per run is mostly spent on."""

    def __init__(self):
        self._seen: set = set()
        self._lock = threading.Lock()

    def first(self, page: str, states) -> bool:
        key = (page, tuple(sorted((s.id, s.SerializeToString(deterministic=True)) for s in states
                                  if not s.HasField("trigger_value"))))
        with self._lock:
            new = key not in self._seen
            self._seen.add(key)
        return new


@dataclass
class SessionResult:
    number: int
    first_load_s: float | None = None
    changes: list[float] = field(default_factory=list)  # seconds from sending a change to the run's end
    changes_sent: list[float] = field(default_factory=list)  # when each was sent (time.monotonic())
    by_page: dict[str, list[float]] = field(default_factory=dict)  # the same, per page
    page_loads: list[float] = field(default_factory=list)  # seconds to open another page
    opens: list[float] = field(default_factory=list)  # seconds to open the filters section
    failures: list[str] = field(default_factory=list)
    new_settings: dict[str, int] = field(default_factory=dict)  # run kind -> runs on a setting nobody asked before


class Session:
    """One simulated person on the dashboard."""

    def __init__(self, url: str, number: int, deadline: float, think: tuple[float, float], seed: int,
                 changes: int = MAX_CHANGES, pages: tuple[str, ...] = MAIN_PAGES, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.kind = "first_load"  # of the next run: first_load, page_change or filter_change
        self.changes = changes
        self.pages = pages
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.origin = url
        self.result = SessionResult(number)
        self.deadline = deadline
        self.think = think
        self.rng = random.Random(seed)
        self.widgets: dict[str, tuple[str, object]] = {}  # label -> (kind, element proto)
        self.sent: dict[str, WidgetState] = {}  # widget id -> the value this client holds (the frontend's state)
        self.metrics: dict[str, str] = {}  # the last run's st.metric figures: label -> value as shown

    def _state_of(self, kind: str, w) -> WidgetState | None:
        """The widget's current value, as the frontend would send it: what the server set, else what this
        client last sent, else the widget's default."""
        if not getattr(w, "set_value", False) and w.id in self.sent:
            return self.sent[w.id]
        s = WidgetState(id=w.id)
        if kind == "multiselect":
            s.string_array_value.data.extend(list(w.raw_values) if w.set_value else [w.options[i] for i in w.default])
        elif kind == "selectbox":
            s.string_value = w.raw_value if w.set_value else (w.options[w.default] if w.options else "")
        elif kind == "checkbox":
            s.bool_value = w.value if w.set_value else w.default
        elif kind == "date_time_input":
            s.string_array_value.data.extend(list(w.value) if w.set_value else list(w.default))
        elif kind == "expandable":
            s.bool_value = w.expanded
        else:
            return None  # buttons only send a trigger when pressed
        return s

    def _run(self, ws, changed: WidgetState | None, query_string: str = "", page: str = "") -> float:
        """Send a rerun with every widget's state (and `changed`), read until the run ends; its duration."""
        states = {w.id: self._state_of(kind, w) for kind, w in self.widgets.values()}
        if changed is not None:
            states[changed.id] = changed
        self.sent = {i: s for i, s in states.items() if s is not None and not s.HasField("trigger_value")}
        msg = BackMsg()
        msg.rerun_script.query_string = query_string
        msg.rerun_script.page_name = page
        msg.rerun_script.widget_states.widgets.extend(s for s in states.values() if s is not None)
        if self.settings.first(page, msg.rerun_script.widget_states.widgets):
            self.result.new_settings[self.kind] = self.result.new_settings.get(self.kind, 0) + 1
        started = time.monotonic()
        ws.send(msg.SerializeToString())
        self.widgets = {}
        self.metrics = {}
        while True:
            left = RUN_TIMEOUT - (time.monotonic() - started)
            if left <= 0:
                raise SessionFailure("the run did not finish within 60 s")
            fm = ForwardMsg()
            fm.ParseFromString(ws.recv(timeout=left))
            kind = fm.WhichOneof("type")
            if kind == "delta" and fm.delta.WhichOneof("type") == "add_block":
                block = fm.delta.add_block
                if block.WhichOneof("type") == "expandable" and block.expandable.label == SECTION:
                    self.widgets[SECTION] = ("expandable", block.expandable)
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                t = el.WhichOneof("type")
                if t == "exception":
                    raise SessionFailure(f"exception: {el.exception.message[:200]}")
                if t == "alert" and GENERIC_ERROR in el.alert.body:
                    raise SessionFailure("the page said: " + el.alert.body[:120])
                if t == "metric":
                    self.metrics[el.metric.label] = el.metric.body
                if t in ("multiselect", "selectbox", "checkbox", "date_time_input", "button"):
                    w = getattr(el, t)
                    self.widgets[w.label] = (t, w)
            elif kind == "script_finished":
                if fm.script_finished not in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                              ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    raise SessionFailure(f"the run ended with status {fm.script_finished}")
                return time.monotonic() - started

    def _change(self) -> WidgetState:
        """One filter change a person might make."""
        if self.rng.random() < 0.08 and "Reset filters" in self.widgets:
            s = WidgetState(id=self.widgets["Reset filters"][1].id)
            s.trigger_value = True
            return s
        label = self.rng.choice([f for f in FILTERS if f in self.widgets])
        _, w = self.widgets[label]
        options = list(w.options)
        pool = options[: 40] if label == "Citizenship" else options
        if label == "Citizenship":  # the countries people look at most, and now and then any country
            pool = [o for o in options if o.endswith(("(IND)", "(CHN)", "(KOR)", "(PHL)", "(BRA)", "(NGA)"))] or pool
            if self.rng.random() < 0.3:
                pool = options
        chosen = self.rng.sample(pool, self.rng.randint(0, min(3, len(pool))))
        s = WidgetState(id=w.id)
        s.string_array_value.data.extend(chosen)
        return s

    def load(self, page: str = "") -> dict[str, str]:
        """Open a page once (a new session) and return its st.metric figures."""
        with connect(self.ws_url, subprotocols=["streamlit"], origin=self.origin, max_size=None,
                     open_timeout=30) as ws:
            self._run(ws, None, page=page)
        return self.metrics

    def run(self) -> SessionResult:
        try:
            with connect(self.ws_url, subprotocols=["streamlit"], origin=self.origin, max_size=None,
                         open_timeout=30) as ws:
                at = (self.result.number - 1) % len(self.pages)
                page = self.pages[at]
                self.result.first_load_s = self._run(ws, None, page=page)
                for n in range(self.changes):
                    pause = self.rng.uniform(*self.think)
                    if time.monotonic() + pause >= self.deadline:
                        break
                    time.sleep(pause)
                    if n and n % CHANGES_PER_PAGE == 0 and len(self.pages) > 1:
                        at = (at + 1) % len(self.pages)
                        page = self.pages[at]
                        self.kind = "page_change"
                        self.result.page_loads.append(self._run(ws, None, page=page))
                        continue
                    if SECTION in self.widgets and not any(f in self.widgets for f in FILTERS):
                        self.kind = "filters_opened"  # a click on the closed section, then the change
                        opened = WidgetState(id=self.widgets[SECTION][1].id, bool_value=True)
                        self.result.opens.append(self._run(ws, opened, page=page))
                    self.kind = "filter_change"
                    sent = time.monotonic()
                    took = self._run(ws, self._change(), page=page)
                    self.result.changes.append(took)
                    self.result.changes_sent.append(sent)
                    self.result.by_page.setdefault(page, []).append(took)
        except Exception as exc:  # noqa: BLE001 - every way a session can fail is recorded
            self.result.failures.append(f"{type(exc).__name__}: {exc}")
        return self.result


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def sample_memory(pids: list[int], stop: threading.Event, samples: list[tuple[float, list[float]]],
                  every: float = 5.0) -> None:
    """Every `every` seconds, each server process's RSS in MB (a process that is gone counts 0)."""
    procs = [psutil.Process(pid) for pid in pids]
    started = time.monotonic()
    while not stop.is_set():
        row = []
        for proc in procs:
            try:
                row.append(proc.memory_info().rss / 2**20)
            except psutil.Error:
                row.append(0.0)
        samples.append((round(time.monotonic() - started, 1), row))
        stop.wait(every)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes used so far (all their threads: DuckDB's too)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
    return total


def run_load(url: str, pid: int | list[int] | None, sessions: int, seconds: float, think: tuple[float, float],
             seed: int, warmup: float, changes: int = MAX_CHANGES, pages: tuple[str, ...] = MAIN_PAGES) -> dict:
    """`sessions` people for `seconds` (or until each made `changes` filter changes, if sooner) on `url`;
    `pid`: the server process(es) whose memory is sampled (None: servers this machine cannot see)."""
    pids = [] if pid is None else [pid] if isinstance(pid, int) else list(pid)
    stop = threading.Event()
    memory: list[tuple[float, list[float]]] = []
    sampler = threading.Thread(target=sample_memory, args=(pids, stop, memory), daemon=True)
    if pids:
        sampler.start()
    server_cpu, own_cpu, started = cpu_seconds(pids), cpu_seconds([os.getpid()]), time.monotonic()
    deadline = time.monotonic() + seconds
    settings = Settings()
    people = [Session(url, n + 1, deadline, think, seed + n, changes, pages, settings) for n in range(sessions)]
    threads = [threading.Thread(target=p.run, daemon=True) for p in people]
    for t in threads:
        t.start()
        time.sleep(0.2)  # people do not all arrive in the same instant
    for t in threads:
        t.join(seconds + 2 * RUN_TIMEOUT)
    server_cpu, own_cpu = cpu_seconds(pids) - server_cpu, cpu_seconds([os.getpid()]) - own_cpu
    elapsed = time.monotonic() - started
    stop.set()
    if pids:
        sampler.join(10)
    results = [p.result for p in people]
    runs = sum(len(r.changes) + len(r.page_loads) + len(r.opens) + (r.first_load_s is not None) for r in results)
    kinds = {"first_load": sum(r.first_load_s is not None for r in results),
             "page_change": sum(len(r.page_loads) for r in results),
             "filters_opened": sum(len(r.opens) for r in results),
             "filter_change": sum(len(r.changes) for r in results)}
    new = {kind: sum(r.new_settings.get(kind, 0) for r in results) for kind in kinds}
    changes_s = [c for r in results for c in r.changes]
    # The changes sent once the warm-up is over: a server that has just started computes its program-wide
    # results and Time to cap's forecasts (ui.warm) while the first sessions arrive, as after every ingest
    changes_warm = [c for r in results for c, at in zip(r.changes, r.changes_sent, strict=True)
                    if at - started >= warmup]
    firsts = [r.first_load_s for r in results if r.first_load_s is not None]
    totals = [(t, sum(row)) for t, row in memory]
    after_warmup = [m for t, m in totals if t >= warmup] or [m for _, m in totals]
    baseline, final = (after_warmup[0], after_warmup[-1]) if after_warmup else (None, None)
    by_page = {}
    for r in results:
        for page, took in r.by_page.items():
            by_page.setdefault(page, []).extend(took)
    return {
        "url": url, "sessions": sessions, "seconds": seconds, "think_s": list(think), "servers": len(pids) or None,
        "failed_sessions": sum(bool(r.failures) for r in results),
        "failures": [f"session {r.number}: {f}" for r in results for f in r.failures][:20],
        "filter_changes": len(changes_s),
        "change_p50_s": percentile(changes_s, 0.50), "change_p95_s": percentile(changes_s, 0.95),
        "change_p99_s": percentile(changes_s, 0.99), "change_max_s": max(changes_s, default=None),
        "change_mean_s": statistics.fmean(changes_s) if changes_s else None,
        "change_p95_s_after_warmup": percentile(changes_warm, 0.95), "changes_after_warmup": len(changes_warm),
        "change_p95_s_by_page": {p: percentile(v, 0.95) for p, v in sorted(by_page.items())},
        "pages_visited": sorted(by_page),
        "page_loads": sum(len(r.page_loads) for r in results),
        "page_load_p95_s": percentile([x for r in results for x in r.page_loads], 0.95),
        "first_load_p95_s": percentile(firsts, 0.95),
        "filters_opened": sum(len(r.opens) for r in results),
        "filters_open_p95_s": percentile([x for r in results for x in r.opens], 0.95),
        "memory_mb": [(t, [round(m, 1) for m in row]) for t, row in memory],
        "memory_baseline_mb": None if baseline is None else round(baseline, 1),
        "memory_final_mb": None if final is None else round(final, 1),
        "memory_peak_mb": round(max(totals_m for _, totals_m in totals), 1) if totals else None,
        "memory_peak_mb_per_server": [round(max(row[i] for _, row in memory), 1) for i in range(len(pids))]
        if memory else [],
        "memory_growth_pct": round(100 * (final - baseline) / baseline, 1) if baseline else None,
        "warmup_s": warmup,
        # Where the time goes: the servers' CPU over the run (per script run: first loads, page changes and
        # filter changes) against the wall time; and this harness's own CPU, which shares the machine.
        "runs": runs, "elapsed_s": round(elapsed, 1),
        # The mix of script runs, and how many of each asked for a (page, filters) nobody had asked for yet in
        # this run: those pay their queries and figures; the rest are served from the server's caches.
        "runs_by_kind": kinds, "new_settings_by_kind": new,
        "new_settings_share": round(sum(new.values()) / runs, 3) if runs else None,
        "server_cpu_s": round(server_cpu, 1) if pids else None,
        "server_cpu_per_run_ms": round(1000 * server_cpu / runs, 1) if pids and runs else None,
        "server_cores_busy": round(server_cpu / elapsed, 2) if pids and elapsed else None,
        "harness_cpu_s": round(own_cpu, 1),
        "load_average": list(os.getloadavg()),
    }


def summary_lines(r: dict) -> list[str]:
    fmt = lambda v: "—" if v is None else f"{v:.2f} s"  # noqa: E731
    lines = [
        f"| concurrent sessions | {r['sessions']} for {r['seconds'] / 60:.1f} min on {r['servers'] or '?'} "
        f"server(s), think time {r['think_s'][0]:g}–{r['think_s'][1]:g} s, pages: {', '.join(r['pages_visited'])} |",
        f"| failed sessions | {r['failed_sessions']} |",
        f"| filter changes | {r['filter_changes']:,} (and {r['page_loads']:,} page changes, p95 "
        f"{fmt(r['page_load_p95_s'])}; the filters section opened {r['filters_opened']:,} times, p95 "
        f"{fmt(r['filters_open_p95_s'])}) |",
        f"| filter change p50 / p95 / p99 / max | {fmt(r['change_p50_s'])} / {fmt(r['change_p95_s'])} / "
        f"{fmt(r['change_p99_s'])} / {fmt(r['change_max_s'])} |",
        f"| filter change p95 after the {r['warmup_s']:g} s warm-up | {fmt(r['change_p95_s_after_warmup'])} "
        f"({r['changes_after_warmup']:,} changes) |",
        "| filter change p95 by page | " + ", ".join(f"{p} {fmt(v)}" for p, v in r["change_p95_s_by_page"].items())
        + " |",
        f"| first load p95 | {fmt(r['first_load_p95_s'])} |",
    ]
    if r["memory_peak_mb"] is not None:
        lines.append(
            f"| server memory (RSS, all servers) after {r['warmup_s']:.0f} s warm-up → end (peak) | "
            f"{r['memory_baseline_mb']:.0f} MB → {r['memory_final_mb']:.0f} MB ({r['memory_growth_pct']:+.1f} %), "
            f"peak {r['memory_peak_mb']:.0f} MB; per server peak "
            f"{', '.join(f'{m:.0f}' for m in r['memory_peak_mb_per_server'])} MB |")
    if r.get("server_cpu_per_run_ms") is not None:
        lines.append(f"| server CPU | {r['server_cpu_s']:.0f} s over {r['elapsed_s']:.0f} s ({r['server_cores_busy']:.2f} "
                     f"cores busy), {r['server_cpu_per_run_ms']:.0f} ms per script run ({r['runs']:,} runs); "
                     f"this harness {r['harness_cpu_s']:.0f} s |")
    if r.get("runs_by_kind"):
        k, n = r["runs_by_kind"], r["new_settings_by_kind"]
        lines.append(f"| script runs by kind (of which on a page and filters nobody asked for before) | first loads "
                     f"{k['first_load']:,} ({n['first_load']:,}), page changes {k['page_change']:,} ({n['page_change']:,}), "
                     f"filters section opened {k['filters_opened']:,} ({n['filters_opened']:,}), filter changes {k['filter_change']:,} ({n['filter_change']:,}): "
                     f"{100 * r['new_settings_share']:.0f} % new |")
    lines.append("| load average (1, 5, 15 min) at the end | " + ", ".join(f"{x:.1f}" for x in r["load_average"]) + " |")
    return lines


WORK = Path(os.environ.get("BENCH_WORK", "/tmp/bench-intakes"))


def scaled_warehouse(rows: int, work: Path = WORK) -> Path:
    """A warehouse holding the bench intake of `rows` application rows (and the reference statistics),
    built once through the real ingest and reused while its intake is the same file."""
    from bench import intake
    from dashboard import warehouse

    csv_path = intake.intake_csv(rows, work)
    root = work / "warehouses" / f"rows-{rows}"
    stamp = root.parent / f"rows-{rows}.intake"  # beside the warehouse folder: which intake it holds
    if stamp.exists() and stamp.read_text() == csv_path.name and warehouse.current_snapshot(root) is not None:
        return root
    stamp.unlink(missing_ok=True)
    print(f"ingesting {csv_path.name} into {root} (once) ...", flush=True)
    run = intake.ingest_into(root, csv_path)
    print(f"  {run.rows:,} rows in {run.seconds:.1f} s", flush=True)
    stamp.write_text(csv_path.name)
    return root


@contextlib.contextmanager
def servers(args, s, env: dict[str, str] | None = None):
    """(url, pids) of the servers to load: one `streamlit run`, K replicas behind nginx, or --url's."""
    env = env or s.env
    if args.url:
        yield args.url.rstrip("/"), []
        return
    if args.replicas:
        from dashboard.replicas import Balancer

        with Balancer(free_port(), args.replicas, s.folder / "serve", env=env,
                      replica_ports=[free_port() for _ in range(args.replicas)]) as lb:
            yield lb.url, [r.proc.pid for r in lb.members]
        return
    with server(s, extra_env=env) as srv:
        yield srv.url, [srv.proc.pid]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--replicas", type=int, default=0,
                    help="start K replicas behind nginx (dashboard.replicas) instead of one server")
    ap.add_argument("--url", help="load servers already running at URL (nothing is built or started)")
    ap.add_argument("--pages", default=",".join(MAIN_PAGES), help="the pages sessions visit (default: %(default)s)")
    ap.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                    help="seconds a person looks at the page between two changes (uniform)")
    ap.add_argument("--warmup", type=float, default=30.0, help="seconds before the memory baseline is taken")
    ap.add_argument("--seed", type=int, default=20230716)
    ap.add_argument("--rows", type=int, help="serve the bench intake of this many application rows, not the demo")
    ap.add_argument("--work", type=Path, default=WORK, help="folder for --rows' intakes and warehouses (%(default)s)")
    ap.add_argument("--out", type=Path, default=OUT / "load.json")
    args = ap.parse_args(argv)
    if args.url and (args.replicas or args.rows):
        ap.error("--url loads servers already running; --replicas and --rows are for servers it starts")
    pages = tuple(p.strip() for p in args.pages.split(",") if p.strip())
    with site(programs=False) as s:
        env = s.env
        if args.rows:
            env = {**env, "DASHBOARD_WAREHOUSE": str(scaled_warehouse(args.rows, args.work))}
        elif not args.url:
            print("building the demo warehouse ...", flush=True)
            subprocess.run([sys.executable, "-m", "dashboard.build", "--force"], cwd=ROOT, env=s.env, check=True,
                           stdout=subprocess.DEVNULL)
        with servers(args, s, env) as (url, pids):
            print(f"{args.sessions} sessions for {args.minutes} min on {url} ({len(pids) or 'unknown'} server "
                  f"processes) ...", flush=True)
            result = run_load(url, pids or None, args.sessions, args.minutes * 60, tuple(args.think), args.seed,
                              min(args.warmup, args.minutes * 60 / 3), pages=pages)
    result["command"] = " ".join(["python -m bench.load", *(sys.argv[1:] if argv is None else argv)])
    result["rows"] = args.rows  # None: the demo warehouse
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print("\n".join(summary_lines(result)))
    for f in result["failures"]:
        print("  " + f)
    print(f"-> {args.out}")
    grew = result["memory_growth_pct"] is not None and result["memory_growth_pct"] >= 20
    return 0 if result["failed_sessions"] == 0 and not grew else 1


if __name__ == "__main__":
    sys.exit(main())
