"""The instructor's overrides of an exercise's score (`grade class override`), kept in the
gradebook so that they survive every regrade: a collect grades the sources again, then puts each
override in place of what the grading gave, after the late penalty. An override is the
instructor's final word, and it counts even for an exercise the student did not hand in."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from grader.engine.hidden import HiddenChecks
from grader.errors import ReportError, UsageError
from grader.instructor.gradebook import now
from grader.manifest import Course, Exercise

TABLES = """
CREATE TABLE IF NOT EXISTS overrides (
  student TEXT NOT NULL, exercise TEXT NOT NULL, points REAL NOT NULL, reason TEXT NOT NULL,
  set_at TEXT NOT NULL, PRIMARY KEY (student, exercise));
"""

REASON_LIMIT = 500  # characters: a reason is one line in grades.csv and the feedback


def ensure_tables(db: sqlite3.Connection) -> None:
    """Create the overrides table if the gradebook lacks it."""
    db.executescript(TABLES)


@dataclass(frozen=True)
class Override:
    """One exercise's score for one student, set by the instructor."""

    student: str
    exercise: str  # the course's exercise id
    points: float
    reason: str
    set_at: str = ""

    def note(self, points: float | None = None) -> str:
        """The line a student's row carries for it."""
        shown = self.points if points is None else points
        return f"exercise {self.exercise}: score set to {shown:g} by the instructor ({self.reason})"


def set_override(db: sqlite3.Connection, override: Override) -> None:
    """Record an override, replacing an earlier one of the same student and exercise (committed)."""
    ensure_tables(db)
    with db:
        db.execute(
            "INSERT OR REPLACE INTO overrides VALUES (?, ?, ?, ?, ?)",
            (override.student, override.exercise, override.points, override.reason,
             override.set_at or now()),
        )  # fmt: skip


def clear_override(db: sqlite3.Connection, student: str, exercise: str) -> bool:
    """Take an override back (committed): the grading's score counts again. False when there
    was none."""
    ensure_tables(db)
    with db:
        cursor = db.execute(
            "DELETE FROM overrides WHERE student = ? AND exercise = ?", (student, exercise)
        )
        return cursor.rowcount > 0


def load_overrides(db: sqlite3.Connection) -> dict[str, dict[str, Override]]:
    """Student id -> exercise id -> override, in student order."""
    ensure_tables(db)
    out: dict[str, dict[str, Override]] = {}
    for student, exercise, points, reason, set_at in db.execute(
        "SELECT student, exercise, points, reason, set_at FROM overrides ORDER BY student, exercise"
    ):
        try:
            value = float(points)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value):
            raise ReportError(
                f"the gradebook's override of {exercise!r} for {student!r} is damaged; set it "
                "again with `grade class override`"
            )
        out.setdefault(str(student), {})[str(exercise)] = Override(
            str(student), str(exercise), value, str(reason), str(set_at)
        )
    return out


def put_overrides(
    scores: dict[str, float], maxima: dict[str, float], overrides: Iterable[Override]
) -> tuple[list[str], list[str]]:
    """Put `overrides` into `scores` (changed in place), each capped at what its exercise
    counts for in this collect (`maxima`: checks no grading ran here do not count). Returns the
    exercises overridden and a note for each."""
    overridden: list[str] = []
    notes: list[str] = []
    for override in overrides:
        if override.exercise not in maxima:
            notes.append(
                f"exercise {override.exercise}: the instructor's override was not applied "
                "(no such exercise in the course now)"
            )
            continue
        points = min(override.points, maxima[override.exercise])
        scores[override.exercise] = points
        overridden.append(override.exercise)
        note = override.note(points)
        if points < override.points:
            note += f"; capped at {points:g}, what it counts for in this collect"
        notes.append(note)
    return overridden, notes


# --- what the instructor types ---


def exercise_maximum(exercise: Exercise, hidden: HiddenChecks | None) -> float:
    """The points `exercise` can give: its checks in course.toml, plus its hidden checks."""
    extra = hidden.files.get(exercise.id) if hidden else None
    return exercise.max_score + sum(c.points for c in (extra.checks if extra else ()))


def new_override(
    course: Course,
    student: str,
    exercise_text: str,
    points_text: str,
    reason: str | None,
    hidden: HiddenChecks | None = None,
) -> Override:
    """An override as typed, checked: a course exercise (id, number or file name), points from
    0 to that exercise's maximum, and a reason. Wrong input is a UsageError saying what to write."""
    exercise = course.exercise(exercise_text)
    maximum = exercise_maximum(exercise, hidden)
    try:
        points = float(points_text)
    except ValueError:
        points = math.nan
    if not (math.isfinite(points) and 0 <= points <= maximum):
        raise UsageError(
            f"{points_text!r} is not a score for {exercise.id}; give points from 0 to "
            f"{maximum:g}, e.g. `grade class override STUDENT {exercise.id} {maximum:g} "
            '--reason "..."`'
        )
    text = " ".join((reason or "").split())
    if not text:
        raise UsageError(
            'an override needs a reason, which the student sees: add --reason "regraded by hand"'
        )
    if len(text) > REASON_LIMIT:
        raise UsageError(f"--reason is {len(text)} characters; keep it to {REASON_LIMIT}")
    return Override(student, exercise.id, points, text)
