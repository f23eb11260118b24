"""The class roster (`--roster CSV`): who should have handed something in, their names, and the
ids an LMS knows them by.

Three layouts are read:

- a **Canvas gradebook export** (*Grades*, *Export*; `GradebookExporter#csv_data` in
  instructure/canvas-lms `lib/gradebook_exporter.rb`): `Student,ID,[SIS User ID,]SIS Login ID,
  [Integration ID,][Root Account,]Section,<assignments...>`, then a `    Points Possible` row (and
  maybe a `Manual Posting` row), one row per student, and Canvas's test student (`Student, Test`)
  last. The student id is the SIS Login ID, else Canvas's own user id (`ID`);
- a **Moodle grades export** (*Grades*, *Export*, as a text file; `grade_export` in moodle/moodle
  `grade/export/lib.php`): `First name,Last name,ID number,Institution,Department,Email address,
  <grade items...>,Last downloaded from this course`. The student id is the email address, else
  the ID number: the ID number is often blank (sites fill it only from a student record system)
  and the export carries no username, so the email is the one field every row has; Moodle's CSV
  import then identifies users by mapping that column to *Email address*;
- any other CSV with a header row: the student id is the first of ID_COLUMNS it has (else its
  first column), the name the first of NAME_COLUMNS.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError

# The student id is the first of these columns a generic roster has (else its first column).
ID_COLUMNS = (
    "sis login id",
    "login id",
    "login",
    "username",
    "student id",
    "student",
    "id",
    "email",
)
NAME_COLUMNS = ("name", "full name", "student name", "student")
# Other columns of a generic roster that a student may type as `--student`.
CLAIM_COLUMNS = (
    "sis user id",
    "login",
    "username",
    "student id",
    "id number",
    "email",
    "email address",
)
# Columns of a Canvas export carried into grades.csv, so that Canvas matches its students.
CANVAS_COLUMNS = ("ID", "SIS User ID", "Section")
CANVAS_TEST_STUDENT = "Student, Test"  # the sortable name of Canvas's "Test Student"
MOODLE_LAST_NAME = ("last name", "surname")  # the column's name differs between versions


@dataclass(frozen=True)
class Person:
    """One roster row: the student id and every other id the LMS has for them ("" if none)."""

    student: str
    name: str | None
    canvas_id: str = ""  # Canvas's user id (the export's ID column)
    sis_user_id: str = ""
    login: str = ""  # Canvas's SIS Login ID, a generic roster's login or username
    section: str = ""
    email: str = ""
    id_number: str = ""  # Moodle's ID number
    first_name: str = ""  # Moodle's First name and Last name
    last_name: str = ""
    full_names: tuple[str, ...] = ()  # how the LMS writes their name in a download

    def claims(self) -> tuple[str, ...]:
        """What this student might type as `--student`."""
        local = self.email.split("@", 1)[0] if "@" in self.email else ""
        ids = (self.student, self.login, self.sis_user_id, self.email, local, self.id_number)
        return tuple(i for i in ids if i)


@dataclass(frozen=True)
class Roster:
    """Student id -> name (None when the roster has no name column), the LMS it came from, and
    the LMS's ids for each student."""

    names: dict[str, str | None]
    extra_columns: tuple[str, ...] = ()
    extra: dict[str, dict[str, str]] | None = None  # student id -> column -> value
    system: str | None = None  # "canvas", "moodle", or None for a generic CSV
    people: tuple[Person, ...] = ()
    _by_canvas: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _by_name: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)
    _by_claim: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for person in self.people:
            if person.canvas_id:
                self._by_canvas.setdefault(person.canvas_id, person.student)
            for name in person.full_names:
                students = self._by_name.setdefault(_name_key(name), [])
                if person.student not in students:
                    students.append(person.student)
            for claim in person.claims():
                self._by_claim.setdefault(claim.casefold(), set()).add(person.student)

    def person(self, student: str) -> Person | None:
        """The roster row of `student`, or None."""
        return next((p for p in self.people if p.student == student), None)

    def for_canvas_user(self, user_id: str) -> str | None:
        """The student whose Canvas user id (the export's ID column) is `user_id`, or None."""
        return self._by_canvas.get(user_id.strip())

    def for_full_name(self, full_name: str) -> list[str]:
        """Every student whose name is `full_name` ("<First> <Last>" as Moodle's download folders
        write it; case and spacing ignored), so that the caller can tell an ambiguous name."""
        return list(self._by_name.get(_name_key(full_name), ()))

    def for_claim(self, text: str) -> str | None:
        """The one student whose login, SIS ids, email (or its local part), ID number or student id
        is `text` (case-insensitively); None when none or several match."""
        students = self._by_claim.get(text.strip().casefold(), set())
        return next(iter(students)) if len(students) == 1 else None


