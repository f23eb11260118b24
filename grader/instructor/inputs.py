"""Finding submissions in what an instructor collected: reports, folders laid out like
exercises/, folders of those (one per student) and zips of any of them, as an LMS exports them.

Nothing here trusts its input. Zips are unpacked by grader/instructor/unzip.py, with caps on
bytes, members and nesting (a zip bomb stops at the cap and becomes a note), names that would
escape the scratch folder skipped and junk (.DS_Store, __MACOSX) passed over, as are stray files.
A student's exercise files are chosen by grader/instructor/handin.py, by the rules the Gradescope
autograder follows too. Every problem becomes a note on the submission or on the batch, never an
exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError
from grader.instructor.flags import INPUT, NO_SUBMISSION, UNREADABLE
from grader.instructor.handin import (
    FILE,
    MAX_FILE_BYTES,
    ZIP,
    Located,
    entries,
    exercise_names,
    locate,
)
from grader.instructor.unzip import Budget, ZipCaps, short, unzip
from grader.manifest import Course

REPORT_NAME = "grade-report.json"
MAX_REPORT_BYTES = 8 * 1024 * 1024  # a course report is under 200 KB
MAX_SOURCE_BYTES = MAX_FILE_BYTES  # the locator passes over larger files named like an exercise


@dataclass
class HandIn:
    """One student's work as found: a report (with its embedded sources) or loose exercise files."""

    name: str  # student id from the file or folder name; the report's own id wins later
    origin: str  # where it was found, for people
    kind: str  # "report" or "folder"
    raw: bytes | None = None  # a report's bytes, parsed (and checked) by verify
    sources: dict[str, str] = field(default_factory=dict)  # exercise id -> text (folders)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (flag kind, detail)


