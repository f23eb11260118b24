"""Faithful Python ports of the header and row rules of Canvas's and Moodle's CSV grade importers,
so that the tests can ask what each importer would do with a file `grade export` wrote.

Read from the platforms' own source (stored snapshots; no live Canvas or Moodle was run):

- Canvas: instructure/canvas-lms `app/models/gradebook_importer.rb` (class GradebookImporter, the
  version with Integration ID and custom columns), `app/models/assignment.rb`
  (`Assignment.title_and_id`) and, for the layout of an export, `lib/gradebook_exporter.rb`
  (`GradebookExporter#csv_data`).
- Moodle: moodle/moodle `grade/import/csv/classes/load_data.php` (class
  gradeimport_csv_load_data), `lib/csvlib.class.php` (`csv_import_reader::load_csv_content`),
  `grade/import/grade_import_form.php` (`grade_import_mapping_form`: which user fields a column
  may be mapped to) and `lib/grade/grade_item.php` (a new grade item's default `grademax` of 100).

Each rule is cited next to its port. What a port cannot know (the course's users and grade items)
is passed in: `CanvasUser` and `MoodleUser` lists, built by the tests from the rosters they made.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------
# Canvas
# ---------------------------------------------------------------------------------------------

# GradebookImporter::NON_ASSIGNMENT_COLUMN_HEADERS, joined into one unanchored regexp by
# strip_non_assignment_columns (so "Unposted Final Score" matches too).
CANVAS_NON_ASSIGNMENT = re.compile(
    "Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
    "Override Score|Override Grade|Override Status"
)


@dataclass(frozen=True)
class CanvasUser:
    """A student of the Canvas course: Canvas's user id, names and pseudonym (login) ids."""

    id: int
    name: str  # "Alice Smith"
    sortable_name: str  # "Smith, Alice"
    sis_user_id: str | None = None
    login: str | None = None  # the pseudonym's unique_id, exported as SIS Login ID


@dataclass
class CanvasImport:
    """What GradebookImporter#parse! would make of a file."""

    error: str | None = None  # "Invalid header row" (the progress's message), a CSV error...
    assignments: list[tuple[str, str | None]] = field(default_factory=list)  # new: title, points
    ignored_columns: list[str] = field(default_factory=list)  # non-assignment columns
    matched: dict[int, dict[str, str | None]] = field(default_factory=dict)  # user id -> grades
    unmatched: list[str] = field(default_factory=list)  # rows of no student (new User records)
    problems: list[str] = field(default_factory=list)  # what the instructor would have to resolve

    @property
    def accepted(self) -> bool:
        """Imported as it is: a valid header, every row a student of the course, every new
        assignment with its points possible, no two columns of one title."""
        return self.error is None and not self.unmatched and not self.problems


def _canvas_delimiter(lines: list[str]) -> str:
    # identify_delimiter / semicolon_delimited?: ";" only if its field count over the first three
    # lines is consistent and larger than that of ",".
    counts = {}
    for sep in (";", ","):
        counts[sep] = 0
        try:
            sizes = [len(next(csv.reader([line], delimiter=sep), [])) for line in lines]
        except csv.Error:
            continue
        if len(set(sizes)) == 1:
            counts[sep] = sizes[0]
    return ";" if counts[";"] > counts[","] else ","


def _decimal_comma_to_period(value: str | None) -> str | None:
    # CSV::Converters[:decimal_comma_to_period]: a pure number or percentage gets "." decimals.
    if value is None or not re.fullmatch(r"-?[0-9.,]+%?", value):
        return value
    parts = re.split(r"[,.]", value)
    last = parts.pop()
    return last if not parts else "".join(parts) + "." + last


def _canvas_rows(text: str) -> list[list[str | None]]:
    # csv_stream: CSV.foreach with converters [:nil, :decimal_comma_to_period] and
    # skip_lines /^[;, ]+$/. Ruby's CSV gives nil for an empty unquoted field and "" for "".
    # Python's csv cannot tell those apart; both read as "" here, and every rule below treats
    # nil and "" alike (`present?`, `compact`, `&.strip`).
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    delimiter = _canvas_delimiter(lines[:3])
    kept = "\n".join(line for line in lines if not re.fullmatch(r"[;, ]+", line))
    rows = csv.reader(io.StringIO(kept), delimiter=delimiter, strict=True)
    return [[_decimal_comma_to_period(cell) for cell in row] for row in rows]


