"""The bad-input corpus (tests/corpus/manifest.toml): every oddity is rejected with FILE:LINE: column X,
leaving the warehouse byte for byte as it was, or stored exactly as the manifest says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASIC_ROWS, COLUMNS, FIXTURES, ROOT, support_query, write_export

from bench import peak
from dashboard import extract, logs, warehouse
from dashboard.ingest import IngestRejected, ingest

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
ENTRIES = {e["name"]: e for e in MANIFEST["file"]}
TIMES = ("submitted_at", "status_at")


@pytest.fixture(scope="module")
def base_template(tmp_path_factory) -> Path:
    """A warehouse holding BASIC_ROWS, built once; each test ingests into its own copy."""
    folder = tmp_path_factory.mktemp("corpus-base")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DASHBOARD_PROGRAMS", str(FIXTURES / "programs.toml"))
        ingest([write_export(folder / "basic.csv", BASIC_ROWS)], root=folder / "warehouse")
    return folder / "warehouse"


@pytest.fixture
def corpus_warehouse(base_template, warehouse_dir) -> Path:
    shutil.copytree(base_template, warehouse_dir)
    return warehouse_dir


def stored_states(root: Path) -> list[tuple]:
    reader = warehouse.Reader(root)
    try:
        df = support_query("_test_all_states", reader=reader)
    finally:
        reader.close()
    return [tuple(None if pd.isna(v) else v for v in r) for r in df[COLUMNS].itertuples(index=False)]


def expected_states(entry: dict) -> list[tuple]:
    out = []
    for given in entry["stored"]:
        r = {c: None for c in COLUMNS} | MANIFEST["stored_defaults"] | given
        r["status_at"] = given.get("status_at", r["submitted_at"])
        for c in TIMES:
            r[c] = pd.Timestamp(r[c]).tz_convert("UTC")
        out.append(tuple(r[c] for c in COLUMNS))
    return out


def test_the_corpus_has_one_file_per_manifest_entry_and_covers_the_issue():
    on_disk = {p.name for p in CORPUS.iterdir() if p.name != "manifest.toml"}
    assert on_disk == set(ENTRIES)
    assert len(ENTRIES) >= 40
    kinds = {e["expect"] for e in ENTRIES.values()}
    assert kinds == {"rejected", "stored", "unchanged"}


@pytest.mark.parametrize("name", sorted(n for n, e in ENTRIES.items() if e["expect"] == "rejected"))
def test_rejected_file_names_file_line_and_column_and_changes_nothing(name, corpus_warehouse):
    entry, path = ENTRIES[name], CORPUS / name
    before = warehouse.checksum(corpus_warehouse)
    log_before = logs.read(logs.INGEST_LOG, corpus_warehouse)
    with pytest.raises(IngestRejected) as exc:
        ingest([path], root=corpus_warehouse)
    problems = exc.value.problems
    assert [[p.line, p.column or ""] for p in problems] == entry["problems"]
    for p, (line, column) in zip(problems, entry["problems"], strict=True):
        text = str(p)
        assert text.startswith(f"{path}:{line}: " + (f"column {column}: " if column else ""))
        assert len(text) > len(f"{path}:{line}: column {column}: ") + 10  # and says what is wrong
    assert warehouse.checksum(corpus_warehouse) == before
    log = logs.read(logs.INGEST_LOG, corpus_warehouse)
    assert log[:-1] == log_before and (log[-1]["event"], log[-1]["problems"]) == ("rejected", len(problems))
    assert log[-1]["first_problem"] == str(problems[0])
    assert not list((corpus_warehouse / "snapshots").glob(".tmp-*"))


@pytest.mark.parametrize("name", sorted(n for n, e in ENTRIES.items() if e["expect"] == "stored"))
def test_valid_file_is_stored_exactly(name, corpus_warehouse):
    entry, path = ENTRIES[name], CORPUS / name
    before = set(stored_states(corpus_warehouse))
    summary = ingest([path], root=corpus_warehouse)
    assert summary.snapshot is not None and summary.problems == []
    new = [s for s in stored_states(corpus_warehouse) if s not in before]
    assert sorted(new, key=repr) == sorted(expected_states(entry), key=repr)
    assert summary.dropped_columns == ({str(path): entry["dropped"]} if "dropped" in entry else {})
    assert summary.identifier_columns == ({str(path): entry["identifiers"]} if "identifiers" in entry else {})


@pytest.mark.parametrize("name", sorted(n for n, e in ENTRIES.items() if e["expect"] == "unchanged"))
def test_file_with_nothing_new_changes_nothing(name, corpus_warehouse):
    before = warehouse.checksum(corpus_warehouse)
    summary = ingest([CORPUS / name], root=corpus_warehouse)
    assert (summary.snapshot, summary.inserted, summary.updated, summary.problems) == (None, 0, 0, [])
    assert warehouse.checksum(corpus_warehouse) == before


def test_formula_ids_are_stored_raw_and_neutralised_in_extracts(corpus_warehouse):
    ingest([CORPUS / "s05_formula_in_id.csv"], root=corpus_warehouse)
    ids = [s[0] for s in stored_states(corpus_warehouse) if s[0][0] in "=+-@"]
    assert sorted(ids) == sorted(r["application_id"] for r in ENTRIES["s05_formula_in_id.csv"]["stored"])
    text = extract.csv_bytes(pd.DataFrame({"application_id": ids})).decode("utf-8-sig")
    cells = text.split("\r\n")[1:-1]
    assert all(c.lstrip('"').startswith("'") for c in cells), cells


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard.ingest", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})})


def test_cli_prints_twenty_problems_and_a_count_and_exits_1(corpus_warehouse):
    before = warehouse.checksum(corpus_warehouse)
    out = run_cli(str(CORPUS / "r50_many_bad_rows.csv"))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert lines[0].startswith(f"{CORPUS / 'r50_many_bad_rows.csv'}:2: column status: expected one of")
    assert sum(ln.startswith(str(CORPUS)) for ln in lines) == 20
    assert "... and 10 more problem(s) not shown" in lines
    assert warehouse.checksum(corpus_warehouse) == before


def test_cli_rejects_a_corpus_file_among_valid_ones_as_a_whole(corpus_warehouse):
    """Files of one call are published together or not at all."""
    before = warehouse.checksum(corpus_warehouse)
    out = run_cli(str(CORPUS / "s01_bom.csv"), str(CORPUS / "r35_truncated_last_line.csv"))
    assert out.returncode == 1
    assert out.stderr.splitlines()[0] == (
        f"{CORPUS / 'r35_truncated_last_line.csv'}:4: column applicant_role: expected 12 fields as in the "
        "header, found 3; check the delimiter (a comma) and the quoting")
    assert warehouse.checksum(corpus_warehouse) == before


def test_a_200_mb_field_is_rejected_with_bounded_memory(tmp_path, corpus_warehouse):
    """One 200 MB field (generated here, never checked in): refused at its line and column, and the
    ingest process never holds the whole field (it streams the file)."""
    path = tmp_path / "huge_field.csv"
    with path.open("wb") as fh:
        fh.write((",".join(COLUMNS) + "\n").encode())
        fh.write(b"H-1,test-intake,2023-07-16T11:00:00,principal,,open_work_permit,IND,,,,submitted,"
                 b"2023-07-16T11:00:00\n")
        fh.write(b'H-2,test-intake,2023-07-16T11:00:00,principal,,open_work_permit,"')
        block = b"A" * (1 << 20)
        for _ in range(200):
            fh.write(block)
        fh.write(b'",,,,submitted,2023-07-16T11:00:00\n')
    assert path.stat().st_size > 200 * 2**20
    before = warehouse.checksum(corpus_warehouse)
    err = tmp_path / "stderr.txt"
    with err.open("wb") as fh:
        code, peak_mib = peak.run_module("dashboard.ingest", [str(path)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                         stderr=fh, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert code == 1
    assert err.read_text().splitlines()[0] == (
        f"{path}:3: column citizenship: a field is longer than 1,048,576 characters; check the quoting of this record")
    assert warehouse.checksum(corpus_warehouse) == before
    # The ingest process's own peak (its VmHWM, not wait4's ru_maxrss, which carries over this pytest
    # worker's): the interpreter, its libraries and DuckDB (~220 MB for a one-line file), the scan's
    # stretches (~60 MB), never the whole field: reading the whole file at once took 1.5 GB, and a batch
    # grown to hold the whole line (until 4 Dec 2026) 610 MB.
    assert peak_mib < 450, peak_mib
