"""Finding a student's exercise files in a hand-in, whatever it looks like: files at the top, a
copy of the whole course repository, nested folders, zips, duplicates, files renamed to `<id>.py`.

One set of rules for the Gradescope autograder (its /autograder/submission) and for `grade
collect` (each student's folder, grader/instructor/inputs.py), so that both grade the same file
of the same hand-in. Zips are unpacked by grader/instructor/unzip.py, within caps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.instructor.unzip import JUNK, Budget, ZipCaps, short, unzip
from grader.manifest import Course, Exercise

# Names never searched: junk, tooling, caches, macOS zip debris (dot names are skipped too).
SKIP = JUNK | {"node_modules", "site-packages", "venv", ".venv", ".grade"}
MAX_FILE_BYTES = 1 << 20  # an exercise file is a few KiB; anything past 1 MiB is not one
MAX_SEARCH_DEPTH = 6  # folders below the hand-in (or below a zip's top) searched for files
# A Gradescope submission's zips: 64 MiB unpacked in all, 16 MiB per file, 10,000 members per
# zip, one level (zips inside its zips are left alone).
GRADESCOPE_CAPS = ZipCaps(total_bytes=64 << 20, member_bytes=16 << 20, members=10_000, depth=1)

# What a note is about, for whoever sorts them (grade collect): the student sees them all.
ZIP = "zip"  # a zip that was not unpacked, and why
FILE = "file"  # a file named like an exercise that was passed over (too large, unreadable)
CHOICE = "choice"  # which copy was graded, or that a renamed file was


@dataclass(frozen=True)
class Candidate:
    """One file that could be an exercise: where it is and how it is shown to the student."""

    path: Path
    shown: str  # path relative to the hand-in (zip members as `upload.zip:inner/path`)
    exact_name: bool  # named like the stub (01_lazy_evaluation.py), not just by id

    @property
    def folders(self) -> tuple[str, ...]:
        """The folders (zips included) between the hand-in's top and the file."""
        return PurePosixPath(self.shown.replace(":", "/")).parts[:-1]

    def rank(self) -> tuple[bool, bool, bool, int, str]:
        """Sort key, best first: the stub's name, inside an exercises/ folder, not inside a
        solutions/ folder, closest to the top, then by name so the choice is repeatable."""
        parts = self.folders
        return (
            not self.exact_name,
            "exercises" not in parts,
            "solutions" in parts,
            len(parts),
            self.shown,
        )


@dataclass
class Located:
    """The chosen file of each exercise found, and what the student should know about the choice."""

    files: dict[str, Candidate] = field(default_factory=dict)  # exercise id -> chosen, course order
    ignored: list[str] = field(default_factory=list)  # other Python files, shown for typos
    reports: list[Candidate] = field(default_factory=list)  # `*report*.json`, when asked for
    log: list[tuple[str, str]] = field(default_factory=list)  # (ZIP, FILE or CHOICE, note)

    @property
    def notes(self) -> list[str]:
        """Every note, in the order they arose."""
        return [note for _, note in self.log]

    def notes_about(self, about: str) -> list[str]:
        """The notes of one kind: ZIP, FILE or CHOICE."""
        return [note for kind, note in self.log if kind == about]

    def missing(self, course: Course) -> list[Exercise]:
        """Exercises with no file in the hand-in, in course order."""
        return [ex for ex in course.exercises if ex.id not in self.files]


def exercise_names(course: Course) -> dict[str, tuple[Exercise, bool]]:
    """The file names that are an exercise's: the stub's (exact) and `<id>.py` (renamed)."""
    names: dict[str, tuple[Exercise, bool]] = {}
    for ex in course.exercises:
        names[f"{ex.id}.py"] = (ex, False)
    for ex in course.exercises:
        names[ex.file] = (ex, True)
    return names


def is_report(name: str) -> bool:
    """A file `grade collect` reads as a report: JSON with "report" in its name, other than a
    JSON Schema (a whole course folder handed in holds grader/report.schema.json)."""
    lower = name.lower()
    return lower.endswith(".json") and "report" in lower and not lower.endswith(".schema.json")


def locate(
    course: Course,
    submission: Path,
    scratch: Path,
    budget: Budget | None = None,
    *,
    depth: int = 0,
    reports: bool = False,
) -> Located:
    """Find each exercise's file under `submission`. Zips in it are unpacked into `scratch`
    within `budget` (a fresh one with GRADESCOPE_CAPS when none is given) and searched as part
    of the hand-in, down to `budget.caps.depth` levels of zips in all (`depth` of them lie above
    `submission` already). With `reports`, report files are gathered too, and zips are opened
    only while no report has been found (whoever asked grades a report first)."""
    search = _Search(course, scratch, budget or Budget(GRADESCOPE_CAPS), reports)
    search.tree(submission, "", depth)
    return search.result()


