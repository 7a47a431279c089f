"""Short versions of the fault trials (`make reliability` runs the long ones: bench/reliability.py).

- Crash safety: SIGKILL an ingest at random moments; the warehouse opens and holds the snapshot
  before or the one after, never a mix, and takes the next ingest.
- Ingest while people view: browsers keep reloading while ingests run; no page shows an error or
  half an ingest (its headline numbers all belong to one snapshot).
- Load: a few websocket-protocol sessions change filters on one server; none fails.
"""

from __future__ import annotations

import pytest

from bench import reliability
from bench.load import run_load


def test_killing_an_ingest_at_random_moments_leaves_a_whole_snapshot(tmp_path):
    summary = reliability.crash_trials(2, base_principals=100, batch_principals=30, parent=tmp_path, log=lambda _: None)
    outcomes = [(r["outcome"], r["opens"]) for r in summary["results"]]
    assert all(o in {("before", True), ("after", True)} for o in outcomes), summary["results"]
    assert summary["mixed_or_unopenable"] == 0
    assert summary["ingest_afterwards_exit_code"] == 0
    assert summary["leftovers_after_next_ingest"] == []


@pytest.mark.browser
def test_pages_drawn_during_ingests_show_whole_snapshots_and_no_error(tmp_path):
    summary = reliability.ingest_while_viewing(2, 3, gap_s=1.0, parent=tmp_path, log=lambda _: None)
    assert (summary["ingest_failures"], summary["error_count"], summary["went_back"]) == (0, 0, 0), summary["errors"]
    assert summary["loads"] >= 2
    assert summary["states_seen"] and set(summary["states_seen"]) <= set(range(4))


def test_concurrent_sessions_changing_filters_do_not_fail(tmp_path):
    with reliability.site(tmp_path) as s:
        base = reliability.write_csv(s.folder / "base.csv",
                                     reliability.batch("B", 50, 20, reliability.OPENS, reliability.random.Random(1)))
        assert reliability.run_ingest(s, base).returncode == 0
        with reliability.server(s) as srv:
            result = run_load(srv.url, srv.proc.pid, sessions=3, seconds=8, think=(0.2, 0.6), seed=1, warmup=2)
    assert result["failed_sessions"] == 0, result["failures"]
    assert result["filter_changes"] >= 3
    assert result["memory_mb"]
