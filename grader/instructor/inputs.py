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

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError
from grader.instructor.deadlines import report_time
from grader.instructor.flags import INPUT, NO_SUBMISSION, UNREADABLE
from grader.instructor.handin import (
    FILE,
    MAX_FILE_BYTES,
    ZIP,
    Located,
    entries,
    exercise_names,
    is_report,
    locate,
)
from grader.instructor.lms_names import CanvasFile, LmsIdentity, canvas_file, moodle_folder
from grader.instructor.unzip import Budget, ZipCaps, open_regular, short, unzip, visible
from grader.manifest import Course

REPORT_NAME = "grade-report.json"
MAX_REPORT_BYTES = 8 * 1024 * 1024  # a course report is under 200 KB
MAX_SOURCE_BYTES = MAX_FILE_BYTES  # the locator passes over larger files named like an exercise
MAX_COPY_BYTES = 64 << 20  # of one file of a Canvas download that cannot be linked (a zip, say)


@dataclass
class HandIn:
    """One student's work as found: a report (with its embedded sources) or loose exercise files."""

    name: str  # student id from the file or folder name; the report's own id wins later
    origin: str  # where it was found, for people
    kind: str  # "report" or "folder"
    raw: bytes | None = None  # a report's bytes, parsed (and checked) by verify
    sources: dict[str, str] = field(default_factory=dict)  # exercise id -> text (folders)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (flag kind, detail)
    lms: LmsIdentity | None = None  # who the LMS's download says handed it in


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
        yield from finder.top(path.resolve(), visible(str(path)))


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
        """A folder that is either one student's submission or holds one per student: folders,
        reports and zips named by their student, or files as an LMS's download names them."""
        if self._is_submission(path):
            yield self.student(path, shown, name)
            return
        found = 0
        canvas: dict[str, list[tuple[CanvasFile, Path]]] = {}
        for child in entries(path):
            where = f"{shown}/{visible(child.name)}"
            renamed = canvas_file(child.name) if child.is_file() else None
            moodle = moodle_folder(child.name) if child.is_dir() else None
            if renamed is not None:
                canvas.setdefault(renamed.identity.id, []).append((renamed, child))
            elif moodle is not None and moodle[1] != "file":
                self.notes.append(f"{where}: Moodle's {moodle[1]} hand-in, not files; passed over")
            elif child.is_dir():
                found += 1
                student = self.student(child, where, _clean_name(child.name))
                student.lms = moodle[0] if moodle else None
                yield student
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
        for files in canvas.values():
            found += 1
            yield self.canvas_student(files, shown)
        if not found:
            self.notes.append(f"{shown}: holds no submission (no report, folder or zip)")

    def canvas_student(self, files: list[tuple[CanvasFile, Path]], shown: str) -> HandIn:
        """One student's files from a Canvas download, under the names they gave them (the
        latest resubmission of each name), graded as that student's folder."""
        identity = files[0][0].identity
        late = any(f.identity.late for f, _ in files)
        identity = LmsIdentity(identity.lms, identity.id, identity.name, late)
        folder = self.scratch / "canvas" / identity.id
        folder.mkdir(parents=True, exist_ok=True)
        latest: dict[str, tuple[CanvasFile, Path]] = {}
        for renamed, path in sorted(files, key=lambda fp: (fp[0].resubmission, fp[0].attachment)):
            latest[renamed.original] = (renamed, path)
        older = len(files) - len(latest)
        for original, (_, path) in latest.items():
            if not _worth_copying(original):
                continue
            try:
                _link_or_copy(path, folder / original)
            except OSError as exc:
                self.notes.append(f"{shown}/{visible(path.name)}: not read: {short(exc)}")
        where = f"{shown}/{identity.label}_*"
        student = self.student(folder, where, identity.label)
        student.lms = identity
        if older:
            student.problems.append(
                (
                    INPUT,
                    f"{older} earlier resubmission(s) in {shown} passed over; graded the latest",
                )
            )
        return student

    def student(self, path: Path, shown: str, name: str) -> HandIn:
        """One student's folder: their report if there is one (zips in the folder included),
        else their exercise files, chosen as the Gradescope autograder chooses them."""
        located = locate(self.course, path, self.scratch, self.budget, depth=1, reports=True)
        self.notes.extend(f"{shown}/{note}" for note in located.notes_about(ZIP))
        if located.reports:
            # The latest report (by the time it says it was made) wins, then the best placed.
            chosen = min(
                located.reports,
                key=lambda c: (
                    latest_first(_created(c.path)) if len(located.reports) > 1 else (False, 0.0),
                    REPORT_NAME not in c.path.name,
                    len(c.folders),
                    c.shown,
                ),
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
        """A report file's bytes (verify parses and checks them). Only a regular file is read
        (a named pipe would block the collect forever), and at most MAX_REPORT_BYTES of it;
        `shown` becomes valid text (a byte of a name that is not UTF-8 shown as `\\xe9`)."""
        shown = visible(shown)
        submission = HandIn(name, shown, "report")
        try:
            with open_regular(path) as handle:
                data = handle.read(MAX_REPORT_BYTES + 1)
            if len(data) > MAX_REPORT_BYTES:
                raise ValueError(f"over {MAX_REPORT_BYTES // 1024} KiB, far larger than any report")
            submission.raw = data
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


def _worth_copying(name: str) -> bool:
    """Files of a Canvas download that a hand-in's search would look at."""
    lower = name.lower()
    return lower.endswith((".py", ".zip")) or is_report(lower)


def _link_or_copy(source: Path, dest: Path) -> None:
    """Put `source` at `dest` (a hard link where it can be, else a copy of at most the largest
    file a hand-in's search reads), never following a symbolic link."""
    if source.is_symlink() or not source.is_file():
        raise OSError(f"{source.name} is not a regular file")
    try:
        os.link(source, dest)
        return
    except OSError:
        pass
    with open_regular(source) as src, dest.open("wb") as out:
        out.write(src.read(MAX_COPY_BYTES))


def _created(path: Path) -> str:
    """The `created` time a report file states ("" when it states none or cannot be read)."""
    try:
        with open_regular(path) as handle:
            data = json.loads(handle.read(MAX_REPORT_BYTES))
    except (OSError, ValueError, RecursionError):
        return ""
    created = data.get("created") if isinstance(data, dict) else None
    return created if isinstance(created, str) else ""


def latest_first(created: str | None) -> tuple[bool, float]:
    """A sort key over reports' `created` times that puts the latest first and "no time" (or
    no time that parses) last."""
    when = report_time(created)
    return (when is None, -when.timestamp() if when is not None else 0.0)


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
    """A student id from a file or folder name, as valid text: a byte that is not UTF-8 (Python
    carries it as a lone surrogate, which SQLite and grades.csv cannot hold) shown as `\\xe9`."""
    return visible(name).strip() or "unnamed"
