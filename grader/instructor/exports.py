"""What a collect leaves in --out-dir besides the gradebook: grades.csv for the LMS, checks.csv,
reports/<student>.json and summary.html. Every file is written atomically: a reader (or an
interrupted run) sees the old file or the new one, never half of one. The per-student files are
written a row at a time from the gradebook (a ClassRows, while the collect runs), so their size
costs no memory; the rest comes from the collect's ClassResult."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from grader.errors import ReportError
from grader.files import atomic_file
from grader.instructor.summary import write_summary

if TYPE_CHECKING:
    from grader.instructor.model import ClassResult, ClassRows

TOTAL_COLUMN = "MLX course total"


# The class's outputs carry every student's grades: new ones are for the instructor alone.
OUTPUT_MODE = 0o600


def write_output(path: Path, data: bytes, sync: bool = True) -> None:
    """Replace the class output `path` with `data` in one step (`sync`: on disk first, too)."""
    with _output_file(path, sync) as handle:
        handle.write(data)


@contextmanager
def _output_file(path: Path, sync: bool = True) -> Iterator[BinaryIO]:
    try:
        with atomic_file(path, sync=sync, new_mode=OUTPUT_MODE) as handle:
            yield handle
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror}; pick another --out-dir") from exc


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A class output written atomically as UTF-8 text, newlines written as given."""
    with _output_file(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        try:
            yield text
            text.flush()
        finally:
            text.detach()  # atomic_file closes the file


def write_grades_csv(result: ClassResult, rows: ClassRows, out: TextIO) -> None:
    """One row per student: name, id, one column per exercise, total, maximum, percent, flags.

    The student id sits in a column named `SIS Login ID`, which Canvas matches students on (with
    a Canvas export as the roster, its ID, SIS User ID and Section columns come along too);
    Moodle maps any column to a user field when importing."""
    exercises = result.course.exercises
    roster = rows.roster
    extra = roster.extra_columns if roster else ()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "Student",
            *extra,
            "SIS Login ID",
            *(f"{i:02d} {ex.title}" for i, ex in enumerate(exercises, 1)),
            TOTAL_COLUMN,
            "Maximum",
            "Percent",
            "Flags",
        ]  # fmt: skip
    )
    for row in rows.rows():
        carried = (roster.extra or {}).get(row.student, {}) if roster else {}
        writer.writerow(
            [
                _cell(row.name or row.student),
                *(_cell(carried.get(column, "")) for column in extra),
                _cell(row.student),
                *(
                    _number(row.scores[ex.id]) if ex.id in row.scores else (0 if row.graded else "")
                    for ex in exercises
                ),
                _number(row.total) if row.graded else "",
                _number(row.maximum),
                f"{row.percent:.1f}" if row.graded else "",
                _cell("; ".join(sorted({kind for kind, _ in row.flags}))),
            ]
        )


def write_checks_csv(result: ClassResult, out: TextIO) -> None:
    """One row per check: pass rate, mean points, discrimination and flags."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "exercise",
            "check",
            "hidden",
            "points",
            "students",
            "pass_rate",
            "mean_points",
            "discrimination",
            "flags",
        ]
    )
    for s in result.checks:
        writer.writerow(
            [
                s.exercise, s.name, int(s.hidden), _number(s.points), s.students,
                "" if s.pass_rate is None else f"{s.pass_rate:.3f}",
                "" if s.mean_points is None else f"{s.mean_points:.3f}",
                "" if s.discrimination is None else f"{s.discrimination:.3f}",
                "; ".join(s.flags),
            ]
        )  # fmt: skip


def report_base(student: str) -> str:
    """A safe file name (no extension) for a student's verified report; the collect adds -2,
    -3... where two students' names would clash (case-insensitively)."""
    return re.sub(r"[^A-Za-z0-9._@+-]", "_", student).lstrip(".")[:100] or "student"


def write_exports(result: ClassResult, rows: ClassRows) -> None:
    """Write grades.csv, checks.csv and summary.html into the result's out-dir, the students'
    lines streamed from `rows` (the collect writes each verified report as it assembles it)."""
    out = result.out_dir
    with atomic_text(out / "grades.csv") as handle:
        write_grades_csv(result, rows, handle)
    with atomic_text(out / "checks.csv") as handle:
        write_checks_csv(result, handle)
    with atomic_text(out / "summary.html") as handle:
        write_summary(result, rows, handle)


def _number(value: float) -> str:
    return f"{value:g}"


def _cell(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
