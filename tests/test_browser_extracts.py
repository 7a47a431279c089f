"""A real server and Chromium: click the downloads, compare the files with the warehouse and the command line."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile

import pytest
from conftest import CHART_TRACE, outside_requests, settled

from dashboard import cli, logs, metrics
from dashboard.filters import Filters

pytestmark = pytest.mark.browser


def download(page, button: str):
    # the button first (an expander's table and buttons come with the rerun its opening asks for), then the
    # download; both with the suite's generous wait for a state (a busy machine: conftest's page fixture)
    page.get_by_role("button", name=button).first.wait_for(timeout=60_000)
    # and the page settled, the opened expander at its full height included: Streamlit grows it for 500 ms after
    # its content comes, the button clipped below the growing edge; clicked then, the button slid under the
    # pointer between the press and the release and no download came (conftest.EXPANDERS_AT_REST)
    settled(page)
    target = page.get_by_role("button", name=button).first
    assert target.evaluate(WHOLLY_SHOWN), f"{button!r} is cut off by its expander: clicked now, it would move"
    with page.expect_download(timeout=60_000) as info:
        target.click()
    d = info.value
    return d.suggested_filename, open(d.path(), "rb").read()


# The element lies wholly in the visible part of the expander it is in (if any), the expander not scrolled
# inside: where it stays, and where a person sees it.
WHOLLY_SHOWN = """b => {
    const d = b.closest('details');
    if (!d) return true;
    const r = b.getBoundingClientRect(), e = d.getBoundingClientRect();
    return d.scrollTop === 0 && r.top >= e.top && r.bottom <= e.bottom;
}"""


def rows_of(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_downloads_match_the_warehouse_and_the_command_line(demo_warehouse, server_for, page, tmp_path):
    server = server_for(demo_warehouse)

    # The application records, from the Extracts page, against the warehouse's own rows.
    page.goto(f"{server.url}/extracts")
    page.get_by_role("button", name="Download CSV").first.wait_for(timeout=30_000)
    name, data = download(page, "Download CSV")
    assert name == "application_records_test-intake_all_latest.csv"
    stored = metrics.application_records(Filters("test-intake"))
    got = rows_of(data)
    assert [r["application_id"] for r in got] == stored["application_id"].tolist()
    assert [r["status"] for r in got] == stored["status"].tolist()
    assert [r["submitted_at"] for r in got] == [
        t.tz_convert("America/Toronto").isoformat() for t in stored["submitted_at"]]

    # The Overview's cumulative chart: its numbers add up to the total the page states.
    page.goto(server.url)
    page.wait_for_selector(CHART_TRACE, timeout=30_000)
    total = int(re.search(r"(\d+) principal applications arrived by", page.inner_text("body")).group(1))
    page.get_by_text("Numbers behind this chart").first.click()
    name, data = download(page, "Download CSV")
    assert name == "cumulative_principals_test-intake_all_latest.csv"
    assert sum(int(r["arrivals"]) for r in rows_of(data)) == total == 7

    # By hour with provenance, from the link a provenance file gives, against the command line.
    page.goto(f"{server.url}/extracts?metric=cumulative_principals&minutes=60")
    page.get_by_role("button", name="CSV with provenance (zip)").first.wait_for(timeout=30_000)
    name, data = download(page, "CSV with provenance (zip)")
    assert name == "cumulative_principals-60min_test-intake_all_latest.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sorted(z.namelist()) == ["cumulative_principals-60min_test-intake_all_latest.csv", "provenance.json"]
        button_csv = z.read("cumulative_principals-60min_test-intake_all_latest.csv")
        button_prov = json.loads(z.read("provenance.json"))
    out = tmp_path / "hour.csv"
    assert cli.extract_main(["--program", "test-intake", "--metric", "cumulative_principals", "--grain", "hour",
                         "--out", str(out)]) == 0
    assert out.read_bytes() == button_csv
    cli_prov = json.loads((tmp_path / "hour.provenance.json").read_text(encoding="utf-8"))
    assert button_prov.pop("extracted_at") != "" and cli_prov.pop("extracted_at") != ""
    assert button_prov == cli_prov
    assert [int(r["arrivals"]) for r in rows_of(button_csv)] == [3, 2, 1, 1]

    # Every one of them is in the audit log, the button ones as "dashboard" by "anonymous".
    log = logs.read(logs.AUDIT_LOG, demo_warehouse)
    assert [(r["via"], r["who"], r["metric"], r["format"]) for r in log] == [
        ("dashboard", "anonymous", "application_records", "csv"),
        ("dashboard", "anonymous", "cumulative_principals", "csv"),
        ("dashboard", "anonymous", "cumulative_principals", "zip"),
        ("command line", log[3]["who"], "cumulative_principals", "csv"),
    ]
    assert log[2]["csv_sha256"] == log[3]["csv_sha256"]
    assert logs.verify(logs.AUDIT_LOG, demo_warehouse) == (4, None)

    # The minister's brief from the Overview's button: built when pressed, a PDF, recorded like the rest.
    page.goto(f"{server.url}/?as_of=2023-07-16T10:00")
    page.get_by_role("button", name="Brief (PDF)").wait_for(timeout=30_000)
    with page.expect_download(timeout=120_000) as info:  # printed by headless Chromium inside the server
        page.get_by_role("button", name="Brief (PDF)").click()
    pdf = open(info.value.path(), "rb").read()
    assert info.value.suggested_filename.endswith(".pdf") and pdf.startswith(b"%PDF-")
    entry = logs.read(logs.AUDIT_LOG, demo_warehouse)[4]
    assert (entry["via"], entry["who"], entry["metric"], entry["format"]) == ("dashboard", "anonymous", "brief", "pdf")
    assert entry["file_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert entry["file"] == info.value.suggested_filename
    assert logs.verify(logs.AUDIT_LOG, demo_warehouse) == (5, None)
    assert outside_requests(page.requests) == []
