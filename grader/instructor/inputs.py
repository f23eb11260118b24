"""Finding submissions in what an instructor collected: reports, folders laid out like
exercises/, folders of those (one per student) and zips of any of them, as an LMS exports them.

Nothing here trusts its input. Zips are unpacked with caps on bytes, members and nesting (a zip
bomb stops at the cap and becomes a note), names that would escape the scratch folder are
skipped, and junk (.DS_Store, __MACOSX, stray files) is passed over. Every problem becomes a
note on the submission or on the batch, never an exception.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.errors import UsageError
from grader.instructor.flags import INPUT, NO_SUBMISSION, UNREADABLE
from grader.manifest import Course

REPORT_NAME = "grade-report.json"
MAX_REPORT_BYTES = 8 * 1024 * 1024  # a course report is under 200 KB
MAX_SOURCE_BYTES = 1024 * 1024
MAX_SEARCH_DEPTH = 6  # folders below a student's folder searched for their files
JUNK = {
    "__MACOSX",
    ".DS_Store",
    "Thumbs.db",
    "desktop.ini",
    "__pycache__",
    ".git",
    ".ipynb_checkpoints",
}


@dataclass(frozen=True)
class ZipCaps:
    """Limits on what unpacking the zips of one collect may produce."""

    total_bytes: int = 512 * 1024 * 1024  # over every zip of the run
    member_bytes: int = 16 * 1024 * 1024
    members: int = 20_000  # per zip
    depth: int = 3  # zips inside zips


@dataclass
class HandIn:
    """One student's work as found: a report (with its embedded sources) or loose exercise files."""

    name: str  # student id from the file or folder name; the report's own id wins later
    origin: str  # where it was found, for people
    kind: str  # "report" or "folder"
    raw: bytes | None = None  # a report's bytes, parsed (and checked) by verify
    sources: dict[str, str] = field(default_factory=dict)  # exercise id -> text (folders)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (flag kind, detail)


class _Budget:
    """Bytes still allowed to be unpacked in this run."""

    def __init__(self, caps: ZipCaps) -> None:
        self.caps = caps
        self.left = caps.total_bytes


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
    return _walk(paths, _Finder(course, scratch, _Budget(caps or ZipCaps()), notes))


def _walk(paths: list[Path], finder: _Finder) -> Iterator[HandIn]:
    for path in paths:
        yield from finder.top(path.resolve(), str(path))


