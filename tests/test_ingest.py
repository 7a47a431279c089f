"""Ingest: valid files, re-ingest, status updates, rejected rows and the warehouse left unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from conftest import BASIC_ROWS, COLUMNS, ROOT, TEST_SQL, row, support_query, write_export

from dashboard import metrics, warehouse
from dashboard.filters import Filters
from dashboard.ingest import IngestRejected, ingest


def current(app_id: str):
    df = support_query("_test_current_state", {"id": app_id})
    return df.iloc[0].to_dict() if len(df) else None


def test_valid_file_is_stored_with_counts(tmp_path, warehouse_dir):
    s = ingest([write_export(tmp_path / "a.csv", BASIC_ROWS)], root=warehouse_dir)
    assert (s.rows_read, s.inserted, s.updated, s.unchanged, s.rejected) == (10, 10, 0, 0, 0)
    assert s.snapshot == "000001.duckdb"
    by = metrics.applications_by_role_status(Filters("test-intake"))
    assert by.to_dict("records") == [
        {"applicant_role": "dependant", "status": "submitted", "applications": 1},
        {"applicant_role": "principal", "status": "approved", "applications": 1},
        {"applicant_role": "principal", "status": "submitted", "applications": 6},
        {"applicant_role": "spouse", "status": "submitted", "applications": 1},
    ]


def test_same_file_twice_changes_nothing(tmp_path, basic_warehouse):
    before = warehouse.checksum(basic_warehouse)
    s = ingest([write_export(tmp_path / "again.csv", BASIC_ROWS)], root=basic_warehouse)
    assert (s.inserted, s.updated, s.unchanged, s.snapshot) == (0, 0, 10, None)
    assert warehouse.checksum(basic_warehouse) == before


def test_latest_status_wins_and_history_is_kept(tmp_path, basic_warehouse):
    later = [row("P2", "2023-07-16T09:20:00", status="refused", status_at="2023-09-01T12:00:00"),
             row("P2", "2023-07-16T09:20:00", status="in_review", status_at="2023-08-01T12:00:00")]
    s = ingest([write_export(tmp_path / "upd.csv", later)], root=basic_warehouse)
    assert (s.inserted, s.updated, s.unchanged) == (0, 2, 0)
    assert current("P2")["status"] == "refused"
    f = Filters("test-intake", as_of=datetime(2023, 8, 15, tzinfo=UTC))
    by = metrics.applications_by_role_status(f)
    principal = {r["status"]: r["applications"] for r in by.to_dict("records") if r["applicant_role"] == "principal"}
    assert principal == {"approved": 1, "in_review": 1, "submitted": 5}


def test_bad_rows_reject_the_whole_file_and_leave_the_warehouse(tmp_path, basic_warehouse):
    before = warehouse.checksum(basic_warehouse)
    rows = [row("N1", "2023-07-16T11:00:00"), row("N2", "not-a-time"), row("N3", "2023-07-16T11:00:00", status="lost"),
            row("N4", "2023-07-16T11:00:00", citizenship="Atlantis")]
    with pytest.raises(IngestRejected) as exc:
        ingest([write_export(tmp_path / "bad.csv", rows)], root=basic_warehouse)
    messages = [str(p) for p in exc.value.problems]
    assert messages == [
        f"{tmp_path / 'bad.csv'}:3: column submitted_at: not a valid ISO 8601 date and time; "
        "expected e.g. 2023-07-16T09:30:00-04:00",
        f"{tmp_path / 'bad.csv'}:3: column status_at: not a valid ISO 8601 date and time; "
        "expected e.g. 2023-07-16T09:30:00-04:00",
        f"{tmp_path / 'bad.csv'}:4: column status: expected one of submitted, in_review, approved, refused, withdrawn",
        f"{tmp_path / 'bad.csv'}:5: column citizenship: not an ISO 3166 country; expected an alpha-3 code such as "
        "IND or an English country name",
    ]
    assert warehouse.checksum(basic_warehouse) == before


def test_skip_invalid_stores_the_valid_rows(tmp_path, basic_warehouse):
    rows = [row("N1", "2023-07-16T11:00:00"), row("N2", "2023-07-16T11:00:00", role="spouse", principal="NOPE")]
    s = ingest([write_export(tmp_path / "mixed.csv", rows)], root=basic_warehouse, skip_invalid=True)
    assert (s.inserted, s.rejected) == (1, 1)
    assert "no principal application with this id" in str(s.problems[0])
    assert current("N1") is not None and current("N2") is None


def test_family_may_name_a_stored_principal(tmp_path, basic_warehouse):
    s = ingest([write_export(tmp_path / "fam.csv", [row("F9", "2023-07-20T10:00:00", role="spouse", principal="P3")])],
               root=basic_warehouse)
    assert s.inserted == 1


def test_the_engine_path_finds_a_family_rows_principal_in_the_call_or_stored_and_no_other(tmp_path, basic_warehouse):
    """The engine path's verdict (queries/ingest/_engine_verdict.sql, two anti joins): a spouse naming a
    principal of the same file or a stored one is published by the engine path; one naming neither sends
    the call to the precise path, which names the row."""
    at = "2023-07-20T10:00:00-04:00"
    fam = [row("P8", at), row("F7", at, role="spouse", principal="P8"), row("F8", at, role="spouse", principal="P3")]
    s = ingest([write_export(tmp_path / "fam.csv", fam)], root=basic_warehouse)
    assert (s.path, s.inserted) == ("engine", 3)
    with pytest.raises(IngestRejected) as exc:
        ingest([write_export(tmp_path / "orphan.csv", [row("F9", at, role="spouse", principal="P9")])],
               root=basic_warehouse)
    assert [(p.line, p.column) for p in exc.value.problems] == [(2, "principal_application_id")]


def test_conflicting_state_is_rejected(tmp_path, basic_warehouse):
    clash = [row("P3", "2023-07-16T09:50:00", citizenship="BRA")]  # same status_at, different value
    with pytest.raises(IngestRejected) as exc:
        ingest([write_export(tmp_path / "clash.csv", clash)], root=basic_warehouse)
    assert exc.value.problems[0].line == 2 and exc.value.problems[0].column == "status_at"


def test_daylight_saving_gap_asks_for_an_offset(tmp_path, warehouse_dir):
    rows = [row("D1", "2024-03-10T02:30:00"), row("D2", "2024-03-10T02:30:00-05:00")]
    with pytest.raises(IngestRejected) as exc:
        ingest([write_export(tmp_path / "dst.csv", rows)], root=warehouse_dir)
    assert [(p.line, p.column) for p in exc.value.problems] == [(2, "submitted_at"), (2, "status_at")]
    assert "add a UTC offset" in exc.value.problems[0].message


def test_identifier_and_extra_columns_are_dropped(tmp_path, warehouse_dir):
    path = write_export(tmp_path / "extra.csv", [dict(row("X1", "2023-07-16T11:00:00"), full_name="A B", note="hi")],
                        [*COLUMNS, "full_name", "note"])
    s = ingest([path], root=warehouse_dir)
    assert s.identifier_columns == {str(path): ["full_name"]}
    assert s.dropped_columns == {str(path): ["note"]}
    stored = support_query("_test_columns", {})["column_name"].tolist()
    assert "full_name" not in stored and "note" not in stored


def test_cli_bad_timestamp_on_line_7_exits_1_and_names_it(tmp_path, basic_warehouse):
    rows = [row(f"C{i}", "2023-07-16T11:00:00") for i in range(1, 6)] + [row("C6", "2023-07-16T25:00:00")]
    path = write_export(tmp_path / "line7.csv", rows)
    before = warehouse.checksum(basic_warehouse)
    out = subprocess.run([sys.executable, "-m", "dashboard.ingest", str(path)], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 1
    assert f"{path}:7: column submitted_at:" in out.stderr
    assert "Traceback" not in out.stderr
    assert warehouse.checksum(basic_warehouse) == before


def test_cli_usage_error_exits_2(tmp_path, warehouse_dir):
    out = subprocess.run([sys.executable, "-m", "dashboard.ingest", str(tmp_path / "missing.csv")], cwd=ROOT,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 2 and "no such file" in out.stderr


def test_a_second_writer_stops_with_a_clear_message(basic_warehouse):
    with warehouse.writer(basic_warehouse), pytest.raises(warehouse.WarehouseBusy, match="another ingest"):
        with warehouse.writer(basic_warehouse):
            pass


def test_a_clean_export_takes_the_engine_path_and_stores_what_the_precise_path_stores(tmp_path, monkeypatch):
    """The bench intake's form (offsets on every time, plain ASCII) is read by DuckDB, no row in Python;
    the same file forced through the precise path gives the same states and the same recorded ingest."""
    from bench import intake, reliability
    from dashboard.ingest import engine

    monkeypatch.delenv("DASHBOARD_PROGRAMS", raising=False)  # data/programs.toml: the demo program
    csv_path = intake.intake_csv(3_000, tmp_path)
    fast = ingest([csv_path], root=tmp_path / "engine")
    assert (fast.path, fast.rows_read, fast.inserted, fast.rejected) == ("engine", 3_000, 3_000, 0)

    def give_up(*_args, **_kwargs):
        raise engine.NeedsPrecise

    monkeypatch.setattr(engine, "load", give_up)
    precise = ingest([csv_path], root=tmp_path / "precise")
    assert (precise.path, precise.rows_read, precise.inserted) == ("precise", 3_000, 3_000)
    assert reliability.digest(tmp_path / "engine") == reliability.digest(tmp_path / "precise")


def _edited_intake(tmp_path, name: str, line: int, edit) -> object:
    """The 3,000-row bench intake with one line (1-based, header is line 1) changed by `edit`."""
    from bench import intake

    lines = intake.intake_csv(3_000, tmp_path).read_text().splitlines(keepends=True)
    lines[line - 1] = edit(lines[line - 1])
    path = tmp_path / name
    path.write_text("".join(lines))
    return path


def _stores_what_the_precise_path_stores(monkeypatch, path, tmp_path) -> None:
    """`path` forced through the precise path gives the store the engine path left in tmp_path / "engine"."""
    from bench import reliability
    from dashboard.ingest import engine

    def give_up(*_args, **_kwargs):
        raise engine.NeedsPrecise

    monkeypatch.setattr(engine, "load", give_up)
    precise = ingest([path], root=tmp_path / "precise")
    assert precise.path == "precise"
    assert reliability.digest(tmp_path / "engine") == reliability.digest(tmp_path / "precise")


def test_a_value_to_trim_past_the_first_stretch_is_read_again_with_the_checks(tmp_path, monkeypatch):
    """DuckDB reads a file whose first stretch is plain while a thread passes over the rest; a space to
    trim found there has the rows read again with trimming, and the store matches the precise path's."""
    from dashboard.ingest import engine

    monkeypatch.delenv("DASHBOARD_PROGRAMS", raising=False)
    monkeypatch.setattr(engine, "SCAN_FIRST", 8192)
    path = _edited_intake(tmp_path, "spaced.csv", 2_990, lambda ln: ln.replace(",IND,", ", IND ,", 1))
    assert ", IND ," in path.read_text()
    fast = ingest([path], root=tmp_path / "engine")
    assert (fast.path, fast.rows_read, fast.inserted) == ("engine", 3_000, 3_000)

    _stores_what_the_precise_path_stores(monkeypatch, path, tmp_path)


