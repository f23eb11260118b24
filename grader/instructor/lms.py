"""Grades as Canvas and Moodle import them: `grade export canvas` and `grade export moodle`.

Each file is shaped by its importer's own rules (read in the importers' source; the tests replay
them in tests/meta/lms_importers.py):

- **Canvas** (`GradebookImporter` in instructure/canvas-lms `app/models/gradebook_importer.rb`):
  the header must start `Student,ID`, then `SIS User ID` directly followed by `SIS Login ID`, and
  its student columns must end with `Section` (`header?`, `update_column_count`); points
  possible of a new assignment come only from the `Points Possible` row (`process_pp`); a student
  is found by `ID` (Canvas's user id), else SIS User ID, else SIS Login ID, else by name
  (`process_student`). The total is written as `Final Points`, a column Canvas shows in its own
  export and leaves out of an import (`strip_non_assignment_columns`), so it never becomes an
  assignment counted twice.
- **Moodle** (`gradeimport_csv_load_data` in moodle/moodle `grade/import/csv/classes/
  load_data.php`): one column is mapped to a user field (`check_user_exists`); the first row
  whose value matches no user, and the first value above 100 (`insert_grade_record`:
  `gradevaluetoobig`), stop the whole import; a blank identity makes the row's grades go to the
  user of the row before (`map_user_data_with_value` skips it and keeps `studentid`). So every row
  carries an identity of a roster user, and every value is between 0 and 100.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from grader.errors import UsageError
from grader.instructor.exports import _cell, atomic_text
from grader.instructor.gradebook import GRADEBOOK_NAME, Gradebook
from grader.instructor.lines import StudentRow
from grader.instructor.roster import CANVAS_TEST_STUDENT, Roster, read_roster
from grader.manifest import Course

CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_POSSIBLE = "    Points Possible"  # as Canvas's exporter writes it
CANVAS_TOTAL = "Final Points"  # one of GradebookImporter::NON_ASSIGNMENT_COLUMN_HEADERS
CANVAS_READ_ONLY = "(read only)"  # the Points Possible cell of a column Canvas does not import
MOODLE_TOTAL = "MLX course total (%)"
MOODLE_NO_GRADE = "-"  # what Moodle's own export writes, and its importer reads as no grade
MOODLE_GRADE_MAX = 100.0  # load_data.php's $gradepointmaximum unless the site allows more
SCALES = ("points", "percent")

# A student id that names no LMS user: a duplicate's `id~2`, or text no login has (spaces,
# slashes, a formula's first character).
_DUPLICATE = re.compile(r"~\d+$")
_PLAUSIBLE_ID = re.compile(r"[A-Za-z0-9_.@+][A-Za-z0-9_.@+'-]*")


@dataclass(frozen=True)
class LmsExport:
    """What `grade export canvas|moodle` wrote: the file, its student rows and the notes."""

    path: Path
    rows: int
    notes: tuple[str, ...]
    identity: str  # what the LMS should match users on, as its import asks for it


def export_class(
    course: Course,
    lms: str,
    out_dir: Path,
    out: Path | None = None,
    roster: Path | None = None,
    scale: str = "points",
) -> LmsExport:
    """Write the class in `out_dir`'s gradebook (every student's latest line) as `lms` ("canvas"
    or "moodle") imports it, into `out` (default: `<out_dir>/<lms>.csv`)."""
    book_path = out_dir / GRADEBOOK_NAME
    if not book_path.is_file():
        raise UsageError(
            f"no gradebook in --out-dir {out_dir} ({GRADEBOOK_NAME}); run `grade collect ... "
            f"--out-dir {out_dir}` first"
        )
    people = read_roster(roster) if roster else None
    target = out or out_dir / f"{lms}.csv"
    exercises = [(ex.id, f"{i:02d} {ex.title}") for i, ex in enumerate(course.exercises, 1)]
    book = Gradebook(book_path)
    try:
        maximum = book.class_maximum()
        if not maximum:
            raise UsageError(
                f"the gradebook in {out_dir} has no finished collect yet; run `grade collect` first"
            )
        with atomic_text(target) as handle:
            if lms == "canvas":
                notes = write_canvas_csv(handle, exercises, maximum, book.class_lines(), people)
            else:
                notes = write_moodle_csv(
                    handle, exercises, maximum, book.class_lines(), people, scale
                )
    finally:
        book.close()
    header_rows = 2 if lms == "canvas" else 1
    records = sum(1 for _ in csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    if lms == "canvas":
        identity = "ID, else SIS User ID, else SIS Login ID"
    elif people is not None and people.system == "moodle":
        identity = "Email address to Email address"
    else:
        identity = "Student ID to the user field your student ids are"
    return LmsExport(target, records - header_rows, tuple(notes), identity)


def write_canvas_csv(
    out: TextIO,
    exercises: Sequence[tuple[str, str]],
    exercise_max: Mapping[str, float],
    rows: Iterable[StudentRow],
    roster: Roster | None,
) -> list[str]:
    """Write the class as a Canvas gradebook import: the student columns in Canvas's order, a
    Points Possible row, one column per exercise and the total (read only). With a Canvas roster
    every roster student has a row carrying Canvas's ids; without one, a row's Canvas user id is
    the one its hand-in came with, if any. Returns notes: the rows left out, and why, and the
    rows Canvas can match only by login or name."""
    notes: list[str] = []
    writer = csv.writer(out, lineterminator="\r\n")
    titles = [title for _, title in exercises]
    writer.writerow([*CANVAS_STUDENT_COLUMNS, *(_cell(t) for t in titles), CANVAS_TOTAL])
    writer.writerow(
        [
            CANVAS_POINTS_POSSIBLE,
            *[""] * (len(CANVAS_STUDENT_COLUMNS) - 1),
            *(_number(exercise_max.get(ex, 0.0)) for ex, _ in exercises),
            CANVAS_READ_ONLY,
        ]
    )
    if roster is not None and roster.system == "canvas":
        lines = _by_roster(rows, roster, notes, "Canvas")
        for person in roster.people:
            if person.name == CANVAS_TEST_STUDENT:
                continue
            ids = [person.canvas_id, person.sis_user_id, person.login]
            if not _safe_ids(ids):
                notes.append(f"{person.student}: left out, an id starts like a formula")
                continue
            line = lines.get(person.student)
            name = person.name or (line.name if line else None) or person.student
            writer.writerow(
                [_cell(name), *ids, _cell(person.section), *_canvas_scores(exercises, line)]
            )
        return notes
    unmatched = []
    for row in rows:
        if not _usable(row, notes, "Canvas"):
            continue
        canvas_id = row.lms_id or ""
        # An id collect made from the download's own name (`<name>_<user id>`) is no login.
        login = "" if canvas_id and row.student.endswith(f"_{canvas_id}") else row.student
        if not _safe_ids([canvas_id, login]):
            notes.append(f"{row.student}: left out, its id starts like a formula")
            continue
        if not canvas_id:
            unmatched.append(row.student)
        writer.writerow(
            [
                _cell(row.name or row.student),
                canvas_id,
                "",
                login,
                "",
                *_canvas_scores(exercises, row),
            ]
        )
    if unmatched:
        notes.append(
            f"{len(unmatched)} row(s) carry no Canvas user id (their hand-ins did not come from a "
            "Canvas download): Canvas matches them only if the student id is their SIS Login ID "
            f"or the name is theirs in Canvas: {', '.join(unmatched)}; give --roster with "
            "Canvas's gradebook export to match every student"
        )
    return notes


def write_moodle_csv(
    out: TextIO,
    exercises: Sequence[tuple[str, str]],
    exercise_max: Mapping[str, float],
    rows: Iterable[StudentRow],
    roster: Roster | None,
    scale: str = "points",
) -> list[str]:
    """Write the class as a Moodle CSV grade import. `scale` "points": each exercise in points
    (at most its maximum, which must be at most 100), to map onto a grade item with that
    maximum; "percent": each exercise as a percentage, right for a new grade item (maximum 100).
    The total is always a percentage. With a Moodle roster: a row per roster user, identified by
    `Email address`; with another roster, its students; without one, the rows whose student id
    could be a user's; the rest are left out, each with a note (Moodle would stop the import)."""
    if scale not in SCALES:
        raise UsageError(f"--scale must be one of {', '.join(SCALES)}, not {scale!r}")
    if scale == "points":
        over = [t for ex, t in exercises if exercise_max.get(ex, 0.0) > MOODLE_GRADE_MAX]
        if over:
            raise UsageError(
                f"{', '.join(over)} is worth more than {MOODLE_GRADE_MAX:g} points, more than "
                "Moodle imports; use --scale percent"
            )
    notes: list[str] = []
    writer = csv.writer(out, lineterminator="\r\n")
    titles = [_cell(t) for _, t in exercises]
    moodle = roster is not None and roster.system == "moodle"
    identity = (
        ["First name", "Last name", "ID number", "Email address"]
        if moodle
        else ["Name", "Student ID"]
    )
    writer.writerow([*identity, *titles, MOODLE_TOTAL])
    if roster is not None and moodle:
        lines = _by_roster(rows, roster, notes, "Moodle")
        for person in roster.people:
            if not person.email:
                notes.append(
                    f"{person.student}: left out, the roster gives no email address (Moodle "
                    "would give this row's grades to the row before)"
                )
                continue
            if not _safe_ids([person.email, person.id_number]):
                notes.append(f"{person.student}: left out, an id starts like a formula")
                continue
            scores = _moodle_scores(
                exercises, exercise_max, lines.get(person.student), scale, notes
            )
            if scores is None:
                continue
            writer.writerow(
                [
                    _cell(person.first_name),
                    _cell(person.last_name),
                    person.id_number,
                    person.email,
                    *scores,
                ]
            )
        return notes
    for row in rows:
        if roster is not None and row.student not in roster.names:
            notes.append(
                f"{row.student}: left out, not in the roster (Moodle would stop the import)"
            )
            continue
        if not _usable(row, notes, "Moodle"):
            continue
        scores = _moodle_scores(exercises, exercise_max, row, scale, notes)
        if scores is not None:
            writer.writerow([_cell(row.name or ""), row.student, *scores])
    return notes


