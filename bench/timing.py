"""Server-side time of each page's filter change, and the pandas baseline on the same data, in one run.

The warehouse side calls dashboard.metrics exactly as the views do (bench/pages.py), without
Streamlit's cache: every filter setting is one the server has not seen. The pandas side runs the
twins in bench/baseline.py on the states already in memory (loading them is not timed) and checks
that both give the same rows.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from bench import baseline, queries
from bench.pages import FRAME, PAGES, filter_settings, frame_filters
from dashboard import metrics, warehouse
from dashboard.filters import Filters
from dashboard.programs import Program


@contextmanager
def using_warehouse(root: Path):
    """Point the query layer at `root`, as DASHBOARD_WAREHOUSE does for the server."""
    with env_var("DASHBOARD_WAREHOUSE", str(root)):
        yield


@contextmanager
def env_var(name: str, value: str) -> Iterator[None]:
    """Set one environment variable for the block, then put back what was there (or nothing)."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def summarise(values: list[float]) -> dict:
    return {"median_ms": ms(statistics.median(values)), "p95_ms": ms(float(np.percentile(values, 95))),
            "min_ms": ms(min(values)), "max_ms": ms(max(values)), "n": len(values)}


def run_call(name: str, f: Filters, kwargs: dict) -> pd.DataFrame:
    """One metric call as the view makes it; "preview:<metric>" is metrics.preview (the Extracts page)."""
    if name.startswith("preview:"):
        kwargs = dict(kwargs)
        rows, total = metrics.preview(name.removeprefix("preview:"), f, kwargs.pop("limit"), **kwargs)
        rows.attrs["total_rows"] = total
        return rows
    return metrics.METRICS[name](f, **kwargs)


def run_page(page: str, f: Filters) -> dict[str, pd.DataFrame]:
    return {name: run_call(name, f, kwargs) for name, kwargs in PAGES[page]}


def _clock(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _cpu() -> float:
    """CPU seconds of this process, DuckDB's threads included: less disturbed than wall time when other
    work shares the cores (wall time is at least this divided by the number of cores)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_frame(program: Program) -> dict:
    """The frame's queries on a fresh connection: what the first visit after an ingest pays once."""
    out = {}
    for name, kind in FRAME:
        out[name] = ms(_clock(lambda name=name, kind=kind: metrics.METRICS[name](frame_filters(kind, program.id))))
    out["total_ms"] = round(sum(out.values()), 1)
    return out


def settings_for(program: Program) -> list[Filters]:
    countries = metrics.countries_present(Filters(program.id))["citizenship"].tolist()
    return filter_settings(program, countries)


def time_pages(settings: list[Filters], repeats: int) -> dict:
    """Per page: each setting's time (median of `repeats` rounds over all settings), then their spread."""
    out = {}
    for page in PAGES:
        run_page(page, settings[0])  # warm the connection and the file's pages, as a running server has
        per_setting: list[list[float]] = [[] for _ in settings]
        cpu: list[list[float]] = [[] for _ in settings]
        for _ in range(repeats):
            for i, f in enumerate(settings):
                before = _cpu()
                per_setting[i].append(_clock(lambda f=f, page=page: run_page(page, f)))
                cpu[i].append(_cpu() - before)
        values = [statistics.median(v) for v in per_setting]
        out[page] = {**summarise(values), "per_setting_ms": [ms(v) for v in values],
                     "cpu_median_ms": ms(statistics.median(statistics.median(v) for v in cpu))}
    return out


def load_states() -> pd.DataFrame:
    """Every stored state, as a pandas user would hold them (default dtypes), for the baseline."""
    r = warehouse.reader()
    states = queries.query("_bench_states", reader=r)
    # the reference tables h1b_representation reads (not in attrs: pandas copies those along every step)
    baseline.REFERENCE.update(h1b_issuances=queries.query("_bench_h1b_issuances", reader=r),
                              h1b_approvals=queries.query("_bench_h1b_approvals", reader=r))
    return states


def pandas_pages(states: pd.DataFrame, program: Program, settings: list[Filters], repeats: int,
                 warehouse_ms: dict, every: int = 1) -> dict:
    """The same pages in pandas: time per setting, ratio to the warehouse, and whether the rows agree.

    pandas runs every `every`-th setting (at 10M rows a setting costs it seconds per page); the ratio
    compares the two medians over those same settings.
    """
    picked = list(range(0, len(settings), every))
    out = {}
    for page, calls in PAGES.items():
        missing = [name for name, _ in calls if name not in baseline.PANDAS]
        if missing:
            out[page] = {"missing": missing}
            continue
        per_setting: list[list[float]] = [[] for _ in picked]
        mismatches = []
        for r in range(repeats):
            for k, i in enumerate(picked):
                f = settings[i]
                started = time.perf_counter()
                got = {name: baseline.PANDAS[name](states, f, program, **kwargs) for name, kwargs in calls}
                per_setting[k].append(time.perf_counter() - started)
                if r == 0:
                    want = run_page(page, f)
                    mismatches += [f"{name} @ setting {i}" for name in got if not baseline.same_rows(got[name], want[name])]
        values = [statistics.median(v) for v in per_setting]
        warehouse_s = [warehouse_ms[page]["per_setting_ms"][i] / 1000 for i in picked]
        ratios = [p / w for p, w in zip(values, warehouse_s, strict=True)]
        out[page] = {**summarise(values), "settings": picked,
                     "warehouse_median_ms": ms(statistics.median(warehouse_s)),
                     "ratio_of_medians": round(statistics.median(values) / statistics.median(warehouse_s), 1),
                     "median_ratio": round(statistics.median(ratios), 1), "mismatches": mismatches}
    return out