_SCANNED = [
    b"a,b\n1,2\n", b"a,b\r\n1,2\r\n3,4", b" a,b\n", b"a,b\n ", b"a,b \n", b"a ,b\n", b"a, b\n", b"a,b\r 1\n",
    b'a,"b"\n"c",d\n', b'"a","b,c"', b'a,b"c\n', b'a,"b"c\n', b'"a"b,c\n', b"a,\x01b\n", b"a,\xc3\xa9\n", b"a,\x7f\n",
    b"0123456789,0123456789\n", b"0123456789,01234\n0123456789,012345\n", b"0123456789012345678901", b"",
]


@pytest.mark.parametrize("content", _SCANNED)
def test_the_pass_over_a_files_bytes_says_the_same_at_any_stretch_size_and_hashes_every_byte(tmp_path, monkeypatch,
                                                                                               content):
    """engine._scan_bytes reads a file a stretch at a time (1 MiB), each stretch read once and given to the
    file's SHA-256 too: what it says about the bytes (a quote off a field's edge, a byte that is not plain, a
    space to trim, a line longer than the engine takes, lines of 16 bytes here) does not depend on where the
    stretches end, and the hash is the file's, also when the scan stops early."""
    import hashlib
    from threading import Event

    from dashboard.ingest import engine

    monkeypatch.setattr(engine, "ENGINE_LINE_BYTES", 16)
    monkeypatch.setattr(engine, "_BLOCK", 8)
    path = tmp_path / "scanned.csv"
    path.write_bytes(content)
    padded = b"\n" + content + b"\n"
    plain = all(b in engine._PLAIN_BYTES for b in content)
    expected = engine._Bytes(
        quotes_at_edges=all(padded[i - 1] in b",\r\n" or padded[i + 1] in b",\r\n"
                            for i in range(1, len(padded) - 1) if padded[i] == 0x22),
        plain=plain, untrimmed=plain and not any(pair in padded for pair in engine._TRIM_PAIRS),
        short_lines=all(len(line) < 16 for line in content.split(b"\n")))
    stopped = Event()
    stopped.set()
    for step in range(1, len(content) + 2):
        digest = hashlib.sha256()
        found = engine._scan_bytes(path, step=step, digest=digest)
        assert digest.hexdigest() == hashlib.sha256(content).hexdigest()
        if expected.quotes_at_edges:
            assert found == expected, step
        else:
            assert not found.quotes_at_edges, step
        digest = hashlib.sha256()
        cut = engine._scan_bytes(path, step=step, stop=stopped, digest=digest)
        assert digest.hexdigest() == hashlib.sha256(content).hexdigest()
        assert cut.stopped == bool(content)  # a stopped scan says so, never "clean"


