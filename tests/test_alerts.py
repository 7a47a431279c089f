"""Threshold alerts with real parts: an SMTP server (aiosmtpd) and a webhook receiver (http.server) on
localhost, the real ingest and replay, and the checker processes the ingest starts."""

from __future__ import annotations

import email
import json
import threading
from datetime import timedelta
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from conftest import free_port, row, write_export

from dashboard import alerts, demo, ingest, replay
from dashboard.programs import programs

PROGRAMS = """
[[program]]
id = "alert-intake"
name_en = "Alert intake"
name_fr = "Programme d'alerte"
time_zone = "America/Toronto"
opens_at = "2023-07-16T09:00:00"
closes_at = "2024-07-16T09:00:00"
cap = 10
counts_toward_cap = ["principal"]
synthetic = true
[program.alerts]
cap_shares = [0.5, 0.75, 0.9]
forecast_within_hours = 100000
cap_reached = true
closed_short = true

[[program]]
id = "short-intake"
name_en = "Short intake"
name_fr = "Programme écourté"
time_zone = "America/Toronto"
opens_at = "2023-07-16T09:00:00"
closes_at = "2023-07-17T09:00:00"
cap = 100
counts_toward_cap = ["principal"]
synthetic = true
[program.alerts]
cap_shares = [0.5]
cap_reached = true
closed_short = true
"""


class Inbox:
    """An aiosmtpd handler that keeps every message, or refuses every one."""

    def __init__(self, refuse: bool = False):
        self.messages: list[email.message.Message] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse:
            return "554 5.7.1 Message refused by the test server"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for m in self.messages]


