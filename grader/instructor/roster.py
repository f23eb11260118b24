"""The class roster (`--roster CSV`): who should have handed something in, and their names."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError

ID_COLUMNS = ("student", "id", "student id", "sis login id", "login", "username", "email")
NAME_COLUMNS = ("name", "student name", "full name")


@dataclass(frozen=True)
class Roster:
    """Student id -> name (None when the roster has no name column)."""

    names: dict[str, str | None]


def read_roster(path: Path) -> Roster:
    """Read a roster CSV with a header row. The id column is the first called student, id,
    sis login id, login, username or email (else the first column); a name column is optional."""
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
    name_col = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    names: dict[str, str | None] = {}
    for row in rows[1:]:
        if len(row) <= id_col or not row[id_col].strip():
            continue
        name = row[name_col].strip() if name_col is not None and len(row) > name_col else None
        names[row[id_col].strip()] = name or None
    if not names:
        raise UsageError(f"--roster {path} lists no students under its {rows[0][id_col]!r} column")
    return Roster(names)