def test_the_files_hash_is_the_hash_of_each_files_hash_and_a_failure_fails_every_scan_awaited(tmp_path, monkeypatch):
    """BytePasses.files_hash: SHA-256 over each file's SHA-256, whichever of its two readings (a small file's
    own hash, a large one's stretch by stretch with its scan) a file takes. When it fails on an earlier file,
    the later files' scans fail with it: `load` waits on them in the writer, and hung for ever (review12)."""
    import hashlib
    from concurrent.futures import CancelledError

    from dashboard.ingest import engine

    monkeypatch.setattr(engine, "SCAN_FIRST", 8192)
    small, large, later = tmp_path / "small.csv", tmp_path / "large.csv", tmp_path / "later.csv"
    small.write_bytes(b"a,b\n1,2\n")
    large.write_bytes(b"a,b\n" + b"1,2\n" * 5000)
    later.write_bytes(b"a,b\n" + b"3, 4\n" * 5000)
    passes = engine.BytePasses([small, large, later])
    assert passes.scans[0] is None and passes.scans[1] is not None and passes.scans[2] is not None
    expected = hashlib.sha256(b"".join(hashlib.sha256(p.read_bytes()).digest() for p in (small, large, later)))
    assert passes.files_hash() == expected.hexdigest()
    assert passes.scans[1].result().untrimmed and not passes.scans[2].result().untrimmed

    stopped = engine.BytePasses([large])
    stopped.stop.set()
    assert stopped.files_hash() == hashlib.sha256(hashlib.sha256(large.read_bytes()).digest()).hexdigest()
    with pytest.raises(CancelledError):
        stopped.scans[0].result()

    def unreadable(path):
        raise OSError(5, "Input/output error", str(path))

    monkeypatch.setattr(warehouse, "file_sha256", unreadable)
    failing = engine.BytePasses([small, large, later])
    with pytest.raises(OSError):
        failing.files_hash()
    for scan in failing.scans[1:]:
        with pytest.raises(OSError):
            scan.result(timeout=0)