def _by_roster(
    rows: Iterable[StudentRow], roster: Roster, notes: list[str], lms: str
) -> dict[str, StudentRow]:
    """Each roster student's line (by student id, else by the LMS id its hand-in came with);
    lines of nobody in the roster are left out with a note."""
    lines: dict[str, StudentRow] = {}
    for row in rows:
        student = row.student if row.student in roster.names else None
        if student is None and row.lms_id:
            student = roster.for_canvas_user(row.lms_id)
        if student is None:
            notes.append(f"{row.student}: left out, not in the {lms} roster")
        elif student in lines:
            notes.append(f"{row.student}: left out, {student} already has a line")
        else:
            lines[student] = row
    return lines


def _usable(row: StudentRow, notes: list[str], lms: str) -> bool:
    """Whether `row`'s student id could be a user's in the LMS (else a note says why not)."""
    if _DUPLICATE.search(row.student):
        notes.append(
            f"{row.student}: left out, a second hand-in under one id ({lms} has no such user)"
        )
        return False
    if not _PLAUSIBLE_ID.fullmatch(row.student):
        notes.append(f"{row.student}: left out, not an id {lms} knows a user by")
        return False
    return True


def _safe_ids(ids: list[str]) -> bool:
    """Ids are written as they are (a changed id matches nobody): refuse one a spreadsheet would
    run as a formula."""
    return all(_cell(i) == i for i in ids)


