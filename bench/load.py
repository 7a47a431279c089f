"""Load: concurrent sessions on one server, each changing filters, through Streamlit's websocket protocol.

    python -m bench.load                               # 20 sessions, 5 minutes, on the demo warehouse
    python -m bench.load --sessions 3 --minutes 0.2    # a smoke run

Each session is a client that speaks the protocol a browser's Streamlit frontend speaks (protobuf
BackMsg/ForwardMsg over ws://127.0.0.1:PORT/_stcore/stream): it loads the Overview, then, after a
think time, changes one filter (citizenship, role, permit type, status, or "Reset filters") and
sends every widget's state as the frontend does, timing until the server reports the run finished.
A session fails on a dropped connection, a run that does not finish within 60 s, an exception, or
the page's "Something went wrong" sentence. The server's memory (RSS) is sampled every 5 s.

Results: bench/out/load.json and a summary on stdout (quoted in docs/reliability.md).
Loopback only; every loop is bounded by the deadline and a cap on changes.
"""

from __future__ import annotations

import argparse
import json
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

from bench.reliability import OUT, ROOT, server, site

RUN_TIMEOUT = 60.0
MAX_CHANGES = 10_000
GENERIC_ERROR = "Something went wrong"
FILTERS = ("Citizenship", "Applicant role", "Permit type", "Status")


class SessionFailure(Exception):
    pass


@dataclass
class SessionResult:
    number: int
    first_load_s: float | None = None
    changes: list[float] = field(default_factory=list)  # seconds from sending a change to the run's end
    failures: list[str] = field(default_factory=list)


class Session:
    """One simulated person on the dashboard."""

    def __init__(self, url: str, number: int, deadline: float, think: tuple[float, float], seed: int,
                 changes: int = MAX_CHANGES):
        self.changes = changes
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
        else:
            return None  # buttons only send a trigger when pressed
        return s

    def _run(self, ws, changed: WidgetState | None, query_string: str = "") -> float:
        """Send a rerun with every widget's state (and `changed`), read until the run ends; its duration."""
        states = {w.id: self._state_of(kind, w) for kind, w in self.widgets.values()}
        if changed is not None:
            states[changed.id] = changed
        self.sent = {i: s for i, s in states.items() if s is not None and not s.HasField("trigger_value")}
        msg = BackMsg()
        msg.rerun_script.query_string = query_string
        msg.rerun_script.widget_states.widgets.extend(s for s in states.values() if s is not None)
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
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
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

    def load(self) -> dict[str, str]:
        """Open the page once (a new session) and return its st.metric figures."""
        with connect(self.ws_url, subprotocols=["streamlit"], origin=self.origin, max_size=None,
                     open_timeout=30) as ws:
            self._run(ws, None)
        return self.metrics

    def run(self) -> SessionResult:
        try:
            with connect(self.ws_url, subprotocols=["streamlit"], origin=self.origin, max_size=None,
                         open_timeout=30) as ws:
                self.result.first_load_s = self._run(ws, None)
                for _ in range(self.changes):
                    pause = self.rng.uniform(*self.think)
                    if time.monotonic() + pause >= self.deadline:
                        break
                    time.sleep(pause)
                    self.result.changes.append(self._run(ws, self._change()))
        except Exception as exc:  # noqa: BLE001 - every way a session can fail is recorded
            self.result.failures.append(f"{type(exc).__name__}: {exc}")
        return self.result


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def sample_memory(pid: int, stop: threading.Event, samples: list[tuple[float, float]], every: float = 5.0) -> None:
    proc = psutil.Process(pid)
    started = time.monotonic()
    while not stop.is_set():
        try:
            samples.append((round(time.monotonic() - started, 1), proc.memory_info().rss / 2**20))
        except psutil.Error:
            return
        stop.wait(every)


