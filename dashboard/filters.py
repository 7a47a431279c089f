"""The filter model shared by every page, and its round trip through the URL query string. No streamlit.

URL keys (all optional; times are wall-clock in the program's zone unless they carry an offset):

    program=ID  from=2023-07-16T09:00  to=2023-07-18T00:00  as_of=2023-07-16T18:00
    country=IND&country=CHN  role=principal  permit=open_work_permit  status=approved  lang=fr

Page-specific keys live beside them (the Velocity page's `grain=1min|15min|hour|day`, the same names
as the command line's `--grain`); the shared filters never remove them. A wall-clock time that a daylight-saving change repeats carries its offset
(`as_of=2023-11-05T01:30-05:00`), so a link names one moment only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from dashboard.country_codes import all_iso3
from dashboard.programs import PERMIT_TYPES, ROLES, STATUSES, Program

FAR_PAST = datetime(1900, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
LANGS = ("en", "fr")
LIST_KEYS = {"country": "countries", "role": "roles", "permit": "permits", "status": "statuses"}
ALLOWED: dict[str, tuple[str, ...]] = {"roles": ROLES, "permits": PERMIT_TYPES, "statuses": STATUSES}
TIME_KEYS = (("from", "start"), ("to", "end"), ("as_of", "as_of"))
# One grain vocabulary for the page, its URL (`?grain=`) and the command line (`--grain`): the interval
# length in minutes, None for calendar days in the program's zone (23, 24 or 25 hours long).
GRAINS: dict[str, int | None] = {"1min": 1, "15min": 15, "hour": 60, "day": None}
GRAIN_ALIASES = {"minute": "1min", "1m": "1min", "15m": "15min", "60min": "hour", "1h": "hour", "1d": "day"}
DEFAULT_GRAIN = "hour"


def grain_name(text: str) -> str | None:
    """The grain a text names (an old alias such as the command line's `minute` included), or None."""
    key = text.strip().lower()
    key = GRAIN_ALIASES.get(key, key)
    return key if key in GRAINS else None


def grain_series(grain: str) -> tuple[str, dict[str, int]]:
    """The metric and parameters giving the arrivals at a grain: calendar days come from arrivals_by_day,
    fixed intervals from arrivals_by_interval."""
    minutes = GRAINS[grain]
    return ("arrivals_by_day", {}) if minutes is None else ("arrivals_by_interval", {"minutes": minutes})


@dataclass(frozen=True)
class Notice:
    """A URL value that was not usable and fell back to its default (shown to the user, translated)."""

    key: str
    value: str
    reason: str = "invalid"  # "invalid": not a usable value; "range": outside the program's dates


def _utc(dt: datetime | None) -> datetime | None:
    return dt.astimezone(UTC) if dt is not None else None


# eq=False: aware datetimes in the program's zone compare equal across the hour a daylight-saving change
# repeats (Python ignores `fold` within one zone), so equality and hashing go through UTC (key()).
@dataclass(frozen=True, eq=False)
class Filters:
    program_id: str
    start: datetime | None = None  # aware; None = from the beginning
    end: datetime | None = None  # aware, exclusive; None = to the end
    as_of: datetime | None = None  # aware; None = the latest data
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-3; empty = all
    roles: tuple[str, ...] = ()
    permits: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = field(default=(), compare=False)

    def params(self) -> dict:
        """Bound parameters for the queries' filtered_states macro (None in a list slot = all)."""
        return {
            "program": self.program_id,
            "as_of": self.as_of or FAR_FUTURE,
            "start_at": self.start or FAR_PAST,
            "end_at": self.end or FAR_FUTURE,
            "countries": list(self.countries) or None,
            "roles": list(self.roles) or None,
            "permits": list(self.permits) or None,
            "statuses": list(self.statuses) or None,
        }

    @property
    def is_default(self) -> bool:
        return self == Filters(self.program_id)

    @property
    def narrows(self) -> bool:
        """True when a filter other than as-of narrows the breakdowns."""
        return replace(self, as_of=None) != Filters(self.program_id)

    def key(self) -> tuple:
        """A hashable cache key (times in UTC: one moment, one key)."""
        return (self.program_id, _utc(self.start), _utc(self.end), _utc(self.as_of), self.countries, self.roles,
                self.permits, self.statuses)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filters) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())


def time_window(program: Program) -> tuple[datetime, datetime]:
    """The times a filter may name: from a year before the opening to two years after the closing
    (or the opening). Outside it a link is a typo or a wrong program, never a view worth showing.
    """
    last = program.closes_at or program.opens_at
    return program.opens_at - timedelta(days=366), last + timedelta(days=2 * 366)


DENSE_HOURS = 72  # the "as of" slider moves by the hour (or the quarter hour) over an intake's first days


def as_of_steps(first: datetime, last: datetime) -> list[datetime]:
    """The moments the "as of" slider offers between `first` (the opening) and `last` (the end of the data),
    both ends included: every 15 minutes when the whole span is under 12 hours, else every hour over the
    first DENSE_HOURS, where a capped intake's rush is, then every day at the opening's time of day. Times
    are as given (wall-clock ones in the sidebar); the precise entry beside the slider names any minute."""
    if last <= first:
        return [first]
    step = timedelta(minutes=15) if last - first <= timedelta(hours=12) else timedelta(hours=1)
    dense_end = min(last, first + timedelta(hours=DENSE_HOURS))
    steps, moment = [], first
    while moment < dense_end:
        steps.append(moment)
        moment += step
    moment = first + timedelta(hours=DENSE_HOURS)
    while moment < last:
        steps.append(moment)
        moment += timedelta(days=1)
    return [*steps, last]


