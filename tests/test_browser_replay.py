"""The live replay against a real server: open pages see the headline count rise by themselves."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from conftest import FIXTURES, ROOT, outside_requests

pytestmark = pytest.mark.browser


def headline(page, label: str) -> int | None:
    metric = page.locator('[data-testid="stMetric"]', has_text=label)
    if metric.count() == 0:
        return None
    text = metric.first.locator('[data-testid="stMetricValue"]').inner_text()
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else None


def rises(page, label: str, seconds: float = 30) -> tuple[int, int]:
    """The headline figure when first seen, and a larger one seen later on the same page (no reload)."""
    deadline = time.monotonic() + seconds
    first = None
    while time.monotonic() < deadline:
        value = headline(page, label)
        if first is None:
            first = value
        elif value is not None and value > first:
            return first, value
        page.wait_for_timeout(500)
    return first, first


def test_replay_raises_the_headline_on_open_pages(tmp_path, server_for, page, monkeypatch):
    programs = FIXTURES / "replay_programs.toml"
    wh = tmp_path / "warehouse"
    monkeypatch.setenv("DASHBOARD_REFRESH_SECONDS", "1")
    env = {**os.environ, "DASHBOARD_WAREHOUSE": str(wh), "DASHBOARD_PROGRAMS": str(programs), "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "replay.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.replay", "--program", "replay-intake", "--principals",
                             "400", "--speed", "1800", "--batch-seconds", "0.5"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not (wh / "CURRENT").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        server = server_for(wh, programs)
        page.goto(server.url)
        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
        first, later = rises(page, "Principal applications counted")
        assert first is not None and later > first
        page.goto(f"{server.url}/time-to-cap")
        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
        first, later = rises(page, "Counted toward the cap")
        assert first is not None and later > first
        body = page.inner_text("body")
        assert "Something went wrong" not in body and "busy" not in body
        assert proc.poll() in (None, 0)
        assert outside_requests(page.requests) == []
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
    assert "Traceback" not in (tmp_path / "replay.log").read_text()
    assert "Traceback" not in next(tmp_path.glob("streamlit-*.log")).read_text()