class _Search:
    def __init__(self, course: Course, scratch: Path, budget: Budget, reports: bool) -> None:
        self.course = course
        self.scratch = scratch
        self.budget = budget
        self.want_reports = reports
        self.names = exercise_names(course)
        self.found: dict[str, list[Candidate]] = {}
        self.located = Located()

    def tree(self, root: Path, prefix: str, depth: int) -> None:
        """Consider the files under `root` (shown as `prefix` + their path), then its zips."""
        zips = []
        for path, shown in files(root, prefix):
            if path.suffix.lower() == ".zip":
                zips.append((path, shown))
            else:
                self._consider(path, shown)
        for path, shown in zips:
            if depth >= self.budget.caps.depth or (self.want_reports and self.located.reports):
                break
            unpacked = unzip(path, shown, self.scratch, self.budget, self._wanted(depth + 1))
            if unpacked.folder is None or unpacked.note is not None:  # (members left out)
                self.located.log.append((ZIP, unpacked.note or f"{shown}: not unpacked"))
            if unpacked.folder is not None:
                self.tree(unpacked.folder, f"{shown}:", depth + 1)

    def _wanted(self, depth: int) -> Callable[[tuple[str, ...]], bool]:
        """Which members of a zip unpacked at `depth` are worth writing: what the search would
        look at (nothing it skips, nothing deeper than it goes)."""

        def keep(parts: tuple[str, ...]) -> bool:
            name = parts[-1]
            if len(parts) - 1 > MAX_SEARCH_DEPTH or any(
                p in SKIP or p.startswith(".") for p in parts
            ):
                return False
            return (
                name.endswith(".py")
                or (name.lower().endswith(".zip") and depth < self.budget.caps.depth)
                or (self.want_reports and is_report(name))
            )

        return keep

    def _consider(self, path: Path, shown: str) -> None:
        if self.want_reports and is_report(path.name):
            self.located.reports.append(Candidate(path, shown, True))
            return
        match = self.names.get(path.name)
        if match is None:
            if path.suffix == ".py" and not path.name.startswith("test_"):
                self.located.ignored.append(shown)
            return
        try:
            size = path.stat().st_size
        except OSError as exc:
            self.located.log.append((FILE, f"ignored {shown}: {short(exc)}"))
            return
        if size > MAX_FILE_BYTES:
            self.located.log.append(
                (FILE, f"ignored {shown}: larger than {MAX_FILE_BYTES >> 20} MiB")
            )
            return
        exercise, exact = match
        self.found.setdefault(exercise.id, []).append(Candidate(path, shown, exact))

    def result(self) -> Located:
        located = self.located
        for ex in self.course.exercises:
            candidates = sorted(self.found.get(ex.id, []), key=Candidate.rank)
            if not candidates:
                continue
            chosen = located.files[ex.id] = candidates[0]
            if not chosen.exact_name:
                located.log.append(
                    (CHOICE, f"graded {chosen.shown} as {ex.file} (the stub's name is {ex.file})")
                )
            if len(candidates) > 1:
                others = ", ".join(c.shown for c in candidates[1:])
                located.log.append(
                    (
                        CHOICE,
                        f"found {len(candidates)} copies of {ex.file}: graded {chosen.shown} "
                        f"({_why(chosen, candidates[1])}), ignored {others}",
                    )
                )
        return located


def _why(chosen: Candidate, runner_up: Candidate) -> str:
    """Why `chosen` beat `runner_up`, in the words of Candidate.rank."""
    a, b = chosen.rank(), runner_up.rank()
    reasons = (
        "it has the stub's name",
        "it is in an exercises/ folder",
        "the other is in a solutions/ folder",
        "it is closest to the top of the submission",
        "first by name",
    )
    return next((reason for x, y, reason in zip(a, b, reasons, strict=True) if x != y), reasons[-1])


def entries(folder: Path) -> list[Path]:
    """A folder's entries worth a look, by name: no junk or tool folders, no dot names, no
    symbolic links."""
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    return [
        c
        for c in children
        if c.name not in SKIP and not c.name.startswith(".") and not c.is_symlink()
    ]


def files(root: Path, prefix: str = "") -> Iterator[tuple[Path, str]]:
    """Regular files under `root`, at most MAX_SEARCH_DEPTH folders down, with their shown paths
    (`prefix` + the path below root): a folder's own files first, by name, then its folders'."""

    def visit(folder: Path, level: int) -> Iterator[tuple[Path, str]]:
        folders = []
        for child in entries(folder):
            if child.is_dir():
                if level < MAX_SEARCH_DEPTH:
                    folders.append(child)
            elif child.is_file():
                yield child, prefix + child.relative_to(root).as_posix()
        for sub in folders:
            yield from visit(sub, level + 1)

    return visit(root, 0)
