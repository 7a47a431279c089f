"""Benchmarks of the dashboard at up to 1,000 times the real intake (`python -m bench`, `make bench`).

    __main__.py   the entry point: intakes of 10k, 1M and 10M rows, timings, docs/benchmarks.md
    pages.py      what each page queries on a filter change (one line per page)
    intake.py     synthetic intakes at scale and their warehouses, built by the real ingest
    timing.py     server-side time per page and the pandas baseline (baseline.py) in the same run
    browser.py    real servers and headless Chromium: charts drawn, server peak memory (bare_app.py)
    report.py     the markdown report
    rerun.py      server CPU of a page's rerun after a filter change, figure cache on and off (`python -m bench.rerun`)
    storage.py    the storage design measured at 10M rows (`python -m bench.storage`, docs/storage.md)

Timing is never asserted in tests; tests/test_bench.py runs the harness at a tiny size.
"""