def run_load(url: str, pid: int, sessions: int, seconds: float, think: tuple[float, float], seed: int,
             warmup: float, changes: int = MAX_CHANGES) -> dict:
    """`sessions` people for `seconds` (or until each made `changes` filter changes, if sooner)."""
    stop = threading.Event()
    memory: list[tuple[float, float]] = []
    sampler = threading.Thread(target=sample_memory, args=(pid, stop, memory), daemon=True)
    sampler.start()
    deadline = time.monotonic() + seconds
    people = [Session(url, n + 1, deadline, think, seed + n, changes) for n in range(sessions)]
    threads = [threading.Thread(target=p.run, daemon=True) for p in people]
    for t in threads:
        t.start()
        time.sleep(0.2)  # people do not all arrive in the same instant
    for t in threads:
        t.join(seconds + 2 * RUN_TIMEOUT)
    stop.set()
    sampler.join(10)
    results = [p.result for p in people]
    changes = [c for r in results for c in r.changes]
    firsts = [r.first_load_s for r in results if r.first_load_s is not None]
    after_warmup = [m for t, m in memory if t >= warmup] or [m for _, m in memory]
    baseline, final = after_warmup[0], after_warmup[-1]
    return {
        "sessions": sessions, "seconds": seconds, "think_s": list(think),
        "failed_sessions": sum(bool(r.failures) for r in results),
        "failures": [f"session {r.number}: {f}" for r in results for f in r.failures][:20],
        "filter_changes": len(changes),
        "change_p50_s": percentile(changes, 0.50), "change_p95_s": percentile(changes, 0.95),
        "change_p99_s": percentile(changes, 0.99), "change_max_s": max(changes, default=None),
        "change_mean_s": statistics.fmean(changes) if changes else None,
        "first_load_p95_s": percentile(firsts, 0.95),
        "memory_mb": [(t, round(m, 1)) for t, m in memory],
        "memory_baseline_mb": round(baseline, 1), "memory_final_mb": round(final, 1),
        "memory_peak_mb": round(max(m for _, m in memory), 1),
        "memory_growth_pct": round(100 * (final - baseline) / baseline, 1),
        "warmup_s": warmup,
    }


def summary_lines(r: dict) -> list[str]:
    fmt = lambda v: "—" if v is None else f"{v:.2f} s"  # noqa: E731
    return [
        f"| concurrent sessions | {r['sessions']} for {r['seconds'] / 60:.1f} min, think time "
        f"{r['think_s'][0]:g}–{r['think_s'][1]:g} s |",
        f"| failed sessions | {r['failed_sessions']} |",
        f"| filter changes | {r['filter_changes']:,} |",
        f"| filter change p50 / p95 / p99 / max | {fmt(r['change_p50_s'])} / {fmt(r['change_p95_s'])} / "
        f"{fmt(r['change_p99_s'])} / {fmt(r['change_max_s'])} |",
        f"| first load p95 | {fmt(r['first_load_p95_s'])} |",
        f"| server memory (RSS) after {r['warmup_s']:.0f} s warm-up → end (peak) | {r['memory_baseline_mb']:.0f} MB → "
        f"{r['memory_final_mb']:.0f} MB ({r['memory_growth_pct']:+.1f} %), peak {r['memory_peak_mb']:.0f} MB |",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                    help="seconds a person looks at the page between two changes (uniform)")
    ap.add_argument("--warmup", type=float, default=30.0, help="seconds before the memory baseline is taken")
    ap.add_argument("--seed", type=int, default=20230716)
    ap.add_argument("--out", type=Path, default=OUT / "load.json")
    args = ap.parse_args(argv)
    with site(programs=False) as s:
        print("building the demo warehouse ...", flush=True)
        subprocess.run([sys.executable, "-m", "dashboard.build", "--force"], cwd=ROOT, env=s.env, check=True,
                       stdout=subprocess.DEVNULL)
        with server(s) as srv:
            print(f"{args.sessions} sessions for {args.minutes} min on {srv.url} ...", flush=True)
            result = run_load(srv.url, srv.proc.pid, args.sessions, args.minutes * 60, tuple(args.think), args.seed,
                              min(args.warmup, args.minutes * 60 / 3))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print("\n".join(summary_lines(result)))
    for f in result["failures"]:
        print("  " + f)
    print(f"-> {args.out}")
    return 0 if result["failed_sessions"] == 0 and result["memory_growth_pct"] < 20 else 1


if __name__ == "__main__":
    sys.exit(main())