class _Finder:
    def __init__(self, course: Course, scratch: Path, budget: _Budget, notes: list[str]) -> None:
        self.course = course
        self.scratch = scratch
        self.budget = budget
        self.notes = notes
        self.files = {ex.file: ex.id for ex in course.exercises}
        self._unpacked = 0

    # --- the three levels: a path given on the command line, a class folder, one student ---

    def top(self, path: Path, shown: str) -> Iterator[HandIn]:
        """A path from the command line: a report, a zip, a student's folder or a class folder."""
        if path.is_file() and path.suffix.lower() == ".json":
            yield self.report(path, shown, _name_of_report(path))
        elif path.is_file() and path.suffix.lower() == ".zip":
            unpacked = self.unzip(path, shown, depth=1)
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
        for child in _children(path):
            where = f"{shown}/{child.name}"
            if child.is_dir():
                found += 1
                yield self.student(child, where, _clean_name(child.name))
            elif child.suffix.lower() == ".json":
                found += 1
                yield self.report(child, where, _name_of_report(child))
            elif child.suffix.lower() == ".zip":
                unpacked = self.unzip(child, where, depth=1)
                if unpacked is not None:
                    found += 1
                    yield self.student(unpacked, where, _clean_name(child.stem))
            else:
                self.notes.append(f"{where}: not a report, folder or zip; passed over")
        if not found:
            self.notes.append(f"{shown}: holds no submission (no report, folder or zip)")

    def student(self, path: Path, shown: str, name: str, depth: int = 1) -> HandIn:
        """One student's folder: their report if there is one, else their exercise files."""
        reports, files, zips = self._search(path)
        if reports:
            chosen = min(reports, key=lambda p: (REPORT_NAME not in p.name, len(p.parts), str(p)))
            where = f"{shown}/{chosen.relative_to(path).as_posix()}"
            submission = self.report(chosen, where, name)
            if len(reports) > 1:
                submission.problems.append(
                    (INPUT, f"{len(reports)} reports in {shown}; graded {chosen.name}")
                )
            return submission
        if files:
            return self.loose_files(files, shown, name)
        if zips and depth < self.budget.caps.depth:
            for inner in sorted(zips):
                unpacked = self.unzip(inner, f"{shown}/{inner.name}", depth=depth + 1)
                if unpacked is not None:
                    return self.student(unpacked, f"{shown}/{inner.name}", name, depth + 1)
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
                (UNREADABLE, f"{shown} is not a readable report: {_short(exc)}")
            )
        return submission

    def loose_files(self, files: dict[str, Path], shown: str, name: str) -> HandIn:
        """Exercise files handed in as they are (no report)."""
        submission = HandIn(name, shown, "folder")
        for ex_id, path in files.items():
            try:
                if path.stat().st_size > MAX_SOURCE_BYTES:
                    raise ValueError("larger than 1 MiB")
                submission.sources[ex_id] = path.read_bytes().decode("utf-8")
            except (OSError, ValueError) as exc:
                submission.problems.append(
                    (UNREADABLE, f"{shown}/{path.name} is not readable UTF-8 text: {_short(exc)}")
                )
        return submission

    def _is_submission(self, path: Path) -> bool:
        names = {child.name for child in _children(path)}
        return (
            bool(names & set(self.files))
            or REPORT_NAME in names
            or (
                (path / "exercises").is_dir()
                and any((path / "exercises" / f).is_file() for f in self.files)
            )
        )

    def _search(self, root: Path) -> tuple[list[Path], dict[str, Path], list[Path]]:
        """Reports, exercise files (shallowest of each, exercises/ preferred) and zips under root."""
        reports: list[Path] = []
        files: dict[str, tuple[tuple[int, int], Path]] = {}
        zips: list[Path] = []
        stack = [(root, 0)]
        while stack:
            folder, level = stack.pop()
            for child in _children(folder):
                if child.is_dir():
                    if level < MAX_SEARCH_DEPTH:
                        stack.append((child, level + 1))
                elif child.suffix.lower() == ".json" and "report" in child.name.lower():
                    reports.append(child)
                elif child.name in self.files:
                    rank = (0 if folder.name == "exercises" else 1, level)
                    ex_id = self.files[child.name]
                    if ex_id not in files or rank < files[ex_id][0]:
                        files[ex_id] = (rank, child)
                elif child.suffix.lower() == ".zip":
                    zips.append(child)
        return reports, {k: v[1] for k, v in files.items()}, zips

    def unzip(self, path: Path, shown: str, depth: int) -> Path | None:
        """Unpack a zip under scratch within the caps; None (and a note) when it cannot be."""
        self._unpacked += 1
        dest = self.scratch / f"zip{self._unpacked}"
        dest.mkdir(parents=True)
        caps = self.budget.caps
        try:
            with zipfile.ZipFile(path) as archive:
                members = archive.infolist()
                if len(members) > caps.members:
                    raise _Refused(f"{len(members)} members (the cap is {caps.members})")
                for info in members:
                    self._extract(archive, info, dest, shown)
        except _Refused as exc:
            shutil.rmtree(dest, ignore_errors=True)
            self.notes.append(f"{shown}: not unpacked: {exc} (a zip bomb?)")
            return None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                NotImplementedError, RuntimeError) as exc:  # fmt: skip
            shutil.rmtree(dest, ignore_errors=True)
            self.notes.append(f"{shown}: not a readable zip ({_short(exc)})")
            return None
        return dest

    def _extract(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, shown: str
    ) -> None:
        caps = self.budget.caps
        name = PurePosixPath(info.filename.replace("\\", "/"))
        parts = [p for p in name.parts if p not in ("", ".")]
        mode = info.external_attr >> 16
        if (
            not parts
            or name.is_absolute()
            or ".." in parts
            or ":" in parts[0]
            or any(p in JUNK or p.startswith("._") for p in parts)
            or stat.S_ISLNK(mode)
        ):
            return  # junk and names that would escape the folder are passed over
        if info.is_dir():
            dest.joinpath(*parts).mkdir(parents=True, exist_ok=True)
            return
        if info.file_size > caps.member_bytes:
            raise _Refused(
                f"{info.filename} unpacks to {info.file_size} bytes (the cap is {caps.member_bytes})"
            )
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        # Count what actually comes out: the sizes in the header are the zip's own claim.
        with archive.open(info) as source, open(target, "wb") as sink:
            while chunk := source.read(1024 * 1024):
                written += len(chunk)
                self.budget.left -= len(chunk)
                if written > caps.member_bytes:
                    raise _Refused(
                        f"{info.filename} unpacks to more than {caps.member_bytes} bytes"
                    )
                if self.budget.left < 0:
                    raise _Refused(f"the zips unpack to more than {caps.total_bytes} bytes in all")
                sink.write(chunk)


class _Refused(Exception):
    """A zip goes past a cap."""


def _children(folder: Path) -> list[Path]:
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    return [
        c
        for c in children
        if c.name not in JUNK and not c.name.startswith(".") and not c.is_symlink()
    ]


def _single_child(folder: Path) -> Path:
    """A zip that holds one folder and nothing else stands for that folder."""
    children = _children(folder)
    return children[0] if len(children) == 1 and children[0].is_dir() else folder


def _name_of_report(path: Path) -> str:
    """Student id of a report file with none inside: its name, or its folder's for grade-report.json."""
    if path.name == REPORT_NAME:
        return _clean_name(path.parent.name)
    stem = re.sub(r"[-_. ]*grade[-_]report$", "", path.stem)  # Canvas: alice_123_456_grade-report
    return _clean_name(stem or path.stem)


def _clean_name(name: str) -> str:
    return name.strip() or "unnamed"


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