def read_roster(path: Path) -> Roster:
    """Read a roster: a Canvas gradebook export, a Moodle grades export or a generic CSV with a
    header row (see the module's docstring)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read --roster {path} ({exc}); give a UTF-8 CSV file with a header row"
        ) from exc
    rows = _rows(text)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise UsageError(
            f"--roster {path} is empty; give a CSV with a header row and one row per student"
        )
    header = [h.strip().lower() for h in rows[0]]
    if _is_canvas(header):
        roster = _canvas(header, rows[1:])
    elif _is_moodle(header):
        roster = _moodle(header, rows[1:])
    else:
        roster = _generic(header, rows[1:])
    if not roster.names:
        raise UsageError(f"--roster {path} lists no students; give one row per student")
    return roster


def _rows(text: str) -> list[list[str]]:
    """The CSV's rows; the delimiter is the one of `,`, `;` and tab that splits the header into
    the most columns (Canvas and Moodle both export with `;` or tabs in some locales)."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: len(next(csv.reader([first], delimiter=d))))
    return list(csv.reader(text.splitlines(), delimiter=delimiter))


def _is_canvas(header: list[str]) -> bool:
    # The importer's own test (GradebookImporter#row_has_student_headers? and #header?).
    return len(header) > 3 and header[0] == "student" and header[1] == "id" and "section" in header


def _is_moodle(header: list[str]) -> bool:
    return (
        "first name" in header
        and any(c in header for c in MOODLE_LAST_NAME)
        and "email address" in header
    )


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _index(header: list[str], *names: str) -> int | None:
    return next((header.index(n) for n in names if n in header), None)


def _canvas(header: list[str], rows: list[list[str]]) -> Roster:
    col = {c: _index(header, c.lower()) for c in ("ID", "SIS User ID", "SIS Login ID", "Section")}
    carried = tuple(c for c in CANVAS_COLUMNS if col[c] is not None)
    people: list[Person] = []
    for row in rows:
        name = _cell(row, 0)
        # Skipped as the importer skips them (GradebookImporter#check_for_non_student_row): the
        # Points Possible row and a Muted / Manual Posting row; and Canvas's test student.
        if "Points Possible" in name or name == CANVAS_TEST_STUDENT:
            continue
        if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.I) for c in row):
            continue
        canvas_id, login = _cell(row, col["ID"]), _cell(row, col["SIS Login ID"])
        student = login or canvas_id
        if not student:
            continue
        people.append(
            Person(
                student,
                name or None,
                canvas_id=canvas_id,
                sis_user_id=_cell(row, col["SIS User ID"]),
                login=login,
                section=_cell(row, col["Section"]),
                full_names=_canvas_names(name),
            )
        )
    return _roster(people, "canvas", carried)


def _canvas_names(sortable: str) -> tuple[str, ...]:
    """Canvas exports the sortable name ("Last, First"); a download may give "First Last"."""
    if "," not in sortable:
        return (sortable,) if sortable else ()
    last, first = (part.strip() for part in sortable.split(",", 1))
    return (sortable, f"{first} {last}")


def _moodle(header: list[str], rows: list[list[str]]) -> Roster:
    first, last = _index(header, "first name"), _index(header, *MOODLE_LAST_NAME)
    email, id_number = _index(header, "email address"), _index(header, "id number")
    people = []
    for row in rows:
        address, number = _cell(row, email), _cell(row, id_number)
        student = address or number
        if not student:
            continue
        full = " ".join(p for p in (_cell(row, first), _cell(row, last)) if p)
        people.append(
            Person(
                student,
                full or None,
                email=address,
                id_number=number,
                first_name=_cell(row, first),
                last_name=_cell(row, last),
                full_names=(full,) if full else (),
            )
        )
    return _roster(people, "moodle", ())


def _generic(header: list[str], rows: list[list[str]]) -> Roster:
    id_col = next((header.index(c) for c in ID_COLUMNS if c in header), 0)
    name_col = next(
        (header.index(c) for c in NAME_COLUMNS if c in header and header.index(c) != id_col), None
    )
    carried = {c: header.index(c.lower()) for c in CANVAS_COLUMNS if c.lower() in header}
    carried = {c: i for c, i in carried.items() if i not in (id_col, name_col)}
    claim_cols = {c: header.index(c) for c in CLAIM_COLUMNS if c in header}
    people = []
    extra: dict[str, dict[str, str]] = {}
    for row in rows:
        student = _cell(row, id_col)
        if not student:
            continue  # blank lines, and the "Points Possible" row of a Canvas-like export
        name = _cell(row, name_col) or None
        extra[student] = {c: _cell(row, i) for c, i in carried.items()}
        claims = {c: _cell(row, i) for c, i in claim_cols.items()}
        people.append(
            Person(
                student,
                name,
                sis_user_id=claims.get("sis user id", ""),
                login=claims.get("login") or claims.get("username", ""),
                email=claims.get("email") or claims.get("email address", ""),
                id_number=claims.get("id number") or claims.get("student id", ""),
                full_names=(name,) if name else (),
            )
        )
    roster = _roster(people, None, tuple(carried))
    return Roster(roster.names, roster.extra_columns, extra, None, roster.people)


def _roster(people: list[Person], system: str | None, carried: tuple[str, ...]) -> Roster:
    """A roster of `people` (a student id listed twice keeps its first row)."""
    seen: dict[str, Person] = {}
    for person in people:
        seen.setdefault(person.student, person)
    names = {p.student: p.name for p in seen.values()}
    columns = {"ID": "canvas_id", "SIS User ID": "sis_user_id", "Section": "section"}
    extra = {p.student: {c: getattr(p, columns[c]) for c in carried} for p in seen.values()}
    return Roster(names, carried, extra, system, tuple(seen.values()))


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()
