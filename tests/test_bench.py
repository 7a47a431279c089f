"""The benchmark harness at a tiny size: it runs end to end, and its pandas twins agree with the metrics.

`make test` runs the smoke version (no browser, a few hundred rows); the whole harness with the browser
is marked slow and run by `make bench`. No timing is asserted here (numbers go in docs/benchmarks.md).
"""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, app_pages

from bench import __main__ as bench_main
from bench import baseline, pages
from dashboard import metrics


def test_harness_smoke_every_page_timed_and_its_pandas_twin_agrees(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_PROGRAMS", str(ROOT / "data" / "programs.toml"))
    out = tmp_path / "benchmarks.md"
    code = bench_main.main(["--sizes", "400", "--work", str(tmp_path / "work"), "--out", str(out), "--no-browser",
                            "--settings", "6", "--repeats", "1", "--pandas-every", "1"])
    assert code == 0
    (size,) = json.loads((tmp_path / "work" / "results.json").read_text())["sizes"]
    assert size["ingest"]["summary"].startswith("rows read 400, inserted 400,")
    for page in pages.PAGES:  # six settings, each timed and checked against pandas
        assert size["pages"][page]["n"] == len(size["settings"]) == 6
        assert size["pandas"][page]["mismatches"] == [], page
    assert "| time_to_cap |" in out.read_text()


@pytest.mark.slow
def test_harness_runs_at_a_tiny_size(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_PROGRAMS", str(ROOT / "data" / "programs.toml"))
    out = tmp_path / "benchmarks.md"
    code = bench_main.main(["--sizes", "1500", "--work", str(tmp_path / "work"), "--out", str(out),
                            "--repeats", "1", "--warm", "1", "--filter-visits", "1", "--pandas-every", "1"])
    assert code == 0
    results = json.loads((tmp_path / "work" / "results.json").read_text())
    (size,) = results["sizes"]
    assert size["rows"] == 1500
    assert size["ingest"]["summary"].startswith("rows read 1,500, inserted 1,500, updated 0, unchanged 0, rejected 0")
    assert set(size["pages"]) == set(pages.PAGES) == {"overview", "velocity", "countries", "time_to_cap", "extracts"}
    for page in pages.PAGES:  # every page timed over every setting, and pandas gives the same rows
        assert size["pages"][page]["n"] == len(size["settings"]) == 24
        assert size["pandas"][page]["mismatches"] == [], page
    # the browser part: the Overview against the bare page, then a visit of every page for peak memory
    browser = size["browser"]
    assert browser["overview"]["warm_all_ms"] > 0 and browser["bare"]["warm_first_ms"] > 0
    assert len(size["tour"]["pages"]) == len(app_pages()) and size["tour"]["outside"] == []
    assert size["server_peak_mb"] >= size["overview_peak_mb"] > 0
    text = out.read_text()
    assert "| 1,500 |" in text and "| time_to_cap |" in text and "| yes |" in text and "| NO" not in text.split(
        "## Targets")[0]
    assert "Requests that left the machine during these visits: none." in text


def test_every_page_metric_is_a_metric_and_pandas_twins_mirror_metrics():
    for calls in pages.PAGES.values():
        for name, _ in calls:
            assert name.removeprefix("preview:") in metrics.METRICS
            assert name in baseline.PANDAS, f"{name} has no pandas twin"
    assert {name.removeprefix("preview:") for name in baseline.PANDAS} <= set(metrics.METRICS)


def test_rerun_bench_smoke_times_every_case_and_writes_its_section(shared_basic_warehouse, tmp_path, monkeypatch):
    """bench/rerun.py end to end at its smallest (two settings, one round): every case timed on every
    page asked for, and its section written in place of the previous one (no timing asserted)."""
    from bench import rerun

    out = tmp_path / "rerun.json"
    assert rerun.main(["--warehouse", str(shared_basic_warehouse), "--repeats", "1", "--settings", "2",
                       "--pages", "overview,countries", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert list(results["pages"]) == ["overview", "countries"]
    for page in results["pages"].values():
        assert {case: r["n"] for case, r in page.items()} == {"before": 2, "after": 2, "after_new": 2,
                                                              "new_setting": 2}
        assert all(r["median_ms"] > 0 for r in page.values())
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n" + rerun.SECTION + "\n\nold\n\n## Later\n\nkept\n")
    rerun.update_docs(rerun.render(results), doc)
    text = doc.read_text()
    assert "old" not in text and text.count(rerun.SECTION) == 1 and "| overview |" in text
    assert text.endswith("## Later\n\nkept\n")


@pytest.mark.slow
@pytest.mark.browser
def test_fresh_against_interleaves_two_checkouts_and_notes_the_renderer_cpu(shared_basic_warehouse, browser, tmp_path):
    """bench.fresh --against's measurement (bench/browser.py measure_pages): two servers of a checkout (the
    second started through `root`, as --against starts another one), each visit with its wall times and the
    renderer's CPU time, the paired ratios per version and between the versions, nothing fetched outside."""
    from bench import browser as br

    servers = {}
    bare = br.serve("bench/bare_app.py", tmp_path / "none" / "warehouse")
    try:
        servers["this"] = br.serve("dashboard/app.py", shared_basic_warehouse)
        servers["other"] = br.serve("dashboard/app.py", shared_basic_warehouse, root=ROOT)
        out = br.measure_pages(browser, servers, 2, bare, warm=2)
    finally:
        for srv in [bare, *servers.values()]:
            srv.stop()
    assert set(out["versions"]) == {"this", "other"} and set(out["between"]) == {"this/other"}
    for version in out["versions"].values():
        visits = [version["page"]["cold"], *version["page"]["warm_visits"], *version["bare"]["warm_visits"]]
        assert len(visits) == 5
        assert all(v["all_ms"] >= v["first_ms"] > 0 and v["renderer_cpu_ms"] > 0 for v in visits), visits
        assert version["paired_ratio"] > 0 and version["paired_cpu_ratio"] > 0
        assert version["page"]["outside_requests"] == version["bare"]["outside_requests"] == []
    assert out["between"]["this/other"]["all_ms"] > 0 and out["between"]["this/other"]["renderer_cpu_ms"] > 0
