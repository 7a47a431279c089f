"""The warehouse folder is writable only by the ingest: start-up, the command lines and the app say so
when its group or everyone may write to it (issue 15: DuckDB trusts its database files)."""

from __future__ import annotations

import os
import runpy
import sys

import pytest
from conftest import FIXTURES, ROOT, row, write_export
from streamlit.testing.v1 import AppTest

from dashboard import permissions, warehouse


def _loosen(root):
    snapshot = warehouse.current_snapshot(root)
    os.chmod(snapshot, 0o664)  # group-writable
    os.chmod(root, 0o777)  # world-writable
    return snapshot


def test_a_warehouse_made_with_the_usual_umask_has_no_problem(basic_warehouse):
    assert permissions.problems(basic_warehouse) == []


def test_a_group_or_world_writable_warehouse_is_named_path_by_path(basic_warehouse):
    snapshot = _loosen(basic_warehouse)
    found = permissions.problems(basic_warehouse)
    assert found == [f"{basic_warehouse} is writable by everyone and its group (mode drwxrwxrwx)",
                     f"{snapshot} is writable by its group (mode -rw-rw-r--)"]


@pytest.mark.filterwarnings("ignore:.*found in sys.modules:RuntimeWarning")  # run as `python -m` runs it
def test_the_ingest_command_line_warns_and_says_what_to_do(basic_warehouse, tmp_path, capsys, monkeypatch):
    _loosen(basic_warehouse)
    export = write_export(tmp_path / "more.csv", [row("P9", "2023-07-18T09:00:00")])
    monkeypatch.setattr(sys, "argv", ["python -m dashboard.ingest", str(export)])
    with pytest.raises(SystemExit) as done:
        runpy.run_module("dashboard.ingest", run_name="__main__", alter_sys=True)
    assert done.value.code == 0
    err = capsys.readouterr().err
    assert "warning: the warehouse can be changed by others than the ingest:" in err
    assert f"run `chmod -R go-w {basic_warehouse}`" in err


def test_the_app_tells_the_local_demo_operator(demo_warehouse, monkeypatch):
    monkeypatch.setenv("DASHBOARD_ACCESS", str(FIXTURES / "access.toml"))
    _loosen(demo_warehouse)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error if e.value.startswith("Others than the ingest can change the warehouse")]