def snap(steps: Sequence[datetime], moment: datetime) -> datetime:
    """The last of `steps` at or before `moment` (the first step when all come after)."""
    before = [s for s in steps if s <= moment]
    return before[-1] if before else steps[0]


def is_ambiguous(dt: datetime, program: Program) -> bool:
    """True when the wall-clock time of `dt` in the program's zone occurs twice (the hour repeated
    when daylight saving ends)."""
    local = dt.astimezone(program.tz).replace(tzinfo=None)
    return local.replace(fold=0, tzinfo=program.tz).utcoffset() != local.replace(fold=1, tzinfo=program.tz).utcoffset()


def parse_time(text: str, program: Program) -> datetime | None:
    """An ISO 8601 time; naive means the program's zone (the first of a repeated hour). None when it is
    not a time, or names a wall-clock time that a daylight-saving change skips."""
    try:
        dt = datetime.fromisoformat(text.strip()).replace(microsecond=0)  # links carry whole seconds
    except (ValueError, AttributeError):
        return None
    try:  # years 1 and 9999 overflow when moved to another zone: not a usable time either
        if dt.tzinfo is None:
            local = dt.replace(tzinfo=program.tz)
            # a wall-clock time skipped by a daylight-saving change does not round-trip
            if local.astimezone(UTC).astimezone(program.tz).replace(tzinfo=None) != dt:
                return None
            return local
        return dt.astimezone(program.tz)
    except OverflowError:
        return None


def format_time(dt: datetime, program: Program) -> str:
    """Wall-clock time in the program's zone, as the URL carries it; with its UTC offset when the
    wall-clock time occurs twice, so that parse_time gives back the same moment."""
    local = dt.astimezone(program.tz)
    text = local.strftime("%Y-%m-%dT%H:%M:%S" if local.second or local.microsecond else "%Y-%m-%dT%H:%M")
    if local.microsecond:
        text += f".{local.microsecond:06d}"
    if is_ambiguous(local, program):
        offset = local.strftime("%z")
        text += f"{offset[:3]}:{offset[3:]}"
    return text


def parse_grain(params: Mapping[str, str | Sequence[str]]) -> tuple[str, Notice | None]:
    """The Velocity page's grain from the URL: its default when absent, with a Notice when unusable."""
    vals = _values(params, "grain")
    if not vals:
        return DEFAULT_GRAIN, None
    grain = grain_name(vals[0])
    return (grain, None) if grain else (DEFAULT_GRAIN, Notice("grain", vals[0]))


def _values(params: Mapping[str, str | Sequence[str]], key: str) -> list[str]:
    raw = params.get(key)
    if raw is None:
        return []
    return [raw] if isinstance(raw, str) else [str(v) for v in raw]


def parse_query(params: Mapping[str, str | Sequence[str]], programs: Mapping[str, Program],
                default_program: str | None = None) -> Filters:
    """Filters from URL query parameters; unusable values fall back to their default with a Notice."""
    notices: list[Notice] = []
    ids = list(programs)
    default_program = default_program if default_program in programs else (ids[0] if ids else "")
    wanted = _values(params, "program")
    program_id = default_program
    if wanted:
        if wanted[0] in programs:
            program_id = wanted[0]
        else:
            notices.append(Notice("program", wanted[0]))
    program = programs.get(program_id)
    kw: dict = {}
    for key, attr in TIME_KEYS:
        vals = _values(params, key)
        if not vals or program is None:
            continue
        dt = parse_time(vals[0], program)
        lo, hi = time_window(program)
        if dt is None:
            notices.append(Notice(key, vals[0]))
        elif not lo <= dt <= hi:
            notices.append(Notice(key, vals[0], "range"))
        else:
            kw[attr] = dt
    if kw.get("start") and kw.get("end") and kw["start"] >= kw["end"]:
        notices.append(Notice("to", format_time(kw.pop("end"), program)))
    valid_codes = set(all_iso3())
    for key, attr in LIST_KEYS.items():
        chosen: list[str] = []
        for v in _values(params, key):
            norm = v.strip().upper() if attr == "countries" else v.strip().lower()
            ok = norm in valid_codes if attr == "countries" else norm in ALLOWED[attr]
            if ok and norm not in chosen:
                chosen.append(norm)
            elif not ok:
                notices.append(Notice(key, v))
        kw[attr] = tuple(sorted(chosen)) if attr == "countries" else tuple(x for x in ALLOWED[attr] if x in chosen)
    return Filters(program_id, notices=tuple(notices), **kw)


def to_query(f: Filters, programs: Mapping[str, Program], default_program: str | None = None) -> dict[str, list[str]]:
    """URL query parameters that reproduce `f` (defaults left out, so links stay short)."""
    program = programs.get(f.program_id)
    q: dict[str, list[str]] = {}
    if f.program_id != default_program:
        q["program"] = [f.program_id]
    if program is not None:
        for key, attr in TIME_KEYS:
            value = getattr(f, attr)
            if value is not None:
                q[key] = [format_time(value, program)]
    for key, attr in LIST_KEYS.items():
        if getattr(f, attr):
            q[key] = list(getattr(f, attr))
    return q