@pytest.fixture
def smtp():
    def start(refuse: bool = False) -> tuple[Inbox, int]:
        inbox, port = Inbox(refuse), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return inbox, port

    started: list[Controller] = []
    yield start
    for c in started:
        c.stop()


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture
def alert_env(tmp_path, monkeypatch) -> dict:
    """Programs with thresholds, an empty warehouse, and the checkers the ingest starts (to wait for)."""
    progs = tmp_path / "programs.toml"
    progs.write_text(PROGRAMS, encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_PROGRAMS", str(progs))
    root = tmp_path / "warehouse"
    monkeypatch.setenv("DASHBOARD_WAREHOUSE", str(root))
    monkeypatch.setenv("DASHBOARD_BASE_URL", "https://dashboard.example.org")
    started = []
    real = alerts.after_ingest

    def hook(r: Path):
        proc = real(r)
        if proc is not None:
            started.append(proc)
        return proc

    monkeypatch.setattr(alerts, "after_ingest", hook)
    return {"root": root, "tmp": tmp_path, "checkers": started}


def configure(env: dict, monkeypatch, port: int, hook_url: str | None = None, language: str = "en") -> None:
    conf = env["tmp"] / "alerts.toml"
    text = (f'language = "{language}"\n[smtp]\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\n'
            'sender = "dashboard@example.org"\nrecipients = ["duty@example.org"]\n'
            '[retry]\nattempts = 3\nbackoff_seconds = 0.05\ntimeout_seconds = 5\n')
    if hook_url:
        text += f'[webhook]\nurl = "{hook_url}"\n'
    conf.write_text(text, encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_ALERTS", str(conf))


def settle(env: dict) -> None:
    """Wait for every checker the ingests started (each ends by itself; none is killed)."""
    for proc in env["checkers"]:
        assert proc.wait(timeout=180) == 0


def sent_keys(root: Path, channel: str) -> list[str]:
    return [r["key"] for r in alerts.records(root) if r["event"] == "sent" and r["channel"] == channel]


def test_a_replayed_intake_sends_each_alert_once_in_order_even_after_a_restart(alert_env, smtp, webhook,
                                                                              monkeypatch):
    inbox, port = smtp()
    hooks, url = webhook
    configure(alert_env, monkeypatch, port, url)
    root = alert_env["root"]
    program = programs()["alert-intake"]
    rows = demo.generate(program, demo.load_params(), 14, seed=5)
    replay.prepare(program, root)

    def run(until=None):
        replay.replay(program, rows, root, speed=24 * 3600, batch_seconds=0.05, tail_speed=None,
                      max_gap=timedelta(hours=6), until=until, say=lambda s: None)
        settle(alert_env)

    # part of the intake, then a restart: the program's rows are removed and replayed from the start
    counting = rows[(rows["applicant_role"] == "principal") & (rows["status_at"] == rows["submitted_at"])]
    run(until=counting["submitted_at"].sort_values().iloc[6])  # 7 of 10: past 50 %, short of 75 %
    assert "share-50" in " ".join(sent_keys(root, "email"))
    assert "removed the" in replay.prepare(program, root)
    run(until=counting["submitted_at"].sort_values().iloc[-1])  # the cap and a little more: no long tail
    assert alerts.check(root) == []  # a check after it all finds nothing new (as the timer's would)

    expected = ["alert-intake/forecast-100000h", "alert-intake/share-50", "alert-intake/share-75",
                "alert-intake/share-90", "alert-intake/cap-reached"]
    assert sorted(sent_keys(root, "email")) == sorted(expected)  # each once, restart or not
    assert len(inbox.messages) == len(expected) and len(hooks) == len(expected)
    crossed = [r for r in alerts.records(root) if r["event"] == "crossed"]
    shares = [r["key"] for r in crossed if "share" in r["key"] or "cap" in r["key"]]
    assert shares == expected[1:]  # recorded in the order they were crossed
    assert [r["crossed_at"] for r in crossed if r["kind"] == "share"] == sorted(
        r["crossed_at"] for r in crossed if r["kind"] == "share")
    subjects = inbox.subjects()
    assert [s.split(": ", 1)[1] for s in subjects if "%" in s] == [
        "50% of the cap reached", "75% of the cap reached", "90% of the cap reached"]
    cap_mail = next(m for m in inbox.messages if "cap reached" in m["Subject"] and "%" not in m["Subject"])
    text = cap_mail.get_payload(decode=True).decode("utf-8")
    assert "The cap of 10 was reached on" in text and "Counted toward the cap: 10 of 10" in text
    assert "https://dashboard.example.org/overview?program=alert-intake&lang=en" in text
    assert "synthetic" in text
    assert {h["threshold"] for h in hooks} == {k.split("/")[1] for k in expected}
    assert all(h["text"] and h["link"].startswith("https://dashboard.example.org/") for h in hooks)


def test_a_refusing_smtp_server_is_retried_and_logged_and_the_ingest_succeeds(alert_env, smtp, monkeypatch):
    _, port = smtp(refuse=True)
    configure(alert_env, monkeypatch, port)
    root = alert_env["root"]
    rows = [row(f"P{i}", f"2023-07-16T{10 + i // 60:02d}:{i % 60:02d}:00", program="short-intake") for i in range(60)]
    summary = ingest.ingest([write_export(alert_env["tmp"] / "a.csv", rows)], root=root)
    assert summary.snapshot and summary.inserted == 60  # the ingest went through
    settle(alert_env)
    recs = alerts.records(root)
    failed = [r for r in recs if r["event"] == "failed"]
    # 50 % of the cap, then the close (the ingest runs now, long after it), each tried three times
    assert [(r["key"], r["attempt"]) for r in failed] == [
        (k, a) for k in ("short-intake/share-50", "short-intake/closed-short") for a in (1, 2, 3)]
    assert all("554" in r["error"] for r in failed)
    assert [r["key"] for r in recs if r["event"] == "gave-up"] == ["short-intake/share-50", "short-intake/closed-short"]
    assert not sent_keys(root, "email")
    assert "failed" in (root / "alerts_checker.log").read_text()
    table = alerts.table(root)
    mine = table[table["program"] == "short-intake"].set_index("threshold")["state"].to_dict()
    assert mine == {"share-50": "pending", "cap-reached": "not crossed", "closed-short": "pending"}


def test_an_intake_that_closes_short_says_so_once_in_both_languages(alert_env, smtp, monkeypatch):
    inbox, port = smtp()
    configure(alert_env, monkeypatch, port, language="both")
    root = alert_env["root"]
    rows = [row(f"P{i}", f"2023-07-16T10:{10 + i}:00", program="short-intake") for i in range(3)]
    ingest.ingest([write_export(alert_env["tmp"] / "a.csv", rows)], root=root,
                  now=pd.Timestamp("2023-07-18T12:00:00Z"))
    settle(alert_env)
    assert alerts.check(root) == []
    assert sent_keys(root, "email") == ["short-intake/closed-short"]
    (mail,) = inbox.messages
    text = mail.get_payload(decode=True).decode("utf-8")
    assert "The intake closed on Mon 17 Jul 2023, 09:00 EDT without reaching the cap of 100." in text
    assert "La réception a pris fin le lun. 17 juill. 2023, 09 h 00 HAE sans atteindre le plafond de 100." in text
    assert mail["Content-Language"] == "en, fr"


def test_no_alerts_file_means_no_alert_and_no_checker(alert_env, monkeypatch, tmp_path):
    monkeypatch.setenv("DASHBOARD_ALERTS", str(tmp_path / "absent.toml"))
    rows = [row("P1", "2023-07-16T10:10:00", program="short-intake")]
    ingest.ingest([write_export(tmp_path / "a.csv", rows)], root=alert_env["root"])
    assert alert_env["checkers"] == []
    assert alerts.check(alert_env["root"]) == [] and alerts.records(alert_env["root"]) == []


def test_secrets_in_the_alerts_file_are_refused(tmp_path, monkeypatch):
    conf = tmp_path / "alerts.toml"
    conf.write_text('[smtp]\nhost = "x"\nsender = "a@b"\npassword = "hunter2"\n', encoding="utf-8")
    with pytest.raises(alerts.AlertConfigError, match="environment"):
        alerts.load_channels(conf)
    monkeypatch.setenv("DASHBOARD_ALERTS", str(conf))
    assert alerts.main(["--check"]) == 2


def test_the_admin_page_lists_alerts_sent_and_pending(alert_env, smtp, monkeypatch):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    inbox, port = smtp()
    configure(alert_env, monkeypatch, port)
    rows = [row(f"P{i}", f"2023-07-16T10:{10 + i}:00", program="short-intake") for i in range(3)]
    ingest.ingest([write_export(alert_env["tmp"] / "a.csv", rows)], root=alert_env["root"],
                  now=pd.Timestamp("2023-07-18T12:00:00Z"), origin="demo")  # the demo: anonymous visitors are admin
    settle(alert_env)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=30)
    at.switch_page("views/admin.py").run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert set(shown["Program"]) == {"alert-intake", "short-intake"}
    shown = shown[shown["Program"] == "short-intake"]
    assert shown["Threshold"].tolist() == ["50% of the cap reached", "cap reached", "intake closed short of the cap"]
    assert shown["State"].tolist() == ["Not crossed yet", "Not crossed yet", "Sent"]