def _canvas_scores(exercises: Sequence[tuple[str, str]], row: StudentRow | None) -> list[str]:
    if row is None or not row.graded:
        return [""] * (len(exercises) + 1)
    return [*(_number(row.scores.get(ex, 0.0)) for ex, _ in exercises), _number(row.total)]


def _moodle_scores(
    exercises: Sequence[tuple[str, str]],
    exercise_max: Mapping[str, float],
    row: StudentRow | None,
    scale: str,
    notes: list[str],
) -> list[str] | None:
    """The row's values within Moodle's range (or None, with a note, when one is out of it)."""
    if row is None or not row.graded:
        return [MOODLE_NO_GRADE] * (len(exercises) + 1)
    values = []
    for ex, title in exercises:
        score, top = row.scores.get(ex, 0.0), exercise_max.get(ex, 0.0)
        if score < 0 or score > top:
            notes.append(
                f"{row.student}: left out, {score:g} points in {title} is outside 0-{top:g}"
            )
            return None
        if scale == "percent":
            values.append(f"{100.0 * score / top:.2f}" if top else MOODLE_NO_GRADE)
        else:
            values.append(_number(score))
    if not 0.0 <= row.percent <= 100.0:
        notes.append(f"{row.student}: left out, a total of {row.percent:.2f}% is outside 0-100")
        return None
    return [*values, f"{row.percent:.2f}"]


def _number(value: float) -> str:
    return f"{value:g}"
