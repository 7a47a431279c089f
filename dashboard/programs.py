"""Intake programs, read from data/programs.toml. A program is configuration, never code."""

from __future__ import annotations

import csv
import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
ROLES = ("principal", "spouse", "dependant")
PERMIT_TYPES = ("open_work_permit", "work_permit", "study_permit")
STATUSES = ("submitted", "in_review", "approved", "refused", "withdrawn")


class ProgramConfigError(ValueError):
    """programs.toml is not usable; the message names the file, the program and the key."""


@dataclass(frozen=True)
class Event:
    day: date
    label_en: str
    label_fr: str
    source: str

    def label(self, lang: str) -> str:
        return self.label_fr if lang == "fr" else self.label_en


@dataclass(frozen=True)
class Program:
    id: str
    name_en: str
    name_fr: str
    time_zone: str
    opens_at: datetime  # aware, in time_zone
    closes_at: datetime | None
    cap: int
    counts_toward_cap: tuple[str, ...]
    events: tuple[Event, ...] = field(default=())
    synthetic: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def name(self, lang: str) -> str:
        return self.name_fr if lang == "fr" else self.name_en

    def localize(self, naive: datetime) -> datetime:
        """A wall-clock time in the program's zone, made aware."""
        return naive.replace(tzinfo=self.tz) if naive.tzinfo is None else naive.astimezone(self.tz)


def programs_file() -> Path:
    return Path(os.environ.get("DASHBOARD_PROGRAMS", DATA_DIR / "programs.toml"))


def _parse_time(value: object, tz: ZoneInfo, where: str) -> datetime:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ProgramConfigError(f"{where}: expected an ISO 8601 time such as 2023-07-16T09:00:00") from exc
    else:
        raise ProgramConfigError(f"{where}: expected an ISO 8601 time such as 2023-07-16T09:00:00")
    return dt.replace(tzinfo=tz) if dt.tzinfo is None else dt.astimezone(tz)


def _read_events(path: Path) -> tuple[Event, ...]:
    if not path.exists():
        raise ProgramConfigError(f"{path}: events file not found; fix events_file in programs.toml")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return tuple(
            Event(date.fromisoformat(r["date"]), r["label_en"], r["label_fr"], r.get("source", ""))
            for r in csv.DictReader(fh)
        )


def _program(raw: dict, base: Path, where: str) -> Program:
    required = ("id", "name_en", "name_fr", "time_zone", "opens_at", "cap", "counts_toward_cap")
    for key in required:
        if key not in raw:
            raise ProgramConfigError(f"{where}: key '{key}' is missing (see data/README.md)")
    try:
        tz = ZoneInfo(raw["time_zone"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ProgramConfigError(f"{where}: time_zone '{raw['time_zone']}' is not an IANA zone name") from exc
    cap = raw["cap"]
    if not isinstance(cap, int) or cap < 1:
        raise ProgramConfigError(f"{where}: cap must be a whole number of at least 1")
    roles = tuple(raw["counts_toward_cap"])
    if not roles or any(r not in ROLES for r in roles):
        raise ProgramConfigError(f"{where}: counts_toward_cap takes roles from {', '.join(ROLES)}")
    opens = _parse_time(raw["opens_at"], tz, f"{where}: opens_at")
    closes = _parse_time(raw["closes_at"], tz, f"{where}: closes_at") if raw.get("closes_at") else None
    if closes is not None and closes <= opens:
        raise ProgramConfigError(f"{where}: closes_at must come after opens_at")
    events = _read_events(base / raw["events_file"]) if raw.get("events_file") else ()
    return Program(
        id=str(raw["id"]), name_en=raw["name_en"], name_fr=raw["name_fr"], time_zone=raw["time_zone"],
        opens_at=opens, closes_at=closes, cap=cap, counts_toward_cap=roles, events=events,
        synthetic=bool(raw.get("synthetic", False)),
    )


def load_programs(path: Path | None = None) -> dict[str, Program]:
    """Every program in the file, by id, in file order."""
    path = path or programs_file()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProgramConfigError(f"{path}: not found; set DASHBOARD_PROGRAMS or create it") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProgramConfigError(f"{path}: {exc}") from exc
    out: dict[str, Program] = {}
    for i, entry in enumerate(raw.get("program", []), start=1):
        prog = _program(entry, path.parent, f"{path}: program #{i}")
        if prog.id in out:
            raise ProgramConfigError(f"{path}: program id '{prog.id}' appears twice")
        out[prog.id] = prog
    return out


@cache
def _cached(path: str, mtime: float) -> dict[str, Program]:
    return load_programs(Path(path))


def programs() -> dict[str, Program]:
    """The configured programs, re-read when the file changes."""
    path = programs_file()
    return _cached(str(path), path.stat().st_mtime if path.exists() else 0.0)
