"""`grade class`: a class's due date and late policy, its students' extensions and the
instructor's overrides of a score, declared once and kept in the gradebook (deadlines.py,
overrides.py); every `grade collect` into that gradebook applies them."""

from __future__ import annotations

import difflib
import sqlite3
from pathlib import Path

import click

from grader.clitools import hidden_checks_option
from grader.engine.hidden import load_hidden_checks
from grader.errors import ReportError, UsageError
from grader.instructor import deadlines as dl
from grader.instructor import overrides as ov
from grader.instructor.gradebook import GRADEBOOK_NAME, Gradebook
from grader.manifest import load_course
from grader.text import escape

CONTEXT = {"help_option_names": ["-h", "--help"]}

out_dir_option = click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("gradebook"),
    show_default=True,
    help="Folder of the class's gradebook.sqlite, as for `grade collect`; created if absent.",
)
tz_option = click.option(
    "--tz",
    metavar="ZONE",
    default=None,
    help="Time zone of the date: an IANA name (Europe/Berlin) or an offset (+01:00) [default: UTC; for extend, the class due date's].",
)


@click.group("class", context_settings=CONTEXT)
def class_group() -> None:
    """Declare a due date, late policy, extensions and score overrides for a class.

    They are kept in the class's gradebook (--out-dir) and every `grade collect` into it applies
    them: late hand-ins lose points, and an override replaces an exercise's score in every
    regrade."""


@class_group.command("due", context_settings=CONTEXT)
@click.argument("when", required=False, metavar="DATE")
@tz_option
@click.option(
    "--penalty",
    default="0%/day",
    show_default=True,
    metavar="PERCENT/day",
    help="Points taken off per started day late, as a percentage of each exercise's points.",
)
@click.option(
    "--max-late",
    default=None,
    metavar="DURATION",
    help="Later than this (5d, 36h; 0 for none) a hand-in scores 0 [default: no limit].",
)
@click.option(
    "--grace",
    default="0m",
    show_default=True,
    metavar="DURATION",
    help="Minutes (15m) or hours (1h) after the due date that still count as on time.",
)
@click.option("--clear", is_flag=True, help="Remove the due date: nothing is late.")
@out_dir_option
def due(
    when: str | None,
    tz: str | None,
    penalty: str,
    max_late: str | None,
    grace: str,
    clear: bool,
    out_dir: Path,
) -> None:
    """Set the class's due date and late policy (replacing any earlier one).

    DATE is 2026-12-10T23:59 (or a date alone, meaning 23:59:59 that day), in --tz or UTC. Each
    started 24 h after DATE plus --grace is a day late; Canvas's late marker counts as at least
    one day.

    \b
    Example:
      grade class due 2026-12-10T23:59 --tz Europe/Berlin --penalty 10%/day --max-late 5d --grace 15m
    """
    if clear:
        if when is not None:
            raise UsageError("give a DATE or --clear, not both")
        with _open(out_dir, create=False) as book:
            cleared = book is not None and dl.clear_due(book.db)
        click.echo("Due date removed." if cleared else "No due date was set.")
        return
    if when is None:
        raise UsageError(
            "give the due date, e.g. `grade class due 2026-12-10T23:59 --penalty 10%/day`, "
            "or --clear to remove it"
        )
    moment, zone = dl.parse_when(when, tz)
    policy = dl.DuePolicy(
        due=moment,
        zone=zone,
        penalty_per_day=dl.parse_penalty(penalty),
        max_late=dl.parse_duration(max_late, "--max-late", "d", dl.MAX_LATE)
        if max_late is not None
        else None,
        grace=dl.parse_duration(grace, "--grace", "m", dl.MAX_GRACE),
    )
    with _open(out_dir, create=True) as book:
        assert book is not None
        dl.set_due(book.db, policy)
    click.echo(f"Due date set: {policy.describe()}.")
    click.echo(f"Every `grade collect --out-dir {_shown(out_dir)}` applies it.")


@class_group.command("extend", context_settings=CONTEXT)
@click.argument("student")
@click.option("--until", "until", default=None, metavar="DATE", help="The student's due date.")
@tz_option
@click.option("--reason", default="", help="Why (kept with it and shown by `grade class show`).")
@click.option("--clear", is_flag=True, help="Take the extension back.")
@out_dir_option
def extend(
    student: str, until: str | None, tz: str | None, reason: str, clear: bool, out_dir: Path
) -> None:
    """Give STUDENT their own due date, which replaces the class's.

    STUDENT is the id as grades.csv shows it. With an extension, the LMS's late marker (made
    against the class's date) does not count; the report's time does.

    \b
    Example:
      grade class extend alice --until 2026-12-13T23:59 --reason "medical certificate"
    """
    _check_student(student)
    if clear:
        if until is not None:
            raise UsageError("give --until DATE or --clear, not both")
        with _open(out_dir, create=False) as book:
            cleared = book is not None and dl.clear_extension(book.db, student)
        who = escape(student)
        click.echo(f"Extension of {who} removed." if cleared else f"{who} had no extension.")
        return
    if until is None:
        raise UsageError(
            f"give the new due date, e.g. `grade class extend {escape(student)} --until "
            "2026-12-13T23:59`, or --clear to take the extension back"
        )
    with _open(out_dir, create=False) as book:
        policy = dl.load_due(book.db) if book is not None else None
    # A local time is in the class due date's zone unless --tz says otherwise.
    moment, zone = dl.parse_when(until, tz, policy.zone if policy else None)
    with _open(out_dir, create=True) as book:
        assert book is not None
        dl.set_extension(book.db, dl.Extension(student, moment, zone, " ".join(reason.split())))
        note = _unknown_student(book.db, student)
    click.echo(f"{escape(student)} is now due {dl.show_time(moment, zone)}.")
    if policy is None:
        click.echo(
            "No class due date is set yet: the extension counts once `grade class due` sets one."
        )
    if note:
        click.echo(note, err=True)


