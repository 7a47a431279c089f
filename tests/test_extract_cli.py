"""`python -m dashboard.extract`: the same bytes as the button, provenance beside them, an audit record each."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime

import pytest
from conftest import BASIC_ROWS, row, write_export

from dashboard import extract, logs, metrics, warehouse
from dashboard import filters as fl
from dashboard.cli import extract_main
from dashboard.filters import Filters
from dashboard.programs import programs

BY_HOUR = (
    "\ufeffinterval_start,interval_end,arrivals,cumulative\r\n"
    "2023-07-16T09:00:00-04:00,2023-07-16T10:00:00-04:00,3,3\r\n"
    "2023-07-16T10:00:00-04:00,2023-07-16T11:00:00-04:00,2,5\r\n"
    "2023-07-16T12:00:00-04:00,2023-07-16T13:00:00-04:00,1,6\r\n"
    "2023-07-17T08:00:00-04:00,2023-07-17T09:00:00-04:00,1,7\r\n"
).encode()


def cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    code = extract_main(list(args), out=io.StringIO(), err=err)
    return code, err.getvalue()


def test_list_names_every_metric_with_its_description_and_parameters():
    out = io.StringIO()
    assert extract_main(["--list"], out=out) == 0
    text = out.getvalue()
    for name in metrics.METRICS:
        assert f"{name}\n    {metrics.describe(name)}\n" in text
    assert "--minutes INT" in text
    assert "application_records\n    One row per application under the shared filters" in text


def test_command_writes_the_csv_and_its_provenance(basic_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_BASE_URL", "https://intake.example.gc.ca/")
    out = tmp_path / "hour.csv"
    code, _ = cli("--program", "test-intake", "--metric", "cumulative_principals", "--grain", "hour", "--out", str(out))
    assert code == 0
    assert out.read_bytes() == BY_HOUR
    prov = json.loads((tmp_path / "hour.provenance.json").read_text(encoding="utf-8"))
    ingest = logs.read(logs.INGEST_LOG)[-1]
    assert prov["metric"] == "cumulative_principals"
    assert prov["parameters"] == {"minutes": 60}
    assert prov["filters"] == {"from": None, "to": None, "countries": [], "roles": [], "permits": [], "statuses": []}
    assert prov["as_of"] == "latest data"
    assert prov["data_version"]["snapshot"] == warehouse.current_snapshot().name
    assert prov["data_version"]["ingest_id"] == ingest["ingest_id"] == 1
    assert prov["data_version"]["file_hash"] == ingest["file_hash"]
    assert prov["rows"] == 4
    assert prov["csv_sha256"] == hashlib.sha256(BY_HOUR).hexdigest()
    assert prov["file"] == "cumulative_principals-60min_test-intake_all_latest.csv"
    assert prov["link"] == ("https://intake.example.gc.ca/extracts?metric=cumulative_principals&minutes=60"
                            "&program=test-intake&lang=en")
    assert prov["publication_mode"] is False and prov["language"] == "en"

    record = logs.read(logs.AUDIT_LOG)[-1]
    assert record["via"] == "command line" and record["metric"] == "cumulative_principals"
    assert record["rows"] == 4 and record["parameters"] == {"minutes": 60}
    assert record["filters"] == {"program": ["test-intake"]}
    assert record["file_sha256"] == record["csv_sha256"] == prov["csv_sha256"]
    assert record["at"] == prov["extracted_at"]
    assert logs.verify(logs.AUDIT_LOG) == (1, None)


def test_times_without_an_offset_are_the_programs_zone(basic_warehouse, tmp_path):
    naive, offset = tmp_path / "naive.csv", tmp_path / "offset.csv"
    assert cli("--program", "test-intake", "--metric", "cumulative_principals", "--minutes", "60",
               "--from", "2023-07-16T10:00", "--to", "2023-07-16T12:30", "--out", str(naive))[0] == 0
    assert cli("--program", "test-intake", "--metric", "cumulative_principals", "--minutes=60",
               "--from", "2023-07-16T14:00:00+00:00", "--to", "2023-07-16T16:30Z", "--out", str(offset))[0] == 0
    assert naive.read_bytes() == offset.read_bytes()
    assert naive.read_bytes().decode("utf-8-sig").split("\r\n")[1:] == [
        "2023-07-16T10:00:00-04:00,2023-07-16T11:00:00-04:00,2,2",
        "2023-07-16T12:00:00-04:00,2023-07-16T13:00:00-04:00,1,3", ""]


def test_records_as_of_a_moment(basic_warehouse, tmp_path):
    out = tmp_path / "records.csv"
    assert cli("--program", "test-intake", "--metric", "application_records", "--as-of", "2023-07-16T10:00",
               "--out", str(out))[0] == 0
    lines = out.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("application_id,program_id,submitted_at,applicant_role,principal_application_id,permit_type,"
                        "citizenship,birth_country,us_state,intended_province,status,status_at")
    assert [ln.split(",")[0] for ln in lines[1:-1]] == ["P1", "P2", "F1", "P3"]
    assert lines[1] == ("P1,test-intake,2023-07-16T09:05:00-04:00,principal,,open_work_permit,IND,,,,submitted,"
                        "2023-07-16T09:05:00-04:00")


def test_publication_from_the_command_line(basic_warehouse, tmp_path):
    out = tmp_path / "pub.csv"
    assert cli("--program", "test-intake", "--metric", "applications_by_role_status", "--publication",
               "--out", str(out))[0] == 0
    # dependant submitted 1, principal approved 1, principal submitted 6, spouse submitted 1: the 6 goes
    # too, or the principals' total (7, published as 5) less it would give the approved one back.
    assert out.read_bytes().decode("utf-8-sig").split("\r\n") == [
        "applicant_role,status,applications,applications_suppressed",
        "dependant,submitted,,True", "principal,approved,,True", "principal,submitted,,True",
        "spouse,submitted,,True", ""]
    prov = json.loads((tmp_path / "pub.provenance.json").read_text(encoding="utf-8"))
    assert prov["publication_mode"] is True and "IRCC" in prov["publication_rule"]
    assert prov["file"].endswith("_pub.csv")
    assert "&pub=1&" in prov["link"]


@pytest.mark.parametrize("args, code, message", [
    (["--metric", "nope"], 2, "unknown metric"),
    (["--metric", "cumulative_principals", "--as-of", "yesterday"], 2, "--as-of 'yesterday' is not usable"),
    (["--metric", "cumulative_principals", "--country", "XXX"], 2, "--country 'XXX' is not usable"),
    (["--metric", "applications_by_role_status", "--grain", "hour"], 2, "has no time grain"),
    (["--metric", "cumulative_principals", "--grain", "fortnight"], 2, "use one of 1min, 15min, hour, day"),
    (["--metric", "cumulative_principals", "--grain", "day"], 2, "has no calendar-day grain"),
    (["--metric", "cumulative_principals", "--colour", "red"], 2, "takes no parameter 'colour'"),
    (["--metric", "cumulative_principals", "--minutes", "many"], 2, "expects int"),
    (["--metric", "application_records", "--publication"], 1, "cannot publish it"),
])
def test_usage_errors_say_what_to_do_and_leave_no_audit_record(basic_warehouse, tmp_path, args, code, message):
    got, err = cli("--program", "test-intake", *args, "--out", str(tmp_path / "x.csv"))
    assert (got, message in err) == (code, True), err
    assert not (tmp_path / "x.csv").exists()
    assert logs.read(logs.AUDIT_LOG) == []


def test_button_and_command_give_the_same_bytes(basic_warehouse, tmp_path):
    """The button path (the metric's cached rows passed in) and the command path (the metric run here)."""
    out = tmp_path / "cli.csv"
    assert cli("--program", "test-intake", "--metric", "cumulative_principals", "--minutes", "60",
               "--as-of", "2023-07-16T11:00", "--out", str(out))[0] == 0
    f = Filters("test-intake", as_of=datetime(2023, 7, 16, 15, 0, tzinfo=UTC))
    rows = metrics.cumulative_principals(f, minutes=60)
    button = extract.build("cumulative_principals", f, {"minutes": 60}, df=rows)
    assert button.csv == out.read_bytes()
    at = datetime(2030, 1, 1, tzinfo=UTC)
    mine = button.provenance(at)
    theirs = json.loads((tmp_path / "cli.provenance.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in mine.items() if k != "extracted_at"} == \
        {k: v for k, v in theirs.items() if k != "extracted_at"}
    assert mine["as_of"] == "2023-07-16T11:00:00-04:00"
    assert button.zip_name == "cumulative_principals-60min_test-intake_all_asof20230716T1100.zip"


def test_file_names_stay_short(programs_env):
    tz = programs()["test-intake"].tz
    f = Filters("test-intake", start=datetime(2023, 7, 16, 9, tzinfo=tz), countries=("BRA", "CHN", "FRA", "IND"),
                roles=("principal",), as_of=datetime(2023, 7, 16, 18, tzinfo=tz))
    assert extract.file_stem("application_records", f, publication=True) == \
        "application_records_test-intake_from20230716T0900_4countries_principal_asof20230716T1800_pub"


def test_the_audit_log_outlives_snapshots_rollbacks_and_rebuilds(basic_warehouse, tmp_path, monkeypatch):
    from dashboard import build, demo, ingest, reference

    assert cli("--program", "test-intake", "--metric", "cap_status", "--out", str(tmp_path / "c.csv"))[0] == 0
    log = basic_warehouse / logs.AUDIT_LOG
    before = log.read_bytes()
    ingest.ingest([write_export(tmp_path / "more.csv", [row("P8", "2023-07-17T09:00:00")])], root=basic_warehouse)
    warehouse.rollback(basic_warehouse)
    warehouse.prune(basic_warehouse, keep=1)
    assert log.read_bytes() == before
    monkeypatch.setattr(demo, "demo_export", lambda: write_export(tmp_path / "demo.csv", BASIC_ROWS))
    monkeypatch.setattr(reference, "load", lambda con: None)
    build.build(force=True)
    assert log.read_bytes() == before
    assert [r["metric"] for r in logs.read(logs.AUDIT_LOG)] == ["cap_status"]


def test_grain_day_is_the_pages_calendar_day(basic_warehouse, tmp_path):
    """`--grain day` and the Velocity page's `?grain=day` speak one vocabulary: the same calendar-day rows
    (a day across the end of daylight saving is 25 hours long, not 1,440 minutes)."""
    from dashboard import ingest

    ingest.ingest([write_export(tmp_path / "nov.csv", [row("P9", "2023-11-06T08:00:00", citizenship="IND")])],
                  root=basic_warehouse)
    url = {"program": ["test-intake"], "from": ["2023-07-16T00:00"], "country": ["IND"], "grain": ["day"]}
    grain, notice = fl.parse_grain(url)
    metric, params = fl.grain_series(grain)
    page = extract.build(metric, fl.parse_query(url, programs()), params)  # what the page's rows give
    out = tmp_path / "day.csv"
    assert cli("--program", "test-intake", "--from", "2023-07-16T00:00", "--country", "IND", "--grain", "day",
               "--out", str(out))[0] == 0
    assert (notice, metric) == (None, "arrivals_by_day")
    assert out.read_bytes() == page.csv
    lines = out.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[:3] == ["interval_start,interval_end,principal,family",
                         "2023-07-16T00:00:00-04:00,2023-07-17T00:00:00-04:00,4,2",
                         "2023-07-17T00:00:00-04:00,2023-07-18T00:00:00-04:00,0,0"]
    assert "2023-11-05T00:00:00-04:00,2023-11-06T00:00:00-05:00,0,0" in lines  # 25 hours: a calendar day
    assert lines[-2] == "2023-11-06T00:00:00-05:00,2023-11-07T00:00:00-05:00,1,0"
    assert len(lines) == 2 + (datetime(2023, 11, 6) - datetime(2023, 7, 16)).days + 1
    # the old command-line word for a minute still works, and names the page's grain
    assert cli("--program", "test-intake", "--grain", "minute", "--out", str(tmp_path / "m.csv"))[0] == 0
    assert json.loads((tmp_path / "m.provenance.json").read_text())["parameters"] == {"minutes": 1}