def _title_and_id(header: str) -> tuple[str, str | None]:
    # Assignment.title_and_id: "Title (123)" names the existing assignment 123.
    match = re.fullmatch(r"(.*)\s\((\d+)\)", header, re.S)
    return (match[1], match[2]) if match else (header, None)


def _ruby_to_i(value: str | None) -> int:
    # String#to_i: the leading integer, 0 if none.
    match = re.match(r"\s*([+-]?\d+)", value or "")
    return int(match[1]) if match else 0


def canvas_import(
    text: str, students: list[CanvasUser], assignments: dict[int, str] | None = None
) -> CanvasImport:
    """What Canvas's gradebook import would do with `text` in a course of `students` and
    `assignments` (assignment id -> title; none by default: every column is a new one)."""
    result = CanvasImport()
    existing = assignments or {}
    try:
        rows = _canvas_rows(text)
    except csv.Error as exc:
        # GradebookImporter.create_from rescues CSV::MalformedCSVError: the job fails.
        result.error = f"Gradebook import did not parse cleanly ({exc})"
        return result
    if not rows:
        result.error = "Invalid header row"
        return result
    header = rows[0]
    # header? -> row_has_student_headers?: more than 3 cells, row[0] includes "Student", row[1]
    # includes "ID" (the LastName/FirstName variant needs an account setting: not ported).
    if not (len(header) > 3 and "Student" in (header[0] or "") and "ID" in (header[1] or "")):
        result.error = "Invalid header row"
        return result
    # update_column_count: 3 columns (name, ID, Section), +1 when row[2] is SIS Login ID, else +2
    # when row[2] is SIS User ID and row[3] SIS Login ID, +1 more for an Integration ID after
    # them, +1 for a Root Account after that.
    student_columns = 3
    sis_user_col = sis_login_col = None

    def cell(row: list[str | None], i: int) -> str:
        return (row[i] or "") if i < len(row) else ""

    if re.search(r"SIS\s+Login\s+ID", cell(header, 2)):
        sis_login_col = 2
        student_columns += 1
    elif re.search(r"SIS\s+User\s+ID", cell(header, 2)) and re.search(
        r"SIS\s+Login\s+ID", cell(header, 3)
    ):
        extra = 1 if re.search(r"Integration\s+ID", cell(header, 4)) else 0
        sis_user_col, sis_login_col = 2, 3
        student_columns += 2 + extra
        if re.search(r"Root\s+Account", cell(header, 4 + extra)):
            student_columns += 1
    # last_student_info_column(row).include?("Section"), else InvalidHeaderRow.
    if "Section" not in cell(header, student_columns - 1):
        result.error = "Invalid header row"
        return result
    # strip_non_assignment_columns: drop the student columns, then every non-assignment column.
    assignment_headers = []
    for title in header[student_columns:]:
        if CANVAS_NON_ASSIGNMENT.search(title or ""):
            result.ignored_columns.append(title or "")
        else:
            assignment_headers.append(title or "")
    # parse_assignments + calc_assignment_indices: an existing assignment by "(id)" or by exact
    # title, else a new one; its column is original_header_row.index(header_name), the FIRST
    # column of that name (two columns of one title both read the first).
    columns: list[tuple[str, int, bool]] = []  # title, column, new
    for name in assignment_headers:
        title, ident = _title_and_id(name)
        known = (ident is not None and int(ident) in existing) or name in existing.values()
        columns.append((title, header.index(name), not known))
        if assignment_headers.count(name) > 1 and name not in {p for p in result.problems}:
            result.problems.append(f"two columns are titled {name!r}: both read the first")
    points: dict[int, str | None] = {i: None for _, i, _ in columns}
    by_id = {s.id: s for s in students}
    by_sis = {s.sis_user_id: s for s in students if s.sis_user_id}
    by_login = {s.login: s for s in students if s.login}
    for row in rows[1:]:
        first = cell(row, 0)
        # check_for_non_student_row: the Points Possible row (process_pp), and a row of nothing
        # but "Muted" / "Manual Posting" / blanks, are no students.
        if "Points Possible" in first:
            for _, i, _ in columns:
                if cell(row, i):
                    points[i] = cell(row, i)
            continue
        if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c or "", re.I) for c in row):
            continue
        # process_student: by ID (to_i), else SIS User ID, else SIS Login ID (pseudonyms of the
        # course's students), else by name or sortable name; else a new User (a missing student).
        student = by_id.get(_ruby_to_i(cell(row, 1))) if cell(row, 1) else None
        if student is None and sis_user_col is not None and cell(row, sis_user_col):
            student = by_sis.get(cell(row, sis_user_col))
        if student is None and sis_login_col is not None and cell(row, sis_login_col):
            student = by_login.get(cell(row, sis_login_col))
        if student is None:
            student = next((s for s in students if first in (s.name, s.sortable_name)), None)
        if student is None:
            result.unmatched.append(first)
            continue
        # process_submissions: grade = row[assignment_index]&.strip.
        grades = {
            title: (row[i] or "").strip() if i < len(row) else None for title, i, _ in columns
        }
        if student.id in result.matched:
            result.problems.append(f"{first!r} is a second row of user {student.id}")
        result.matched[student.id] = grades
    for title, i, new in columns:
        # readonly_assignment?: a Points Possible cell saying "read only" keeps the column out.
        if points[i] and re.search(r"read\s+only", points[i] or ""):
            result.ignored_columns.append(title)
            continue
        if new:
            result.assignments.append((title, points[i]))
            # process_pp is the only place a new assignment's points possible come from.
            if points[i] is None:
                result.problems.append(f"new assignment {title!r} has no points possible")
    return result


