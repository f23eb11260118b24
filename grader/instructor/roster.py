"""The class roster (`--roster CSV`): who should have handed something in, and their names."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError

# The student id is the first of these columns the roster has (else its first column). A Canvas
# gradebook export works as it is: SIS Login ID is the id, Student the name.
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
# Columns of a Canvas export carried into grades.csv, so that Canvas matches its students.
CANVAS_COLUMNS = ("ID", "SIS User ID", "Section")


@dataclass(frozen=True)
class Roster:
    """Student id -> name (None when the roster has no name column), and Canvas's own columns."""

    names: dict[str, str | None]
    extra_columns: tuple[str, ...] = ()
    extra: dict[str, dict[str, str]] | None = None  # student id -> column -> value


def read_roster(path: Path) -> Roster:
    """Read a roster CSV with a header row (see ID_COLUMNS and NAME_COLUMNS)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read --roster {path} ({exc}); give a UTF-8 CSV file with a header row"
        ) from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows or not rows[0]:
        raise UsageError(
            f"--roster {path} is empty; give a CSV with a header row and one row per student"
        )
    header = [h.strip().lower() for h in rows[0]]
    id_col = next((header.index(c) for c in ID_COLUMNS if c in header), 0)
    name_col = next(
        (header.index(c) for c in NAME_COLUMNS if c in header and header.index(c) != id_col), None
    )
    carried = {c: header.index(c.lower()) for c in CANVAS_COLUMNS if c.lower() in header}
    carried = {c: i for c, i in carried.items() if i not in (id_col, name_col)}
    names: dict[str, str | None] = {}
    extra: dict[str, dict[str, str]] = {}
    for row in rows[1:]:
        if len(row) <= id_col or not row[id_col].strip():
            continue  # blank lines, and the "Points Possible" row of a Canvas export
        student = row[id_col].strip()
        name = row[name_col].strip() if name_col is not None and len(row) > name_col else None
        names[student] = name or None
        extra[student] = {c: row[i].strip() if len(row) > i else "" for c, i in carried.items()}
    if not names:
        raise UsageError(f"--roster {path} lists no students under its {rows[0][id_col]!r} column")
    return Roster(names, tuple(carried), extra)
