"""The live replay against a real server: open pages see the headline count rise by themselves.

The test plays the replay's part itself (the demo generator's rows, written as an export and ingested
batch by batch "as if at the replay clock", as `dashboard.replay` does), one batch after each page's first
reading. So a rise is always there to be seen, whatever the machine's speed; what is timed is only the
open page picking the new snapshot up (it refreshes every second here), never a replay racing the test.
`tests/test_replay.py` covers the replay's own clock and batches.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest
from conftest import FIXTURES, outside_requests

from dashboard import demo, ingest, replay
from dashboard.programs import load_programs

pytestmark = pytest.mark.browser


def headline(page, label: str) -> int | None:
    metric = page.locator('[data-testid="stMetric"]', has_text=label)
    if metric.count() == 0:
        return None
    text = metric.first.locator('[data-testid="stMetricValue"]').inner_text()
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else None


def first_reading(page, label: str, seconds: float = 60) -> int | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = headline(page, label)
        if value is not None:
            return value
        page.wait_for_timeout(250)
    return None


def rises_above(page, label: str, first: int, seconds: float = 90) -> int:
    """The headline figure once it exceeds `first` on the same page (no reload), or `first` if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = headline(page, label)
        if value is not None and value > first:
            return value
        page.wait_for_timeout(500)
    return first


class Replay:
    """The demo's rows of a program, ingested up to a replay clock in batches, as dashboard.replay does."""

    def __init__(self, program, root, principals: int, tmp):
        self.program, self.root, self.tmp = program, root, tmp
        self.rows = demo.generate(program, demo.load_params(), principals, seed=7)
        self.clock = pd.Timestamp(program.opens_at).tz_convert("UTC") - pd.Timedelta(minutes=1)
        self.batches = 0
        replay.prepare(program, root)

    def until(self, clock: pd.Timestamp) -> int:
        due = self.rows[(self.rows["status_at"] > self.clock) & (self.rows["status_at"] <= clock)]
        self.clock = clock
        if due.empty:
            return 0
        self.batches += 1
        path = demo.write_csv(due, self.tmp / f"batch-{self.batches:03d}.csv", self.program)
        ingest.ingest([path], root=self.root, wait_seconds=30, now=clock, origin="demo")
        return int((due["applicant_role"] == "principal").sum())


def test_replay_raises_the_headline_on_open_pages(tmp_path, server_for, page, monkeypatch):
    programs_file = FIXTURES / "replay_programs.toml"
    program = load_programs(programs_file)["replay-intake"]
    monkeypatch.setenv("DASHBOARD_REFRESH_SECONDS", "1")
    monkeypatch.setenv("DASHBOARD_PROGRAMS", str(programs_file))  # the ingest checks rows against these
    wh = tmp_path / "warehouse"
    live = Replay(program, wh, principals=400, tmp=tmp_path)
    opens = live.clock + pd.Timedelta(minutes=1)
    assert live.until(opens + pd.Timedelta(hours=1)) > 0

    server = server_for(wh, programs_file)
    page.goto(server.url)
    first = first_reading(page, "Principal applications counted")
    assert first is not None and first > 0
    assert live.until(opens + pd.Timedelta(hours=3)) > 0  # the next batch lands while the page is open
    assert rises_above(page, "Principal applications counted", first) > first

    page.goto(f"{server.url}/time-to-cap")
    first = first_reading(page, "Counted toward the cap")
    assert first is not None and first > 0
    assert live.until(opens + pd.Timedelta(hours=6)) > 0
    assert rises_above(page, "Counted toward the cap", first) > first

    body = page.inner_text("body")
    assert "Something went wrong" not in body and "busy" not in body
    assert outside_requests(page.requests) == []
    assert "Traceback" not in next(tmp_path.glob("streamlit-*.log")).read_text()
