"""The minister's brief: the PDF is read back with pdftotext and its figures compared with the warehouse."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from dashboard import brief, disclosure, extract, logs, metrics
from dashboard.filters import Filters
from dashboard.i18n import fmt_int
from dashboard.programs import programs

PROGRAM = "test-intake"


@pytest.fixture
def brief_warehouse(shared_reference_warehouse, tmp_path, monkeypatch) -> Path:
    """A copy of the shared warehouse (BASIC_ROWS and the reference statistics): a brief writes its audit record."""
    root = tmp_path / "warehouse"
    shutil.copytree(shared_reference_warehouse, root)
    monkeypatch.setenv("DASHBOARD_WAREHOUSE", str(root))
    return root


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)
    # French groups digits with a narrow no-break space (babel); compare with plain spaces
    return re.sub(r"[\u00a0\u202f\u2009]", " ", out.stdout)


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def test_brief_pdf_holds_the_warehouse_figures(brief_warehouse, tmp_path):
    out = tmp_path / "brief.pdf"
    assert brief.main(["--program", PROGRAM, "--as-of", "2023-07-16T10:15", "--out", str(out)]) == 0
    text = pdf_text(out)
    assert 1 <= pages(out) <= 2
    f = Filters(PROGRAM, as_of=programs()[PROGRAM].localize(datetime(2023, 7, 16, 10, 15)))
    status = metrics.cap_status(f).iloc[0]
    counted = int(status["counted"])
    assert counted == 4  # P1..P4 by 10:15
    assert "Test intake" in text
    assert "synthetic" in text
    assert re.search(rf"Counted against the cap.*\n\s*{counted}\b", text)
    assert "80.0% of the cap of 5" in text
    assert "Status: open" in text
    assert "India" in text  # the leading country against the H-1B population
    assert "2023-07-16T10%3A15" in text.replace("\n", "")  # the link reproduces the view
    # the audit log records the brief like every download
    record = logs.read(logs.AUDIT_LOG, brief_warehouse)[-1]
    assert logs.verify(logs.AUDIT_LOG, brief_warehouse)[1] is None
    assert record["metric"] == "brief" and record["format"] == "pdf"
    assert record["file_sha256"] == extract.sha256(out.read_bytes())


def test_french_brief_is_french(brief_warehouse, tmp_path):
    out = tmp_path / "brief-fr.pdf"
    assert brief.main(["--program", PROGRAM, "--lang", "fr", "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "Programme d'essai" in text
    assert "synthétiques" in text
    assert "Statut : plafond atteint" in text
    assert "dim. 16 juill. 2023, 10 h 40" in text  # the cap moment, French style
    assert "Counted against the cap" not in text and "Comptées dans le plafond" in text
    assert "100,0 % du plafond de 5" in text


def test_publication_mode_suppresses_as_on_screen(shared_reference_warehouse):
    b = brief.gather(Filters(PROGRAM), lang="en", publication=True)
    assert b.counted == disclosure.SUPPRESSED_MARK  # 5 counted: suppressed, as ui.count shows it
    assert b.share is None and b.remaining == disclosure.SUPPRESSED_MARK
    page = brief.page_html(b)
    assert ">5<" not in page and "Publication mode: on" in page


def test_text_from_the_data_is_escaped(shared_reference_warehouse, monkeypatch):
    b = brief.gather(Filters(PROGRAM), lang="en")
    b.synthetic = "<script>alert(1)</script>"
    assert "<script>alert" not in brief.page_html(b)
    assert "&lt;script&gt;" in brief.page_html(b)


@pytest.mark.parametrize("argv", [["--program", "nope", "--out", "x.pdf"],
                                  ["--program", PROGRAM, "--as-of", "yesterday", "--out", "x.pdf"]])
def test_bad_arguments_get_a_sentence(shared_reference_warehouse, argv, capsys):
    assert brief.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and ("unknown program" in err or "not usable" in err)


def test_counts_in_the_page_match_the_figures(shared_reference_warehouse):
    b = brief.gather(Filters(PROGRAM), lang="fr")
    assert b.figures_raw["counted"] == 5 and b.counted == fmt_int(5, "fr")
    assert b.figures_raw["peak"] == int(metrics.arrivals_by_interval(Filters(PROGRAM), minutes=60)["principal"].max())