# ---------------------------------------------------------------------------------------------
# Moodle
# ---------------------------------------------------------------------------------------------

# grade_import_mapping_form: the user fields a column may be mapped to (mapto), with the user
# table's field each one reads (load_data.php, map_user_data_with_value's $userfields).
MOODLE_USER_FIELDS = {
    "userid": "id",
    "useridnumber": "idnumber",
    "useremail": "email",
    "username": "username",
}


@dataclass(frozen=True)
class MoodleUser:
    """A user of the Moodle site (check_user_exists looks in the whole user table)."""

    id: int
    username: str
    email: str
    idnumber: str = ""
    firstname: str = ""
    lastname: str = ""


@dataclass
class MoodleImport:
    """What gradeimport_csv_load_data would do: the first error stops the import (Moodle rolls
    every row back with import_cleanup), else the grades it buffers, by user id."""

    error: str | None = None
    grades: dict[int, dict[str, float | None]] = field(default_factory=dict)
    new_items: list[str] = field(default_factory=list)
    clamped: list[str] = field(default_factory=list)  # values update_final_grade would bound
    repeated: list[int] = field(default_factory=list)  # users given more than one row

    @property
    def accepted(self) -> bool:
        """Imported as it is: no error, and no value Moodle would silently change."""
        return self.error is None and not self.clamped and not self.repeated