def test_a_stray_quote_past_the_first_stretch_gets_the_precise_message(tmp_path, monkeypatch):
    from dashboard.ingest import engine

    monkeypatch.delenv("DASHBOARD_PROGRAMS", raising=False)
    monkeypatch.setattr(engine, "SCAN_FIRST", 8192)
    path = _edited_intake(tmp_path, "quote.csv", 2_990, lambda ln: ln.replace(",IND,", ',I"ND,', 1))
    with pytest.raises(IngestRejected) as engine_first:
        ingest([path], root=tmp_path / "a")

    def give_up(*_args, **_kwargs):
        raise engine.NeedsPrecise

    monkeypatch.setattr(engine, "load", give_up)
    with pytest.raises(IngestRejected) as precise:
        ingest([path], root=tmp_path / "b")
    assert [str(p) for p in engine_first.value.problems] == [str(p) for p in precise.value.problems]
    assert any(":2990:" in str(p) for p in precise.value.problems)


@pytest.mark.parametrize(("order", "merge"), [
    ("as exported", "_merge_runs"),  # each application's states together, oldest first: one sort
    ("one application's last state at the end", "_merge_runs"),  # split: that one takes the window
    ("reversed", "_merge_incoming"),  # every application out of order: the window over every row
])
def test_the_merge_of_new_applications_stores_what_the_precise_path_stores_in_any_row_order(
        tmp_path, monkeypatch, order, merge):
    """The engine path merges new applications in one sort when their states lie together in the file
    (_merge_runs.sql), with the window for the few that do not, and over every row when most do not; the
    store is the precise path's in each case, valid_from and valid_to included."""
    from bench import intake

    monkeypatch.delenv("DASHBOARD_PROGRAMS", raising=False)
    header, *lines = intake.intake_csv(3_000, tmp_path).read_text().splitlines(keepends=True)
    if order == "reversed":
        lines.reverse()
    elif order != "as exported":
        first = lines[0].split(",")[0]
        last = max(i for i, ln in enumerate(lines) if ln.split(",")[0] == first)
        lines.append(lines.pop(last))
    if order == "as exported":  # an application crosses the border of engine_rows' halves (_engine_runs.sql),
        assert lines[1_499].split(",")[0] == lines[1_500].split(",")[0]  # each streamed on its own: the window
    path = tmp_path / "ordered.csv"
    path.write_text(header + "".join(lines))
    ran = []
    script = warehouse.run_script

    def run_script(con, name, *args, **kwargs):
        ran.append(name)
        return script(con, name, *args, **kwargs)

    monkeypatch.setattr(warehouse, "run_script", run_script)
    fast = ingest([path], root=tmp_path / "engine")
    assert (fast.path, fast.rows_read, fast.inserted) == ("engine", 3_000, 3_000)
    other = ({"_merge_runs", "_merge_incoming"} - {merge}).pop()
    assert merge in ran and other not in ran

    _stores_what_the_precise_path_stores(monkeypatch, path, tmp_path)


