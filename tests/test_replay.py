"""The live replay feeds the demo generator's rows through the real ingest, batch by batch."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from dashboard import demo, logs, metrics, replay
from dashboard.filters import Filters
from dashboard.programs import programs


def rows_for(program, principals: int = 12) -> pd.DataFrame:
    return demo.generate(program, demo.load_params(), principals, seed=5)


def test_replay_into_an_empty_warehouse_up_to_a_moment(warehouse_dir):
    program = programs()["test-intake"]
    rows = rows_for(program)
    until = program.opens_at + timedelta(hours=3)
    said: list[str] = []
    assert "empty warehouse" in replay.prepare(program, warehouse_dir)
    progress = replay.replay(program, rows, warehouse_dir, speed=12 * 3600, batch_seconds=0.05, tail_speed=None,
                             max_gap=timedelta(hours=6), until=until, say=said.append)
    due = rows[rows["status_at"] <= until]
    assert progress.rows == len(due) and progress.batches >= 2
    principals = sorted(due.loc[due["applicant_role"] == "principal", "application_id"])
    got = metrics.counting_arrivals(Filters("test-intake"))["application_id"].tolist()
    assert sorted(got) == principals
    log = logs.read(logs.INGEST_LOG, warehouse_dir)
    assert sum(1 for r in log if r["event"] == "ingest") == progress.batches
    # each batch is ingested as if at the replay clock: "data as of the last ingest" follows the replay
    last = metrics.data_freshness(Filters("test-intake"))["last_ingest_at"].iloc[0]
    assert program.opens_at < last.to_pydatetime() <= until
    assert any("counted toward the cap" in s for s in said)


def test_a_second_replay_starts_the_program_afresh(warehouse_dir):
    program = programs()["test-intake"]
    rows = rows_for(program)
    until = program.opens_at + timedelta(hours=2)
    replay.prepare(program, warehouse_dir)
    replay.replay(program, rows, warehouse_dir, speed=12 * 3600, batch_seconds=0.05, tail_speed=None,
                  max_gap=timedelta(hours=6), until=until, say=lambda s: None)
    before = metrics.counting_arrivals(Filters("test-intake"))["application_id"].tolist()
    assert before
    assert "removed the" in replay.prepare(program, warehouse_dir)
    assert metrics.counting_arrivals(Filters("test-intake")).empty
    replay.replay(program, rows, warehouse_dir, speed=12 * 3600, batch_seconds=0.05, tail_speed=None,
                  max_gap=timedelta(hours=6), until=until, say=lambda s: None)
    assert metrics.counting_arrivals(Filters("test-intake"))["application_id"].tolist() == before


def test_only_a_synthetic_program_is_replayed(warehouse_dir, capsys):
    assert replay.main(["--program", "second-intake"]) == 2
    assert "only a synthetic program" in capsys.readouterr().err
    assert replay.main(["--program", "nope"]) == 2
    assert replay.main(["--program", "test-intake", "--until", "soon"]) == 2
    assert not warehouse_dir.exists()


def test_the_command_replays_up_to_a_moment_and_says_how_far(warehouse_dir, capsys):
    program = programs()["test-intake"]
    until = (program.opens_at + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    assert replay.main(["--program", "test-intake", "--principals", "12", "--speed", str(12 * 3600),
                        "--batch-seconds", "0.05", "--until", until]) == 0
    out = capsys.readouterr().out
    assert "empty warehouse" in out and "counted toward the cap" in out and "done:" in out
    assert metrics.counting_arrivals(Filters("test-intake"))["application_id"].tolist()
