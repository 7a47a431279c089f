"""The benchmark harness at a tiny size: it runs end to end, and its pandas twins agree with the metrics.

No timing is asserted here (benchmarks go in bench/, numbers in docs/benchmarks.md).
"""

from __future__ import annotations

import json

from conftest import ROOT

from bench import __main__ as bench_main
from bench import baseline, pages
from dashboard import metrics


def test_harness_runs_at_a_tiny_size(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_PROGRAMS", str(ROOT / "data" / "programs.toml"))
    out = tmp_path / "benchmarks.md"
    code = bench_main.main(["--sizes", "1500", "--work", str(tmp_path / "work"), "--out", str(out),
                            "--no-browser", "--repeats", "1"])
    assert code == 0
    results = json.loads((tmp_path / "work" / "results.json").read_text())
    (size,) = results["sizes"]
    assert size["rows"] == 1500
    assert size["ingest"]["summary"].startswith("rows read 1,500, inserted 1,500, updated 0, unchanged 0, rejected 0")
    assert size["pages"]["overview"]["n"] == len(size["settings"]) == 24
    assert size["pandas"]["overview"]["mismatches"] == []
    text = out.read_text()
    assert "| 1,500 |" in text and "| overview |" in text and "| yes |" in text


def test_every_page_metric_is_a_metric_and_pandas_twins_mirror_metrics():
    for calls in pages.PAGES.values():
        for name, _ in calls:
            assert name in metrics.METRICS
    assert set(baseline.PANDAS) <= set(metrics.METRICS)
