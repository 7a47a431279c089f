"""Threshold alerts: staff are told when an intake crosses a share of its cap, reaches it, is forecast to
reach it within a few hours, or closes short of it; by e-mail (SMTP) and optionally a webhook (JSON POST).

    python -m dashboard.alerts --check     # check every program now and send what is due (for a timer)
    python -m dashboard.alerts --list      # the alerts sent and pending

Thresholds are per program, in programs.toml:

    [[program]]
    id = "my-program"
    ...
    [program.alerts]
    cap_shares = [0.5, 0.75, 0.9]   # shares of the cap
    cap_reached = true
    forecast_within_hours = 6       # the forecast's median (P50) puts the cap within this many hours
    closed_short = true             # the intake closed without reaching the cap

Where alerts go is in the file DASHBOARD_ALERTS names (default data/alerts.toml; data/alerts.example.toml
documents it): SMTP host, port, TLS, sender, recipients (each with a language, en, fr or both), a webhook.
Secrets never come from a file: the SMTP user name and password are read from the environment variables
DASHBOARD_SMTP_USER and DASHBOARD_SMTP_PASSWORD. Without that file no alert is checked or recorded.

Each alert is sent once per program and threshold, whatever happens after: the record of what was crossed
and sent (alerts_log.jsonl) lives beside the snapshots, append-only, so a restart, a rollback or a replay
that crosses a threshold again sends nothing new. A successful ingest ends by starting a checker in a
process of its own (`after_ingest`): the ingest never waits for it and nothing the checker meets can fail
it. A failed send is retried with a doubling backoff and logged; an alert still unsent is tried again by
the next check.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import logging
import math
import os
import smtplib
import socket
import ssl
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd

from dashboard import filters as fl
from dashboard import logs, metrics, warehouse
from dashboard.filters import Filters
from dashboard.i18n import fmt_datetime, fmt_int, fmt_pct, t, tn
from dashboard.programs import DATA_DIR, ROOT, Program, ProgramConfigError, programs, programs_file

log = logging.getLogger("dashboard.alerts")
ALERTS_LOG = "alerts_log.jsonl"
LANGS = ("en", "fr", "both")
KINDS = ("share", "cap_reached", "forecast", "closed_short")
HELO = socket.gethostname()  # smtplib's default looks the name up in DNS first (a second or more here)


class AlertConfigError(ValueError):
    """The alerts configuration is not usable; the message names the file and the key."""


# ---------------------------------------------------------------- configuration

@dataclass(frozen=True)
class Threshold:
    kind: str  # one of KINDS
    value: float | None = None  # the share (0.5) or the hours (6)

    @property
    def id(self) -> str:
        if self.kind == "share":
            return f"share-{round(self.value * 100):g}"
        if self.kind == "forecast":
            return f"forecast-{self.value:g}h"
        return self.kind.replace("_", "-")


@dataclass(frozen=True)
class Recipient:
    address: str
    lang: str  # en, fr or both


@dataclass(frozen=True)
class Channels:
    language: str = "both"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_tls: str = "starttls"  # none, starttls or ssl
    sender: str = ""
    recipients: tuple[Recipient, ...] = ()
    webhook_url: str | None = None
    webhook_lang: str = "both"
    attempts: int = 4
    backoff_seconds: float = 2.0
    timeout_seconds: float = 10.0
    names: tuple[str, ...] = field(default=())

    @property
    def configured(self) -> tuple[str, ...]:
        return tuple(c for c, ok in (("email", bool(self.smtp_host and self.recipients)),
                                     ("webhook", bool(self.webhook_url))) if ok)


def alerts_file() -> Path:
    return Path(os.environ.get("DASHBOARD_ALERTS", DATA_DIR / "alerts.toml"))


def _lang(value: object, where: str) -> str:
    if value not in LANGS:
        raise AlertConfigError(f"{where}: language must be one of {', '.join(LANGS)}")
    return str(value)


def load_channels(path: Path | None = None) -> Channels | None:
    """Where alerts go (None: no alerts file, so alerts are off)."""
    path = path or alerts_file()
    if not path.exists():
        return None
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AlertConfigError(f"{path}: {exc}") from exc
    language = _lang(raw.get("language", "both"), f"{path}: language")
    smtp, hook, retry = raw.get("smtp", {}), raw.get("webhook", {}), raw.get("retry", {})
    if any(k in smtp for k in ("password", "user", "username")):
        raise AlertConfigError(f"{path}: [smtp] holds a user name or password; put them in the environment "
                               "(DASHBOARD_SMTP_USER, DASHBOARD_SMTP_PASSWORD), never in a file")
    recipients = []
    for i, r in enumerate(smtp.get("recipients", []), start=1):
        if isinstance(r, str):
            recipients.append(Recipient(r, language))
        elif isinstance(r, dict) and isinstance(r.get("address"), str):
            recipients.append(Recipient(r["address"], _lang(r.get("language", language),
                                                            f"{path}: [smtp] recipient #{i}")))
        else:
            raise AlertConfigError(f"{path}: [smtp] recipient #{i}: write an address, or "
                                   "{{ address = \"...\", language = \"fr\" }}")
    tls = smtp.get("tls", "starttls")
    if tls not in ("none", "starttls", "ssl"):
        raise AlertConfigError(f"{path}: [smtp] tls must be none, starttls or ssl")
    if smtp.get("host") and not smtp.get("sender"):
        raise AlertConfigError(f"{path}: [smtp] sender is missing (the From address)")
    try:
        return Channels(
            language=language, smtp_host=smtp.get("host"), smtp_port=int(smtp.get("port", 465 if tls == "ssl" else 25)),
            smtp_tls=tls, sender=str(smtp.get("sender", "")), recipients=tuple(recipients),
            webhook_url=hook.get("url"), webhook_lang=_lang(hook.get("language", language), f"{path}: [webhook]"),
            attempts=max(1, int(retry.get("attempts", 4))), backoff_seconds=float(retry.get("backoff_seconds", 2.0)),
            timeout_seconds=float(retry.get("timeout_seconds", 10.0)),
        )
    except (TypeError, ValueError) as exc:
        raise AlertConfigError(f"{path}: a port, attempt count or number of seconds is not a number ({exc})") from exc


def thresholds(path: Path | None = None) -> dict[str, tuple[Threshold, ...]]:
    """Each program's thresholds from programs.toml ([program.alerts]), in the order they normally fall."""
    path = path or programs_file()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, tuple[Threshold, ...]] = {}
    for i, entry in enumerate(raw.get("program", []), start=1):
        conf = entry.get("alerts")
        if not conf:
            continue
        where = f"{path}: program #{i} [program.alerts]"
        found: list[Threshold] = []
        for share in conf.get("cap_shares", []):
            if not isinstance(share, int | float) or not 0 < share < 1:
                raise AlertConfigError(f"{where}: cap_shares are fractions between 0 and 1, such as 0.5")
            found.append(Threshold("share", float(share)))
        hours = conf.get("forecast_within_hours")
        if hours is not None:
            if not isinstance(hours, int | float) or hours <= 0:
                raise AlertConfigError(f"{where}: forecast_within_hours is a number of hours above 0")
            found.append(Threshold("forecast", float(hours)))
        if conf.get("cap_reached"):
            found.append(Threshold("cap_reached"))
        if conf.get("closed_short"):
            found.append(Threshold("closed_short"))
        out[str(entry.get("id"))] = tuple(sorted(found, key=lambda th: (KINDS.index(th.kind), th.value or 0)))
    return out