@class_group.command("override", context_settings=CONTEXT)
@click.argument("student")
@click.argument("exercise")
@click.argument("points", required=False)
@click.option("--reason", default=None, help="Why (required; the student sees it).")
@click.option("--clear", is_flag=True, help="Take the override back: the grading counts again.")
@hidden_checks_option(" Their points count towards the exercise's maximum.")
@out_dir_option
def override(
    student: str,
    exercise: str,
    points: str | None,
    reason: str | None,
    clear: bool,
    checks: Path | None,
    out_dir: Path,
) -> None:
    """Set STUDENT's score for EXERCISE to POINTS, in this and every later collect.

    The override is the instructor's final word: it replaces what the grading gives, after any
    late penalty, and counts even if the student did not hand the exercise in. EXERCISE is an
    id or a number; POINTS is from 0 to the exercise's maximum.

    \b
    Example:
      grade class override alice 3 2.5 --reason "regraded by hand"
    """
    _check_student(student)
    course = load_course()
    if clear:
        if points is not None:
            raise UsageError("give POINTS or --clear, not both")
        ident = course.exercise(exercise).id
        with _open(out_dir, create=False) as book:
            cleared = book is not None and ov.clear_override(book.db, student, ident)
        who = escape(student)
        click.echo(
            f"Override of {ident} for {who} removed: the grading counts again."
            if cleared
            else f"{who} had no override of {ident}."
        )
        return
    if points is None:
        raise UsageError(
            f"give the points, e.g. `grade class override {escape(student)} {escape(exercise)} 2.5 "
            '--reason "..."`, or --clear to take the override back'
        )
    hidden = load_hidden_checks(checks, course) if checks else None
    entry = ov.new_override(course, student, exercise, points, reason, hidden)
    with _open(out_dir, create=True) as book:
        assert book is not None
        ov.set_override(book.db, entry)
        note = _unknown_student(book.db, student)
    click.echo(f"{escape(student)}: {escape(entry.note())}.")
    if note:
        click.echo(note, err=True)


@class_group.command("show", context_settings=CONTEXT)
@out_dir_option
def show(out_dir: Path) -> None:
    """Print the class's due date, late policy, extensions and overrides."""
    with _open(out_dir, create=False) as book:
        if book is None:
            policy = dl.ClassPolicy(None)
        else:
            policy = dl.load_policy(book.db)
    click.echo(f"Class policy in {_shown(out_dir / GRADEBOOK_NAME)}:")
    if policy.due is None:
        click.echo("Due: none set (`grade class due 2026-12-10T23:59 --penalty 10%/day` sets one).")
    else:
        click.echo(f"Due: {policy.due.describe()}.")
    inert = " (no effect until a due date is set)" if policy.due is None else ""
    click.echo(f"Extensions: {len(policy.extensions)}{inert}")
    for ext in policy.extensions.values():
        why = f" ({escape(ext.reason)})" if ext.reason else ""
        click.echo(f"  {escape(ext.student)}: until {dl.show_time(ext.due, ext.zone)}{why}")
    count = sum(len(by) for by in policy.overrides.values())
    click.echo(f"Overrides: {count}")
    for student, by_exercise in policy.overrides.items():
        for entry in by_exercise.values():
            click.echo(
                f"  {escape(student)}: {entry.exercise} = {entry.points:g} "
                f"({escape(entry.reason)}), set {escape(entry.set_at)}"
            )


class _open:
    """The gradebook in `out_dir` for one command (created when `create`; None when absent
    and not `create`): committed by each change, closed on leaving."""

    def __init__(self, out_dir: Path, create: bool) -> None:
        self.path = out_dir / GRADEBOOK_NAME
        self.create = create
        self.book: Gradebook | None = None

    def __enter__(self) -> Gradebook | None:
        if not self.create and not self.path.is_file():
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReportError(
                f"cannot create --out-dir {self.path.parent}: {exc.strerror or exc}; pick a folder "
                "you can write to"
            ) from exc
        self.book = Gradebook(self.path)
        return self.book

    def __exit__(self, *exc: object) -> None:
        if self.book is not None:
            self.book.close()


def _check_student(student: str) -> None:
    if not student.strip():
        raise UsageError("give the student's id as grades.csv shows it, e.g. `alice`")


def _unknown_student(db: sqlite3.Connection, student: str) -> str | None:
    """A warning when no collect into this gradebook has seen `student` (a typo applies to no one)."""
    known = [row[0] for row in db.execute("SELECT id FROM students")]
    if student in known:
        return None
    if not known:
        return (
            f"Note: no collect has run into this gradebook yet; {escape(student)} must match the "
            "id grades.csv will show."
        )
    close = difflib.get_close_matches(student, known, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(escape(c) for c in close)}?)" if close else ""
    return f"Note: no collect has seen a student {escape(student)}{hint}; it applies once one does."


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
