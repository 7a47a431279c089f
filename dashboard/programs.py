"""Intake programs, read from data/programs.toml. A program is configuration, never code."""

from __future__ import annotations

import csv
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
ROLES = ("principal", "spouse", "dependant")
PERMIT_TYPES = ("open_work_permit", "work_permit", "study_permit")
STATUSES = ("submitted", "in_review", "approved", "refused", "withdrawn")


class ProgramConfigError(ValueError):
    """programs.toml is not usable; the message names the file, the program and the key."""


@dataclass(frozen=True)
class Event:
    """A dated event of the program (its events file). `time` is the wall-clock time in the program's zone
    when a source gives it, else None: the event is known by its date only, and is never drawn at an
    invented hour (charts.add_events)."""

    day: date
    label_en: str
    label_fr: str
    source: str
    time: time | None = None

    def label(self, lang: str) -> str:
        return self.label_fr if lang == "fr" else self.label_en


DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Accepts:
    """When a portal takes applications: on `days` (Monday 0), in the wall-clock `hours` spans
    [start, end) of `zone` (hours of the day, end up to 24), never on `holidays` (dates in `zone`).

    Called with aware times, it says which of them fall in open hours: the forecast reads it as its
    calendar of closed hours (dashboard/forecast.py, `project_cap(..., accepts=)`)."""

    zone: str
    days: frozenset[int] = frozenset(range(7))
    hours: tuple[tuple[float, float], ...] = ((0.0, 24.0),)
    holidays: frozenset[date] = frozenset()

    def __call__(self, times) -> np.ndarray:
        idx = pd.DatetimeIndex(times)
        if len(idx) == 0:
            return np.zeros(0, dtype=bool)
        local = idx.tz_convert(self.zone)
        hod = (local.hour + local.minute / 60.0 + local.second / 3600.0).to_numpy(dtype=float)
        ok = np.isin(local.day_of_week.to_numpy(), sorted(self.days))
        within = np.zeros(len(idx), dtype=bool)
        for start, end in self.hours:
            within |= (hod >= start) & (hod < end)
        ok &= within
        if self.holidays:
            ok &= ~np.isin(local.normalize().tz_localize(None).to_numpy(),
                           np.array(sorted(self.holidays), dtype="datetime64[ns]"))
        return ok

    @property
    def always(self) -> bool:
        return len(self.days) == 7 and self.hours == ((0.0, 24.0),) and not self.holidays


def _clock_hour(text: object, where: str) -> float:
    if not isinstance(text, str) or not re.fullmatch(r"\d{1,2}:\d{2}", text.strip()):
        raise ProgramConfigError(f"{where}: expected a time of day such as 08:30")
    hh, mm = (int(x) for x in text.strip().split(":"))
    if hh > 24 or mm > 59 or (hh == 24 and mm):
        raise ProgramConfigError(f"{where}: '{text}' is not a time of day (00:00 to 24:00)")
    return hh + mm / 60.0


def _accepts(raw: object, tz_name: str, where: str) -> Accepts:
    """The `[program.accepts]` table: days = ["mon", ...], hours = ["08:30-16:30", ...],
    holidays = [2025-04-18, ...] (TOML dates or "YYYY-MM-DD")."""
    if not isinstance(raw, dict):
        raise ProgramConfigError(f"{where}: expected a table with days, hours and holidays (see data/README.md)")
    unknown = set(raw) - {"days", "hours", "holidays"}
    if unknown:
        raise ProgramConfigError(f"{where}: unknown key '{sorted(unknown)[0]}'; accepts takes days, hours, holidays")
    days = raw.get("days", list(DAY_NAMES))
    if not isinstance(days, list) or not days or any(str(d).lower() not in DAY_NAMES for d in days):
        raise ProgramConfigError(f"{where}.days: expected a list of days from {', '.join(DAY_NAMES)}")
    spans = raw.get("hours", ["00:00-24:00"])
    if not isinstance(spans, list) or not spans:
        raise ProgramConfigError(f"{where}.hours: expected a list of spans such as \"08:30-16:30\"")
    hours = []
    for j, span in enumerate(spans, start=1):
        at = f"{where}.hours[{j}]"
        if not isinstance(span, str) or span.count("-") != 1:
            raise ProgramConfigError(f"{at}: expected a span such as \"08:30-16:30\"")
        start, end = (_clock_hour(x, at) for x in span.split("-"))
        if end <= start:
            raise ProgramConfigError(f"{at}: '{span}' ends before it starts (a span past midnight is two spans)")
        hours.append((start, end))
    holidays = []
    for j, day in enumerate(raw.get("holidays", []), start=1):
        if isinstance(day, date) and not isinstance(day, datetime):
            holidays.append(day)
            continue
        try:
            holidays.append(date.fromisoformat(str(day)))
        except ValueError as exc:
            raise ProgramConfigError(f"{where}.holidays[{j}]: '{day}' is not a date such as 2025-04-18") from exc
    return Accepts(tz_name, frozenset(DAY_NAMES.index(str(d).lower()) for d in days), tuple(sorted(hours)),
                   frozenset(holidays))


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
    accepts: Accepts | None = None  # None: open around the clock
    pool_fact: str | None = None  # the reference fact (h1b_pool_facts) giving its eligible pool, if any
    short_en: str | None = None  # a shorter name where space is tight (the sidebar's program picker)
    short_fr: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def name(self, lang: str) -> str:
        return self.name_fr if lang == "fr" else self.name_en

    def short_name(self, lang: str) -> str:
        """The short name in `lang` if the program gives one, else its name."""
        return (self.short_fr if lang == "fr" else self.short_en) or self.name(lang)

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
    events = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line, r in enumerate(csv.DictReader(fh), start=2):
            try:
                day = date.fromisoformat(r["date"] or "")
            except ValueError:
                raise ProgramConfigError(f"{path}: line {line}, column date: {r['date']!r} is not a date such as "
                                         "2023-07-16") from None
            raw = (r.get("time") or "").strip()  # optional: the wall-clock time in the program's zone
            try:
                at = time.fromisoformat(raw) if raw else None
            except ValueError:
                raise ProgramConfigError(f"{path}: line {line}, column time: {raw!r} is not a time such as 09:00; "
                                         "leave it empty when only the date is known") from None
            events.append(Event(day, r["label_en"], r["label_fr"], r.get("source", "") or "", at))
    return tuple(events)


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
    accepts = _accepts(raw["accepts"], raw["time_zone"], f"{where}: accepts") if "accepts" in raw else None
    return Program(
        id=str(raw["id"]), name_en=raw["name_en"], name_fr=raw["name_fr"], time_zone=raw["time_zone"],
        opens_at=opens, closes_at=closes, cap=cap, counts_toward_cap=roles, events=events,
        synthetic=bool(raw.get("synthetic", False)), accepts=None if accepts is None or accepts.always else accepts,
        pool_fact=_pool_fact(raw.get("pool_fact"), where),
        short_en=_short(raw, "short_en", where), short_fr=_short(raw, "short_fr", where),
    )


def _short(raw: dict, key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ProgramConfigError(f"{where}: {key} must be a name in quotes, such as \"H-1B open work permit (2023)\"; "
                                 "leave it out to show the full name")
    return value.strip()


def _pool_fact(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9_]+", value):
        raise ProgramConfigError(f"{where}: pool_fact must name a fact of the reference data, such as "
                                 "h1b_authorized_to_work_population")
    return value


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
        named = f" ({entry['id']})" if isinstance(entry, dict) and isinstance(entry.get("id"), str) else ""
        prog = _program(entry, path.parent, f"{path}: program #{i}{named}")
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
