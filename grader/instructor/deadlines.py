"""A class's due date, late policy and per-student extensions (`grade class due`, `grade class
extend`), kept in the gradebook, and how late a hand-in is by them.

How lateness is decided, for each student:

- The due date is the class's, or the student's extension, which replaces it. The grace period
  (`--grace`) is added to either. A hand-in at the due date plus grace is on time; each started
  24 h after it is one day late (one second late is one day).
- Two things can say when a student handed in: the report's `created` time, which the student's
  machine wrote (so the student controls it), and the LMS's late marker (Canvas's `_late`/`_LATE`
  in a file name), which the LMS set against its own due date but without saying by how much.
  The marker wins over the report: a marked hand-in is at least one day late, however early its
  report says it was made; a report time later than that counts as it says. A hand-in with
  neither (a folder of exercise files, no marker) is on time.
- With an extension the LMS's marker does not count: the LMS judged it against the due date
  the extension replaces. Only the report's time counts against the extended date.
- The penalty is `penalty_per_day` times the days late, at most 100%; past `max_late` (when set)
  a hand-in scores 0.

Overrides (overrides.py) come after the penalty: they are the instructor's final word.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.errors import ReportError, UsageError
from grader.instructor import overrides as ov
from grader.instructor.gradebook import now

TABLES = """
CREATE TABLE IF NOT EXISTS due_policy (
  id INTEGER PRIMARY KEY CHECK (id = 1), due TEXT NOT NULL, zone TEXT NOT NULL,
  penalty_per_day REAL NOT NULL, max_late_days REAL, grace_minutes REAL NOT NULL,
  set_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS extensions (
  student TEXT PRIMARY KEY, due TEXT NOT NULL, zone TEXT NOT NULL, reason TEXT NOT NULL,
  set_at TEXT NOT NULL);
"""

DAY = timedelta(days=1)
MAX_GRACE = timedelta(days=1)  # a longer grace period is a later due date
MAX_LATE = timedelta(days=366)
# How late an LMS's marker without a time counts: the least a hand-in can be late, one started day.
LMS_LATE = timedelta(microseconds=1)


def ensure_tables(db: sqlite3.Connection) -> None:
    """Create the tables of the due policy and the extensions if the gradebook lacks them."""
    db.executescript(TABLES)


@dataclass(frozen=True)
class DuePolicy:
    """The class's due date (UTC) and late policy."""

    due: datetime
    zone: str  # the time zone it was given in, for showing it back
    penalty_per_day: float  # fraction of the points removed per day late
    max_late: timedelta | None  # later than this after the due date (and grace): 0 points
    grace: timedelta
    set_at: str = ""

    def describe(self) -> str:
        """One line for people: the due date and the late policy (`2026-12-10T22:59:00Z, grace
        15 min; -10% per started day late; more than 5 day(s) late scores 0`)."""
        grace = f", grace {_duration(self.grace)}" if self.grace else ""
        penalty = (
            f"-{_percent(self.penalty_per_day)} per started day late"
            if self.penalty_per_day
            else "no penalty per day late"
        )
        if self.max_late is None:
            cutoff = ""
        elif self.max_late:
            cutoff = f"; more than {_duration(self.max_late)} late scores 0"
        else:
            cutoff = "; any late hand-in scores 0"
        return f"{show_time(self.due, self.zone)}{grace}; {penalty}{cutoff}"


@dataclass(frozen=True)
class Extension:
    """A student's own due date, which replaces the class's."""

    student: str
    due: datetime
    zone: str
    reason: str = ""
    set_at: str = ""


@dataclass(frozen=True)
class Lateness:
    """How late one student's hand-in is, and what that costs."""

    days: float  # started days late; 0 when on time
    penalty: float  # fraction 0..1 of the points removed
    due: (
        datetime | None
    )  # the student's due date (an extension's, else the class's); None: none set
    reason: str  # one line for people, e.g. "2 day(s) late: -20%"


@dataclass(frozen=True)
class Adjusted:
    """A student's scores after the late penalty and the instructor's overrides."""

    scores: dict[str, float]
    total: float
    notes: list[str]  # one line each, for the student's flags or feedback
    overridden: list[str]  # exercise ids whose score an override set


@dataclass(frozen=True)
class ClassPolicy:
    """Everything `grade class` declared, read once per collect (`load_policy`)."""

    due: DuePolicy | None
    extensions: Mapping[str, Extension] = field(default_factory=dict)
    overrides: Mapping[str, Mapping[str, ov.Override]] = field(default_factory=dict)

    def lateness(self, student: str, submitted: datetime | None, lms_late: bool) -> Lateness:
        """How late `student` handed in: `submitted` is the report's `created` time (None when
        unknown), `lms_late` whether the LMS marked the hand-in late (see the module docstring)."""
        if self.due is None:
            return Lateness(0.0, 0.0, None, "no due date set")
        policy = self.due
        extension = self.extensions.get(student)
        due = extension.due if extension else policy.due
        deadline = due + policy.grace
        by_time = _utc(submitted) - deadline if submitted is not None else None
        late_by = by_time if by_time is not None and by_time > timedelta(0) else None
        how = ""
        if late_by is None and lms_late and extension is None:
            late_by = LMS_LATE
            how = "marked late by the LMS" + (
                ", though the report's time is on time"
                if submitted is not None
                else ", no time given"
            )
        until = f" (extension to {show_time(due, extension.zone)})" if extension else ""
        if late_by is None:
            reason = "on time" + until
            if submitted is not None and _utc(submitted) > due:
                reason += f", within the {_duration(policy.grace)} grace period"
            if lms_late and extension is not None:
                reason += "; the LMS's late marker is against the date the extension replaces"
            return Lateness(0.0, 0.0, due, reason)
        days = -(-late_by // DAY)  # started days
        said = f"{days} day(s) late{until}" + (f" ({how})" if how else "")
        if policy.max_late is not None and late_by > policy.max_late:
            limit = (
                f"more than {_duration(policy.max_late)}" if policy.max_late else "none accepted"
            )
            return Lateness(float(days), 1.0, due, f"{said}, {limit}: scores 0")
        penalty = min(1.0, round(days * policy.penalty_per_day, 9))
        return Lateness(float(days), penalty, due, f"{said}: -{_percent(penalty)}")

    def apply(
        self,
        student: str,
        scores: dict[str, float],
        maxima: dict[str, float],
        lateness: Lateness,
    ) -> Adjusted:
        """`student`'s exercise scores with the late penalty taken off each, then their
        overrides put in (an override is the instructor's final word: no penalty applies to
        it, and it counts for an exercise the student did not hand in). `maxima` is what each
        exercise counts for in this collect; an override above it is capped there."""
        keep = 1.0 - lateness.penalty
        adjusted = {ex: round(points * keep, 6) for ex, points in scores.items()}
        notes = [f"late: {lateness.reason}"] if lateness.penalty > 0 else []
        own = self.overrides.get(student, {})
        overridden, override_notes = ov.put_overrides(adjusted, maxima, own.values())
        return Adjusted(adjusted, sum(adjusted.values()), notes + override_notes, overridden)


def load_policy(db: sqlite3.Connection) -> ClassPolicy:
    """The due policy, extensions and overrides the gradebook holds (its tables are created if
    it has none yet)."""
    ensure_tables(db)
    ov.ensure_tables(db)
    return ClassPolicy(load_due(db), load_extensions(db), ov.load_overrides(db))


# --- the tables ---


def set_due(db: sqlite3.Connection, policy: DuePolicy) -> None:
    """Declare (or replace) the class's due date and late policy (committed)."""
    ensure_tables(db)
    max_days = policy.max_late / DAY if policy.max_late is not None else None
    with db:
        db.execute(
            "INSERT OR REPLACE INTO due_policy VALUES (1, ?, ?, ?, ?, ?, ?)",
            (
                utc_text(policy.due), policy.zone, policy.penalty_per_day, max_days,
                policy.grace / timedelta(minutes=1), policy.set_at or now(),
            ),
        )  # fmt: skip


def clear_due(db: sqlite3.Connection) -> bool:
    """Remove the due policy (committed); False when there was none."""
    ensure_tables(db)
    with db:
        return db.execute("DELETE FROM due_policy").rowcount > 0


def load_due(db: sqlite3.Connection) -> DuePolicy | None:
    """The class's due policy, or None when none is set."""
    ensure_tables(db)
    row = db.execute(
        "SELECT due, zone, penalty_per_day, max_late_days, grace_minutes, set_at FROM due_policy"
    ).fetchone()
    if row is None:
        return None
    try:
        due, zone, penalty, max_days, grace, set_at = row
        return DuePolicy(
            stored_time(due), str(zone), float(penalty),
            timedelta(days=float(max_days)) if max_days is not None else None,
            timedelta(minutes=float(grace)), str(set_at),
        )  # fmt: skip
    except (TypeError, ValueError, OverflowError) as exc:
        raise ReportError(
            f"the gradebook's due policy is damaged ({exc}); declare it again with `grade class due`"
        ) from exc


def set_extension(db: sqlite3.Connection, extension: Extension) -> None:
    """Give a student their own due date, replacing any earlier one (committed)."""
    ensure_tables(db)
    with db:
        db.execute(
            "INSERT OR REPLACE INTO extensions VALUES (?, ?, ?, ?, ?)",
            (
                extension.student, utc_text(extension.due), extension.zone, extension.reason,
                extension.set_at or now(),
            ),
        )  # fmt: skip


def clear_extension(db: sqlite3.Connection, student: str) -> bool:
    """Take a student's extension back (committed); False when they had none."""
    ensure_tables(db)
    with db:
        return db.execute("DELETE FROM extensions WHERE student = ?", (student,)).rowcount > 0


def load_extensions(db: sqlite3.Connection) -> dict[str, Extension]:
    """Student id -> their extension, in student order."""
    ensure_tables(db)
    out = {}
    for student, due, zone, reason, set_at in db.execute(
        "SELECT student, due, zone, reason, set_at FROM extensions ORDER BY student"
    ):
        try:
            out[str(student)] = Extension(
                str(student), stored_time(due), str(zone), str(reason), str(set_at)
            )
        except (TypeError, ValueError) as exc:
            raise ReportError(
                f"the gradebook's extension for {student!r} is damaged ({exc}); set it again "
                "with `grade class extend`"
            ) from exc
    return out


# --- what the instructor types ---

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_PENALTY = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*%\s*(?:/\s*(?:day|d))?", re.IGNORECASE)
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)", re.IGNORECASE)
_UNITS = {
    "d": DAY, "day": DAY, "days": DAY,
    "h": timedelta(hours=1), "hour": timedelta(hours=1), "hours": timedelta(hours=1),
    "m": timedelta(minutes=1), "min": timedelta(minutes=1), "mins": timedelta(minutes=1),
    "minute": timedelta(minutes=1), "minutes": timedelta(minutes=1),
}  # fmt: skip


def parse_zone(text: str | None) -> tuple[tzinfo, str]:
    """A time zone as typed: an IANA name (`Europe/Berlin`), `UTC`, or an offset (`+01:00`,
    `-0500`, `UTC+2`); None means UTC. Returns the zone and how to show it."""
    if text is None or text.strip().upper() in ("UTC", "Z", "GMT"):
        return timezone.utc, "UTC"
    text = text.strip()
    offset = _OFFSET.fullmatch(text)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta <= timedelta(hours=14) and int(minutes or 0) < 60:
            zone = timezone(-delta if sign == "-" else delta)
            return zone, f"UTC{sign}{int(hours):02d}:{int(minutes or 0):02d}"
    elif len(text) <= 64:
        try:
            return ZoneInfo(text), text
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise UsageError(
        f"unknown time zone {text!r}; write an IANA name such as --tz Europe/Berlin, or an offset "
        "from UTC such as --tz +01:00"
    )


def parse_when(
    text: str, zone_text: str | None = None, default_zone: str | None = None
) -> tuple[datetime, str]:
    """A due date as typed (`2026-12-10T23:59`, `2026-12-10 23:59`, `2026-12-10`, with or
    without an offset) in the zone `--tz` names (else `default_zone`, else UTC). A date alone
    is 23:59:59 that day (Canvas's 11:59 pm). Returns the time in UTC and the zone to show it in."""
    example = "write it as 2026-12-10T23:59 (add --tz Europe/Berlin for a local time)"
    raw = text.strip()
    if len(raw) > 64:
        raise UsageError(f"{raw[:64]!r}... is not a date; {example}")
    try:
        if _DATE_ONLY.fullmatch(raw):
            when = datetime.combine(date.fromisoformat(raw), time(23, 59, 59))
        else:
            when = datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", raw))
    except ValueError:
        raise UsageError(f"{raw!r} is not a date and time; {example}") from None
    if when.tzinfo is not None:
        if zone_text is not None:
            raise UsageError(
                f"{raw!r} carries its own offset from UTC, and --tz gives another; keep one of them"
            )
        shown = "UTC" if when.utcoffset() == timedelta(0) else when.strftime("UTC%z")
        return when.astimezone(timezone.utc), shown
    zone, shown = parse_zone(zone_text if zone_text is not None else default_zone)
    return when.replace(tzinfo=zone).astimezone(timezone.utc), shown


def parse_penalty(text: str) -> float:
    """`10%/day` (or `10%`, `2.5%/d`) as a fraction per day, 0 to 1."""
    match = _PENALTY.fullmatch(text.strip())
    percent = float(match.group(1)) if match else math.nan
    if not 0 <= percent <= 100:
        raise UsageError(
            f"--penalty {text!r} is not a percentage of the points per day late; write it as "
            "--penalty 10%/day (0% to 100%)"
        )
    return percent / 100


def parse_duration(text: str, option: str, unit: str, limit: timedelta) -> timedelta:
    """A length of time as typed for `option`: a number and `d`, `h` or `m` (`5d`, `36h`,
    `15m`); a bare number is in `unit`. At most `limit`."""
    match = _DURATION.fullmatch(text.strip())
    step = _UNITS.get((match.group(2) or unit).lower()) if match else None
    if match is None or step is None:
        raise UsageError(
            f"{option} {text!r} is not a length of time; write a number and d, h or m, "
            f"e.g. {option} 5d, 36h or 15m"
        )
    try:
        length = float(match.group(1)) * step
    except OverflowError:
        length = limit + DAY
    if length > limit:
        raise UsageError(f"{option} {text!r} is too long; at most {_duration(limit)}")
    return length


# --- times ---


def utc_text(when: datetime) -> str:
    """`when` as the gradebook keeps times: ISO 8601 in UTC, to the second, ending in Z."""
    return _utc(when).isoformat(timespec="seconds").replace("+00:00", "Z")


def stored_time(text: str) -> datetime:
    """A time the gradebook keeps (see `utc_text`), as an aware datetime in UTC."""
    return _utc(datetime.fromisoformat(str(text).replace("Z", "+00:00")))


def report_time(value: object) -> datetime | None:
    """A report's `created` as an aware UTC datetime, or None when it is missing or not a
    time (a report is the student's: anything may be in it). A time without an offset is UTC."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        return _utc(datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", value.strip())))
    except (ValueError, OverflowError):
        return None


def show_time(when: datetime, zone: str) -> str:
    """`when` for people: in the zone it was given in, and in UTC unless that is UTC."""
    utc = utc_text(when)
    if zone == "UTC":
        return utc
    try:
        local = when.astimezone(parse_zone(zone)[0])
    except UsageError:
        return utc
    shown = f"{local:%Y-%m-%d %H:%M}" + (f":{local:%S}" if local.second else "")
    return f"{shown} {zone} ({utc})"


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        return when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100, 4):g}%"


def _duration(length: timedelta) -> str:
    if length % DAY == timedelta(0):
        return f"{length // DAY} day(s)"
    if length % timedelta(hours=1) == timedelta(0):
        return f"{length // timedelta(hours=1)} h"
    return f"{length / timedelta(minutes=1):g} min"
