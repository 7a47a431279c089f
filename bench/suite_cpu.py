"""Where `make test`'s time goes: each test's wall time and the CPU seconds of its worker's whole process tree.

A pytest plugin (load it with `-p bench.suite_cpu`) and a summary of what it wrote:

    SUITE_CPU_OUT=/tmp/suite PYTEST_ADDOPTS='-p bench.suite_cpu' .venv/bin/python -m pytest -n 2 --dist worksteal
    .venv/bin/python -m bench.suite_cpu /tmp/suite

Each worker (or the lone pytest process) writes one JSON line per test to $SUITE_CPU_OUT.<worker>: the test, its
start, its wall seconds, the CPU seconds (user + system) its worker's tree used meanwhile and the load average.
The tree is the worker and every process under it (the Streamlit servers, Chromium and its renderers, the
Playwright driver, ingest and replay subprocesses), read from /proc every 0.25 s by a thread: a process reaped
by another than the worker (Chromium's renderers, by its zygote) is counted too, which `/usr/bin/time` on pytest
misses. A process's CPU after its last sample (under 0.25 s) is lost; the reading's own CPU is taken off. A session fixture's cost goes to the test
that first asked for it. On a shared machine compare the CPU, not the wall: the wall grows with the others' load.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import threading
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_seen: dict[tuple[int, int], float] = {}  # (pid, start time in ticks) -> its latest CPU seconds
_lock = threading.Lock()
_current: dict[str, float] = {}
_out: list = []
_overhead = [0.0]  # CPU seconds of the reading itself (in the worker's process), taken off the figures
_active: list[bool] = []  # measuring in this process (not in xdist's controller, whose workers measure)


def _scan(root: int) -> None:
    began = time.thread_time()
    try:
        _read(root)
    finally:
        with _lock:
            _overhead[0] += time.thread_time() - began


def _read(root: int) -> None:
    children: dict[int, list[int]] = collections.defaultdict(list)
    cpu: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after the command's name, which may hold spaces
        pid = int(entry)
        children[int(fields[1])].append(pid)
        cpu[pid] = (int(fields[19]), (int(fields[11]) + int(fields[12])) / TICK)  # starttime; utime + stime
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    with _lock:
        for pid in tree:
            if pid in cpu:
                start, seconds = cpu[pid]
                _seen[(pid, start)] = max(_seen.get((pid, start), 0.0), seconds)


def _total() -> float:
    _scan(os.getpid())
    with _lock:
        return sum(_seen.values()) - _overhead[0]


def _sample() -> None:
    while True:
        try:
            _scan(os.getpid())
        except Exception:  # noqa: BLE001 - a sampler must not end the run
            pass
        time.sleep(0.25)


def pytest_configure(config) -> None:
    if not hasattr(config, "workerinput") and config.getoption("numprocesses", None):
        return  # the xdist controller: its workers measure
    _active.append(True)
    threading.Thread(target=_sample, daemon=True, name="suite_cpu").start()


def pytest_runtest_logstart(nodeid, location) -> None:
    if not _active:
        return
    _current.update(start=time.time(), cpu=_total())


def pytest_runtest_logfinish(nodeid, location) -> None:
    if not _current:
        return
    if not _out:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _out.append(open(f"{os.environ.get('SUITE_CPU_OUT', 'suite_cpu')}.{worker}", "a", encoding="utf-8"))  # noqa: SIM115
    _out[0].write(json.dumps({"test": nodeid, "start": _current["start"], "wall": time.time() - _current["start"],
                              "cpu": _total() - _current["cpu"], "load": os.getloadavg()[0]}) + "\n")
    _out[0].flush()


def summary(prefix: str, modules: int = 30, tests: int = 25) -> str:
    rows = []
    base = Path(prefix)
    for path in sorted([*base.parent.glob(base.name + ".gw*"), *base.parent.glob(base.name + ".main")]):
        rows += [dict(json.loads(line), worker=path.suffix[1:]) for line in path.read_text().splitlines()]
    if not rows:
        return f"nothing at {prefix}.*"
    lines = [f"{len(rows)} tests: summed wall {sum(r['wall'] for r in rows):.0f} s, "
             f"CPU {sum(r['cpu'] for r in rows):.0f} s"]
    for worker in sorted({r["worker"] for r in rows}):
        mine = [r for r in rows if r["worker"] == worker]
        span = max(r["start"] + r["wall"] for r in mine) - min(r["start"] for r in mine)
        lines.append(f"  {worker}: {len(mine)} tests, first start to last end {span:.0f} s, "
                     f"CPU {sum(r['cpu'] for r in mine):.0f} s")
    per = collections.defaultdict(lambda: [0, 0.0, 0.0])
    for r in rows:
        m = per[r["test"].split("::")[0]]
        m[0] += 1
        m[1] += r["wall"]
        m[2] += r["cpu"]
    lines += ["", "| module | tests | wall s | CPU s |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {n} | {wall:.1f} | {cpu:.1f} |"
              for name, (n, wall, cpu) in sorted(per.items(), key=lambda kv: -kv[1][2])[:modules]]
    lines += ["", "| test | wall s | CPU s | load |", "|---|---:|---:|---:|"]
    lines += [f"| {r['test']} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['load']:.1f} |"
              for r in sorted(rows, key=lambda r: -r["cpu"])[:tests]]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(sys.argv[1] if len(sys.argv) > 1 else "suite_cpu"))