def _php_is_numeric(value: str) -> bool:
    return re.fullmatch(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*", value) is not None


def moodle_import(
    text: str,
    users: list[MoodleUser],
    identity: tuple[str, str],
    mapping: dict[str, str | int],
    items: dict[int, float] | None = None,
    unlimitedgrades: bool = False,
    gradepointmax: float = 100.0,
) -> MoodleImport:
    """What Moodle's CSV grade import would do with `text` (comma-separated, UTF-8): `identity`
    is (column, mapto) chosen under *Identify user*; `mapping` column -> "new" (new grade item) or
    the id of an existing grade item in `items` (id -> its grademax); other columns are ignored."""
    result = MoodleImport()
    # csv_import_reader::load_csv_content: UTF-8 BOM trimmed, newlines normalised, rows read
    # with fgetcsv (a row of one empty cell is skipped), and any row whose cell count differs
    # from the header's stops the load: csvweirdcolumns.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    rows = [r for r in csv.reader(io.StringIO(text)) if r != [] and r != [""]]
    if not rows:
        result.error = "csvemptyfile"
        return result
    if any(len(r) != len(rows[0]) for r in rows):
        result.error = "csvweirdcolumns"
        return result
    # trim_headers: each header trimmed.
    header = [h.strip() for h in rows[0]]
    column, mapto = identity
    if column not in header:
        result.error = f"no column {column!r} to identify users by"
        return result
    if mapto not in MOODLE_USER_FIELDS:
        result.error = f"cannot map a column to {mapto!r}"
        return result
    # prepare_import_grade_data: $map[i] = mapping_i, then $map[mapfrom] = mapto.
    mapped: dict[int, str] = {i: str(mapping.get(h, "0")) for i, h in enumerate(header)}
    mapped[header.index(column)] = mapto
    # "Check for mapto collisions": `if ($j == 0) continue;` then a value seen twice is fatal
    # (print_error cannotmapfield). Under PHP 8, "new" == 0 is false, so two columns mapped to
    # "new grade item" collide as two mapped to one grade item do.
    seen: set[str] = set()
    for target in mapped.values():
        if target == "0":
            continue
        if target in seen:
            result.error = f"cannotmapfield: {target}"
            return result
        seen.add(target)
    # A header equal to get_string('timeexported', 'gradeexport_txt') turns on the exported-date
    # check against grades already graded; a file we write must not carry it.
    if "Last downloaded from this course" in header:
        result.error = "carries 'Last downloaded from this course': the exported-date check applies"
        return result
    maximum = gradepointmax if unlimitedgrades else 100.0  # insert_grade_record
    field_name = MOODLE_USER_FIELDS[mapto]
    studentid: int | None = None  # NOT reset per row: a blank identity keeps the row before's
    for line in rows[1:]:
        if len(line) <= 1:
            continue  # "There is no data on this line, move on."
        grades: dict[str, float | None] = {}
        for key, raw in enumerate(line):
            value = raw.strip()  # clean_param(PARAM_RAW) then trim
            target = mapped[key]
            if target in MOODLE_USER_FIELDS:
                # map_user_data_with_value: "Skip invalid row with blank user field" (PHP's
                # empty(): "" and "0"), else check_user_exists: the first user whose field
                # equals the value (get_record), or the whole import stops: usermappingerror.
                if value not in ("", "0"):
                    user = next((u for u in users if str(getattr(u, field_name)) == value), None)
                    if user is None:
                        result.error = f"usermappingerror: {field_name} {value!r}"
                        return result
                    studentid = user.id
            elif target == "new":
                # import_new_grade_item: a value other than "-" is the grade as written.
                if header[key] not in result.new_items:
                    result.new_items.append(header[key])
                if value != "-":
                    if not _php_is_numeric(value):
                        # PHP 8 then compares the string with 100 as strings; Moodle stores it.
                        result.error = f"non-numeric grade {value!r} for a new grade item"
                        return result
                    grades[header[key]] = float(value)
            elif target != "0":
                # update_grade_item: "" or "-" is no grade; else unformat_float or badgrade.
                if value in ("", "-"):
                    grades[header[key]] = None
                elif not _php_is_numeric(value):
                    result.error = f"badgrade: {value!r}"
                    return result
                else:
                    grades[header[key]] = float(value)
        # "No user mapping supplied at all, or user mapping failed": usermappingerrorusernotfound.
        if studentid is None:
            result.error = "usermappingerrorusernotfound"
            return result
        for name, grade in grades.items():
            # insert_grade_record: a final grade above $gradepointmaximum stops the import.
            if grade is not None and grade > maximum:
                result.error = f"gradevaluetoobig: {grade:g} > {maximum:g}"
                return result
            # grade_item::update_final_grade bounds a grade to the item's [grademin, grademax]:
            # a new item's grademax is 100 (grade_item's default); an existing one's its own.
            target = mapped[header.index(name)]
            top = 100.0 if target == "new" else (items or {}).get(int(target), 100.0)
            if grade is not None and not 0.0 <= grade <= top:
                result.clamped.append(f"{name}: {grade:g} outside 0-{top:g}")
        if studentid in result.grades:
            # Both rows are buffered in grade_import_values; which one wins is not the file's say.
            result.repeated.append(studentid)
        result.grades.setdefault(studentid, {}).update(grades)
    return result