def test_every_allowed_value_of_the_one_byte_columns_is_stored_as_the_precise_path_stores_it(tmp_path, monkeypatch):
    """The engine path holds the permit type, US state, province and status as their place in the list of
    allowed values (queries/ingest/_engine_prepare.sql), and the countries as their code's place in the
    list of codes, and gives the text back after the merge's sort (_merge_runs.sql): every allowed value,
    in the casings an export may use and empty where it may be, and the country spellings, come back as the
    precise path stores them."""
    from bench import intake
    from dashboard.ingest.engine import country_spellings
    from dashboard.ingest.validate import PROVINCES, us_state_codes
    from dashboard.programs import PERMIT_TYPES, STATUSES

    monkeypatch.delenv("DASHBOARD_PROGRAMS", raising=False)
    states, provinces = [*sorted(us_state_codes()), ""], [*sorted(PROVINCES), ""]
    names, codes = country_spellings()
    spellings = list({c: n for n, c in zip(names, codes, strict=True) if "," not in n}.values())  # each code once
    header, *lines = intake.intake_csv(3_000, tmp_path).read_text().splitlines(keepends=True)
    out = []
    for i, line in enumerate(lines):
        cells = line.rstrip("\n").split(",")
        cells[5] = PERMIT_TYPES[i % len(PERMIT_TYPES)]
        cells[6] = spellings[i % len(spellings)]
        cells[8] = states[i % len(states)].lower() if i % 2 else states[i % len(states)]
        cells[9] = provinces[i % len(provinces)].lower() if i % 3 == 0 else provinces[i % len(provinces)]
        if not cells[12]:  # a row with an arrival keeps its status
            cells[10] = STATUSES[i % len(STATUSES)].upper() if i % 4 == 0 else STATUSES[i % len(STATUSES)]
        out.append(",".join(cells) + "\n")
    path = tmp_path / "every_value.csv"
    path.write_text(header + "".join(out))
    fast = ingest([path], root=tmp_path / "engine")
    assert (fast.path, fast.rows_read, fast.inserted) == ("engine", 3_000, 3_000)
    reader = warehouse.Reader(tmp_path / "engine")
    try:
        seen = support_query("_test_closed_list_values", reader=reader).iloc[0].tolist()
    finally:
        reader.close()
    assert [sorted(v for v in col if v is not None) for col in seen] == [
        sorted(PERMIT_TYPES), sorted(us_state_codes()), sorted(PROVINCES), sorted(STATUSES)]

    _stores_what_the_precise_path_stores(monkeypatch, path, tmp_path)