# ---------------------------------------------------------------- what is crossed

def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat()


def _moment(program: Program) -> datetime | None:
    """The moment the data stand at: the newer of the last ingest and the newest submission, never later
    than now (the Overview's "as of"); None when the warehouse holds none of the program's applications."""
    row = metrics.data_freshness(Filters(program.id)).iloc[0]
    if not row["applications"]:
        return None
    now = warehouse.now_utc()
    known = [v.to_pydatetime() for v in (row["last_ingest_at"], row["latest_submission"]) if not pd.isna(v)]
    return min(max(known), now) if known else now


def crossings(program: Program, wanted: Sequence[Threshold]) -> list[dict]:
    """The thresholds of `wanted` that the data have crossed, each with when and the figures, oldest first."""
    moment = _moment(program)
    if moment is None:  # a program not loaded here (yet) has crossed nothing, not even "closed short"
        return []
    wide = Filters(program.id)
    status = metrics.cap_status(wide).iloc[0]
    counted, cap = int(status["counted"]), program.cap
    reached = None if pd.isna(status["cap_reached_at"]) else status["cap_reached_at"].to_pydatetime()
    times = metrics.counting_times(wide)["submitted_at"]
    counting = times[times >= program.opens_at].reset_index(drop=True)
    base = {"counted": min(counted, cap), "cap": cap, "moment": _iso(moment), "cap_reached_at": _iso(reached)}
    out = []
    projection = None
    for th in wanted:
        when, extra = None, {}
        if th.kind == "share":
            k = math.ceil(th.value * cap)
            if len(counting) >= k:
                when = counting.iloc[k - 1].to_pydatetime()
        elif th.kind == "cap_reached":
            when = reached
        elif th.kind == "closed_short":
            if reached is None and program.closes_at is not None and moment >= program.closes_at:
                when = program.closes_at
        elif th.kind == "forecast" and reached is None and program.opens_at <= moment and (
                program.closes_at is None or moment < program.closes_at):
            from dashboard import forecast  # numpy/scipy: loaded only when a forecast threshold is checked

            projection = projection or forecast.project_cap(times, cap, moment, opens_at=program.opens_at,
                                                            closes_at=program.closes_at)
            if projection.p50 is not None and projection.p50 - moment <= timedelta(hours=th.value):
                when = moment
                extra = {"p10": _iso(projection.p10), "p50": _iso(projection.p50), "p90": _iso(projection.p90)}
        if when is not None:
            out.append({"threshold": th.id, "kind": th.kind, "value": th.value, "crossed_at": _iso(when),
                        "figures": {**base, **extra}})
    return sorted(out, key=lambda c: c["crossed_at"])