def iter_submissions(
    paths: list[Path],
    course: Course,
    scratch: Path,
    notes: list[str],
    caps: ZipCaps | None = None,
) -> Iterator[HandIn]:
    """The submissions in `paths` (reports, folders, class folders, zips), one at a time; zips
    unpack under `scratch`, and input that holds none becomes a line in `notes`. A path that
    does not exist is a usage error, raised before anything is read."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(
            f"{', '.join(missing)} does not exist; pass reports, folders or zips that do"
        )
    return _walk(paths, _Finder(course, scratch, Budget(caps or ZipCaps()), notes))


def _walk(paths: list[Path], finder: _Finder) -> Iterator[HandIn]:
    for path in paths:
        yield from finder.top(path.resolve(), str(path))


class _Finder:
    def __init__(self, course: Course, scratch: Path, budget: Budget, notes: list[str]) -> None:
        self.course = course
        self.scratch = scratch
        self.budget = budget
        self.notes = notes
        self.names = set(exercise_names(course))  # the stub's names and `<id>.py`

    # --- the three levels: a path given on the command line, a class folder, one student ---

    def top(self, path: Path, shown: str) -> Iterator[HandIn]:
        """A path from the command line: a report, a zip, a student's folder or a class folder."""
        if path.is_file() and path.suffix.lower() == ".json":
            yield self.report(path, shown, _name_of_report(path))
        elif path.is_file() and path.suffix.lower() == ".zip":
            unpacked = self.unzip(path, shown)
            if unpacked is not None:
                yield from self.folder(_single_child(unpacked), shown, _clean_name(path.stem))
        elif path.is_dir():
            yield from self.folder(path, shown, _clean_name(path.name))
        else:
            self.notes.append(f"{shown}: not a report (.json), a folder or a .zip; passed over")

    def folder(self, path: Path, shown: str, name: str) -> Iterator[HandIn]:
        """A folder that is either one student's submission or holds one per student."""
        if self._is_submission(path):
            yield self.student(path, shown, name)
            return
        found = 0
        for child in entries(path):
            where = f"{shown}/{child.name}"
            if child.is_dir():
                found += 1
                yield self.student(child, where, _clean_name(child.name))
            elif child.suffix.lower() == ".json":
                found += 1
                yield self.report(child, where, _name_of_report(child))
            elif child.suffix.lower() == ".zip":
                unpacked = self.unzip(child, where)
                if unpacked is not None:
                    found += 1
                    yield self.student(unpacked, where, _clean_name(child.stem))
            else:
                self.notes.append(f"{where}: not a report, folder or zip; passed over")
        if not found:
            self.notes.append(f"{shown}: holds no submission (no report, folder or zip)")

    def student(self, path: Path, shown: str, name: str) -> HandIn:
        """One student's folder: their report if there is one (zips in the folder included),
        else their exercise files, chosen as the Gradescope autograder chooses them."""
        located = locate(self.course, path, self.scratch, self.budget, depth=1, reports=True)
        self.notes.extend(f"{shown}/{note}" for note in located.notes_about(ZIP))
        if located.reports:
            chosen = min(
                located.reports,
                key=lambda c: (REPORT_NAME not in c.path.name, len(c.folders), c.shown),
            )
            submission = self.report(chosen.path, f"{shown}/{chosen.shown}", name)
            if len(located.reports) > 1:
                submission.problems.append(
                    (INPUT, f"{len(located.reports)} reports in {shown}; graded {chosen.path.name}")
                )
            return submission
        if located.files or located.notes_about(FILE):
            return self.loose_files(located, shown, name)
        return HandIn(
            name,
            shown,
            "folder",
            problems=[(NO_SUBMISSION, f"{shown} holds no {REPORT_NAME} and no exercise file")],
        )

    # --- reading what was found ---

    def report(self, path: Path, shown: str, name: str) -> HandIn:
        """A report file's bytes (verify parses and checks them)."""
        submission = HandIn(name, shown, "report")
        try:
            size = path.stat().st_size
            if size > MAX_REPORT_BYTES:
                raise ValueError(f"{size // 1024} KiB is far larger than any report")
            submission.raw = path.read_bytes()
        except (OSError, ValueError) as exc:
            submission.problems.append(
                (UNREADABLE, f"{shown} is not a readable report: {short(exc)}")
            )
        return submission

    def loose_files(self, located: Located, shown: str, name: str) -> HandIn:
        """Exercise files handed in as they are (no report); a file passed over (too large) is
        a problem. Several copies or a renamed file are not: a whole course folder has a copy in
        solutions/ of every exercise, and the choice is the one Gradescope's autograder makes."""
        submission = HandIn(name, shown, "folder")
        for about, note in located.log:
            if about == FILE:
                submission.problems.append((UNREADABLE, f"{shown}: {note}"))
        for ex_id, chosen in located.files.items():
            try:
                if chosen.path.stat().st_size > MAX_SOURCE_BYTES:
                    raise ValueError("larger than 1 MiB")
                submission.sources[ex_id] = chosen.path.read_bytes().decode("utf-8")
            except (OSError, ValueError) as exc:
                submission.problems.append(
                    (UNREADABLE, f"{shown}/{chosen.shown} is not readable UTF-8 text: {short(exc)}")
                )
        return submission

    def unzip(self, path: Path, shown: str) -> Path | None:
        """Unpack a zip under scratch within the caps; None (and a note) when it cannot be."""
        unpacked = unzip(path, shown, self.scratch, self.budget)
        if unpacked.note is not None:
            self.notes.append(unpacked.note)
        return unpacked.folder

    def _is_submission(self, path: Path) -> bool:
        names = {child.name for child in entries(path)}
        return (
            bool(names & self.names)
            or REPORT_NAME in names
            or (
                (path / "exercises").is_dir()
                and any((path / "exercises" / f).is_file() for f in self.names)
            )
        )


def _single_child(folder: Path) -> Path:
    """A zip that holds one folder and nothing else stands for that folder."""
    children = entries(folder)
    return children[0] if len(children) == 1 and children[0].is_dir() else folder


def _name_of_report(path: Path) -> str:
    """Student id of a report file with none inside: its name, or its folder's for grade-report.json."""
    if path.name == REPORT_NAME:
        return _clean_name(path.parent.name)
    stem = re.sub(r"[-_. ]*grade[-_]report$", "", path.stem)  # Canvas: alice_123_456_grade-report
    return _clean_name(stem or path.stem)


def _clean_name(name: str) -> str:
    return name.strip() or "unnamed"