_TIME_BASES = ["2023-07-16T09:00:00-0400", "2023-07-16T19:59:59+0530", "2023-12-31T23:00:00-1959",
               "2024-02-29T20:10:10+1000", "2023-07-16T09:00:00Z", "2023-07-16 09:00:00-04:00",
               "2023-07-16T09:00-04", "2023-07-16T09:00:00.123456+05:30"]


def _time_near_misses(pairs: str = "") -> list[str]:
    """The forms an export may write and their near misses: each character replaced by a digit, a letter, a
    sign, a space or other blank, a '.', ':', 'T', 'Z', '|' or a non-ASCII digit, dropped or doubled, a
    character put in; every hour, minute, second, offset hour and offset minute from 00 to 99; fractions of
    0 to 7 digits; z, Z and the offset forms; empty. With `pairs`, also every two positions replaced by
    two of those characters."""
    chars = "09a+-. :TZz|\t\n\r\x0b\x0c\u0660\uff11/"
    values = {"", "2023-07-16T09:00:00", "2023-07-16", "z", "Z", "-0400"}
    for base in _TIME_BASES:
        for i in range(len(base)):
            values.update(base[:i] + ch + base[i + 1:] for ch in chars)
            values.update(base[:i] + ch + base[i:] for ch in chars)
            values.update((base[:i] + base[i + 1:], base[:i] + base[i] + base[i:]))
            for j in range(i + 1, len(base)) if pairs else ():
                values.update(base[:i] + x + base[i + 1:j] + y + base[j + 1:] for x in pairs for y in pairs)
        values.update(base[:i] + f"{n:02d}" + base[i + 2:] for i in (11, 14, 17, 20, 22) for n in range(100))
        head = base[:19]
        values.update(f"{head}.{'1' * n}{tail}" for n in range(8) for tail in ("Z", "z", "-0400", "+05:30", "-04"))
        values.update((head + "z", head + "+2400", head + "-2359", head + "+23:59", head + "-24"))
    return sorted(values)


def _time_forms_compared(values: list[str]) -> tuple[int, int, int, int, bool]:
    """engine_time_checked against engine_time_forms (queries/ingest/_engine_prepare.sql, its macros as written)
    with each value in each of a row's three places, the other two valid: the rows, the rows where they differ,
    the rows the pattern accepts, the values the check is sure of; and whether it is sure of the export's forms."""
    import duckdb

    from dashboard.ingest import engine

    con = duckdb.connect()
    engine.prepare(con, {})  # its macros as written (no programs: only the macros are used)
    return warehouse.run_script(con, "_test_time_forms", {"values": values, "valid": _TIME_BASES[0],
                                                          "exported": _TIME_BASES[:5]}, folder=TEST_SQL).fetchone()


def test_the_time_forms_check_without_the_pattern_gives_the_patterns_answer_on_every_near_miss():
    """The engine path decides most rows' time forms without the pattern (engine_time_sure: GLOBs on the
    positions DuckDB's cast reads leniently, and the cast) and leaves the rest to it: engine_time_checked must
    say what the pattern alone (engine_time_forms) says on every near miss, and be sure (no pattern) of the
    export's own forms."""
    values = _time_near_misses()
    total, differ, accepted, sure, export_forms_sure = _time_forms_compared(values)
    assert total == 3 * len(values) > 30_000
    assert differ == 0
    assert accepted > 2_000 and 0 < sure < accepted  # near misses the pattern accepts, some left to it
    assert export_forms_sure


@pytest.mark.slow
def test_the_time_forms_check_gives_the_patterns_answer_with_any_two_characters_changed():
    """The same with every two positions of each form replaced by two of 17 characters (594,625 values, 10 s)."""
    values = _time_near_misses(pairs="0123459 +-.:TZ|a\t")
    total, differ, accepted, sure, export_forms_sure = _time_forms_compared(values)
    assert total == 3 * len(values) > 1_000_000
    assert differ == 0
    assert 0 < sure < accepted and export_forms_sure