# ---------------------------------------------------------------- the record beside the snapshots

def records(root: Path | None = None) -> list[dict]:
    return logs.read(ALERTS_LOG, root)


def state(root: Path | None = None) -> dict[str, dict]:
    """key -> the crossing, with `sent` (channel -> when) and `failures` (the last error per channel)."""
    out: dict[str, dict] = {}
    for r in records(root):
        key = r.get("key")
        if r.get("event") == "crossed" and key not in out:
            out[key] = {**r, "sent": {}, "failures": {}, "attempts": {}}
        elif key in out and r.get("event") == "sent":
            out[key]["sent"][r["channel"]] = r["at"]
        elif key in out and r.get("event") in ("failed", "gave-up"):
            out[key]["failures"][r["channel"]] = r.get("error", "")
            out[key]["attempts"][r["channel"]] = out[key]["attempts"].get(r["channel"], 0) + (
                r.get("event") == "failed")
    return out


def pending(root: Path | None = None, channels: Channels | None = None) -> list[dict]:
    """Crossings not yet delivered to every configured channel, oldest first."""
    wanted = channels.configured if channels else ("email",)
    return [s for s in state(root).values() if any(c not in s["sent"] for c in wanted)]


@contextlib.contextmanager
def _lock(root: Path, name: str) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / name, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _queue_place(root: Path) -> int | None:
    """The one place in the queue behind the running checker (its file descriptor), or None when taken."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / "alerts.queue.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


# ---------------------------------------------------------------- messages

def describe(kind: str, value: float | None, lang: str) -> str:
    """A threshold in words: "50 % of the cap reached"."""
    if kind == "share":
        return t("{share} of the cap reached", lang).format(share=fmt_pct(value, 0, lang))
    if kind == "cap_reached":
        return t("cap reached", lang)
    if kind == "forecast":
        return tn("cap forecast within {hours} hour", "cap forecast within {hours} hours", round(value),
                  lang).format(hours=fmt_int(value, lang))
    return t("intake closed short of the cap", lang)


def _subject(c: dict, program: Program, lang: str) -> str:
    return f"{program.name(lang)}: {describe(c['kind'], c['value'], lang)}"


def _body(c: dict, program: Program, lang: str, link: str) -> str:
    from dashboard import forecast_text

    tz, fig = program.time_zone, c["figures"]
    when = fmt_datetime(datetime.fromisoformat(c["crossed_at"]), tz, lang)
    moment = fmt_datetime(datetime.fromisoformat(fig["moment"]), tz, lang)
    cap = fmt_int(fig["cap"], lang)
    if c["kind"] == "share":
        first = t("{share} of the cap of {cap} was reached on {when}.", lang).format(
            share=fmt_pct(c["value"], 0, lang), cap=cap, when=when)
    elif c["kind"] == "cap_reached":
        first = t("The cap of {cap} was reached on {when}.", lang).format(cap=cap, when=when)
    elif c["kind"] == "forecast":
        first = tn("As of {when}, the forecast puts the cap of {cap} within {hours} hour: most likely around {p50} "
                   "(80 % range: {p10} to {p90}).",
                   "As of {when}, the forecast puts the cap of {cap} within {hours} hours: most likely around {p50} "
                   "(80 % range: {p10} to {p90}).", round(c["value"]), lang).format(
            when=when, cap=cap, hours=fmt_int(c["value"], lang),
            **{k: forecast_text.short_moment(datetime.fromisoformat(fig[k]) if fig.get(k) else None, tz, lang)
               for k in ("p10", "p50", "p90")})
    else:
        first = t("The intake closed on {when} without reaching the cap of {cap}.", lang).format(when=when, cap=cap)
    lines = [program.name(lang), "", first,
             t("Counted toward the cap: {counted} of {cap} ({share}), as of {moment}.", lang).format(
                 counted=fmt_int(fig["counted"], lang), cap=cap, share=fmt_pct(fig["counted"] / fig["cap"], 1, lang),
                 moment=moment)]
    if program.synthetic:
        lines.append(t("These figures come from synthetic demo data, not real applications.", lang))
    lines += ["", t("See the dashboard: {link}", lang).format(link=link)]
    return "\n".join(lines)


def _link(program: Program, lang: str) -> str:
    from dashboard.extract import base_url

    query = fl.to_query(Filters(program.id), programs(), default_program=None)
    query["lang"] = [lang]
    return f"{base_url()}/overview?{urlencode(query, doseq=True)}"


def message(c: dict, program: Program, lang: str) -> tuple[str, str]:
    """(subject, text) in `lang`, or in English then French for "both"."""
    langs = ("en", "fr") if lang == "both" else (lang,)
    subject = " / ".join(_subject(c, program, x) for x in langs)
    text = "\n\n-----\n\n".join(_body(c, program, x, _link(program, x)) for x in langs)
    return subject, text


# ---------------------------------------------------------------- sending

def _send_email(ch: Channels, subject: str, text: str, to: Sequence[str], lang: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = ch.sender, ", ".join(to), subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=ch.sender.partition("@")[2] or None)
    msg.set_content(text)
    msg["Content-Language"] = "en, fr" if lang == "both" else lang
    user, password = os.environ.get("DASHBOARD_SMTP_USER"), os.environ.get("DASHBOARD_SMTP_PASSWORD")
    if ch.smtp_tls == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(ch.smtp_host, ch.smtp_port, timeout=ch.timeout_seconds,
                                                local_hostname=HELO, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(ch.smtp_host, ch.smtp_port, timeout=ch.timeout_seconds, local_hostname=HELO)
    with server:
        if ch.smtp_tls == "starttls":
            server.starttls(context=ssl.create_default_context())
        if user and password:
            server.login(user, password)
        refused = server.send_message(msg)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)


def _post_webhook(ch: Channels, c: dict, program: Program) -> None:
    subject, text = message(c, program, ch.webhook_lang)
    body = {"text": f"{subject}\n\n{text}", "program": program.id, "threshold": c["threshold"], "kind": c["kind"],
            "value": c["value"], "crossed_at": c["crossed_at"], "figures": c["figures"],
            "link": _link(program, "fr" if ch.webhook_lang == "fr" else "en")}
    req = urllib.request.Request(ch.webhook_url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                 headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")
    with urllib.request.urlopen(req, timeout=ch.timeout_seconds) as resp:  # noqa: S310 - configured URL
        if not 200 <= resp.status < 300:
            raise OSError(f"webhook answered {resp.status}")


def _deliver_one(ch: Channels, c: dict, program: Program, channel: str) -> None:
    if channel == "webhook":
        _post_webhook(ch, c, program)
        return
    by_lang: dict[str, list[str]] = {}
    for r in ch.recipients:
        by_lang.setdefault(r.lang, []).append(r.address)
    for lang, to in by_lang.items():
        subject, text = message(c, program, lang)
        _send_email(ch, subject, text, to, lang)


def deliver(root: Path, ch: Channels, say=None) -> list[str]:
    """Send every pending alert on every configured channel, retrying with backoff; returns the keys sent."""
    progs = programs()
    done = []
    for c in pending(root, ch):
        program = progs.get(c["program"])
        if program is None:
            continue
        for channel in ch.configured:
            if channel in c["sent"]:
                continue
            for attempt in range(1, ch.attempts + 1):
                try:
                    _deliver_one(ch, c, program, channel)
                except (OSError, smtplib.SMTPException, ValueError) as exc:
                    error = f"{type(exc).__name__}: {exc}"[:500]
                    logs.append(ALERTS_LOG, {"event": "failed", "key": c["key"], "channel": channel,
                                             "attempt": attempt, "error": error,
                                             "at": datetime.now(UTC).isoformat(timespec="seconds")}, root)
                    log.warning("alert %s by %s failed (attempt %d of %d): %s", c["key"], channel, attempt,
                                ch.attempts, error)
                    if attempt == ch.attempts:
                        logs.append(ALERTS_LOG, {"event": "gave-up", "key": c["key"], "channel": channel,
                                                 "attempts": attempt, "error": error,
                                                 "at": datetime.now(UTC).isoformat(timespec="seconds")}, root)
                        if say:
                            say(f"{c['key']}: {channel} failed {attempt} times ({error}); the next check tries again")
                    else:
                        time.sleep(ch.backoff_seconds * 2 ** (attempt - 1))
                    continue
                logs.append(ALERTS_LOG, {"event": "sent", "key": c["key"], "channel": channel, "attempt": attempt,
                                         "at": datetime.now(UTC).isoformat(timespec="seconds")}, root)
                done.append(c["key"])
                if say:
                    say(f"{c['key']}: sent by {channel}")
                break
    return done


def check(root: Path | None = None, say=None, *, coalesce: bool = False) -> list[str]:
    """Record what has been crossed since the last check, then send what is pending. Returns the new keys.

    One checker at a time (a lock beside the snapshots), so two never record or send the same alert. With
    `coalesce` (the ingest hook's checkers), a checker returns at once when another is already waiting its
    turn: that one reads the newest snapshot when its turn comes, so it sees this ingest too.
    """
    root = root or warehouse.warehouse_dir()
    channels = load_channels()
    if channels is None or not channels.configured:
        if say:
            say(f"alerts are off: no channel configured in {alerts_file()} (see data/alerts.example.toml)")
        return []
    wanted = thresholds()
    progs = programs()
    new = []
    queue = _queue_place(root) if coalesce else None
    if coalesce and queue is None:
        return []
    with _lock(root, "alerts.lock"):
        if queue is not None:
            os.close(queue)  # running now: the next ingest's checker may wait in its turn
        known = {r.get("key") for r in records(root) if r.get("event") == "crossed"}
        for pid, ths in wanted.items():
            if pid not in progs:
                continue
            for c in crossings(progs[pid], [th for th in ths if f"{pid}/{th.id}" not in known]):
                key = f"{pid}/{c['threshold']}"
                logs.append(ALERTS_LOG, {"event": "crossed", "key": key, "program": pid, **c,
                                         "snapshot": warehouse.reader(root).snapshot_name,
                                         "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}, root)
                new.append(key)
                if say:
                    say(f"{key}: crossed at {c['crossed_at']}")
        deliver(root, channels, say)
    return new


def after_ingest(root: Path) -> subprocess.Popen | None:
    """The hook at the end of a successful ingest: start a checker in a process of its own and return.

    Never raises, never waits: an alert problem is logged, the ingest goes on. Checkers coalesce: one
    waiting behind a running one is enough, since it reads the newest snapshot when its turn comes.
    """
    try:
        channels = load_channels()
        if channels is None or not channels.configured or not any(thresholds().values()):
            return None
        place = _queue_place(root)
        if place is None:  # a checker is waiting its turn already: it will read this snapshot
            return None
        os.close(place)
        env = {**os.environ, "DASHBOARD_WAREHOUSE": str(root),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        with (root / "alerts_checker.log").open("ab") as out:
            return subprocess.Popen([sys.executable, "-m", "dashboard.alerts", "--check", "--coalesce"], cwd=ROOT,
                                    env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
    except Exception:  # noqa: BLE001 - an alert problem must never fail an ingest
        log.exception("could not start the alerts checker; run python -m dashboard.alerts --check")
        return None


def table(root: Path | None = None) -> pd.DataFrame:
    """One row per configured threshold of each program, then any recorded one no longer configured:
    program, threshold (its id), kind, value, state ("sent", "pending" or "not crossed"), crossed_at,
    sent (channel and time), error (the last failure of an unsent one)."""
    channels = load_channels()
    wanted = channels.configured if channels and channels.configured else ("email",)
    seen = state(root)
    rows = []
    for pid, ths in thresholds().items():
        for th in ths:
            s = seen.pop(f"{pid}/{th.id}", None)
            rows.append(_row(pid, th.id, th.kind, th.value, s, wanted))
    rows += [_row(s["program"], s["threshold"], s["kind"], s["value"], s, wanted) for s in seen.values()]
    return pd.DataFrame(rows, columns=["program", "threshold", "kind", "value", "state", "crossed_at", "sent", "error"])


def _row(pid: str, tid: str, kind: str, value: float | None, s: dict | None, wanted: Sequence[str]) -> dict:
    if s is None:
        return {"program": pid, "threshold": tid, "kind": kind, "value": value, "state": "not crossed",
                "crossed_at": None, "sent": "", "error": ""}
    done = all(c in s["sent"] for c in wanted)
    return {"program": pid, "threshold": tid, "kind": kind, "value": value, "state": "sent" if done else "pending",
            "crossed_at": pd.Timestamp(s["crossed_at"]), "sent": ", ".join(f"{c} {w}" for c, w in s["sent"].items()),
            "error": "" if done else "; ".join(s["failures"].values())}


# ---------------------------------------------------------------- command line

def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dashboard.alerts", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="check every program and send what is due")
    ap.add_argument("--list", action="store_true", help="list the alerts sent and pending")
    ap.add_argument("--coalesce", action="store_true", help=argparse.SUPPRESS)
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    root = warehouse.warehouse_dir()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        if args.check:
            check(root, say=lambda s: print(f"{stamp} {s}", flush=True), coalesce=args.coalesce)
        if args.list or not args.check:
            channels = load_channels()
            for s in state(root).values():
                wanted = channels.configured if channels else ("email",)
                done = all(c in s["sent"] for c in wanted)
                print(f"{s['key']}: crossed {s['crossed_at']}; " + (
                    "sent " + ", ".join(f"{c} {w}" for c, w in s["sent"].items()) if done else
                    "pending" + (f" (last error: {'; '.join(s['failures'].values())})" if s["failures"] else "")))
    except (AlertConfigError, ProgramConfigError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except warehouse.NoWarehouse as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
