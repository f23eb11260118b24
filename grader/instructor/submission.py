"""Finding a student's exercise files in whatever an upload looks like: files at the top, a copy
of the whole course repository, nested folders, zips, duplicates.

Used where the submission's layout is not ours to choose (Gradescope's /autograder/submission).
"""

from __future__ import annotations

import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.manifest import Course, Exercise

# Folders that never hold a student's own work (tooling, caches, macOS zip debris).
SKIP_DIRS = frozenset(
    {"__MACOSX", "__pycache__", "node_modules", "site-packages", "venv", ".venv", ".git", ".grade"}
)
MAX_FILE_BYTES = 1 << 20  # an exercise file is a few KiB; anything past 1 MiB is not one
MAX_UNZIPPED_BYTES = 64 << 20  # across every zip in the submission: a zip bomb stops here
MAX_ZIP_MEMBERS = 10_000


@dataclass(frozen=True)
class Candidate:
    """One file that could be an exercise: where it is and how it is shown to the student."""

    path: Path
    shown: str  # path relative to the submission (zip members as `upload.zip:inner/path`)
    exact_name: bool  # named like the stub (01_lazy_evaluation.py), not just by id

    def rank(self) -> tuple:
        """Sort key, best first: the stub's name, inside an exercises/ folder, not inside a
        solutions/ folder, closest to the top, then by name so the choice is repeatable."""
        parts = PurePosixPath(self.shown.replace(":", "/")).parts[:-1]
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

    files: dict[str, Candidate] = field(default_factory=dict)  # exercise id -> chosen file
    notes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # other Python files, shown for typos

    def missing(self, course: Course) -> list[Exercise]:
        """Exercises with no file in the submission, in course order."""
        return [ex for ex in course.exercises if ex.id not in self.files]


def locate(course: Course, submission: Path, scratch: Path) -> Located:
    """Find each exercise's file under `submission`; zips are unpacked (size-capped) into `scratch`."""
    by_name: dict[str, tuple[Exercise, bool]] = {}
    for ex in course.exercises:
        by_name[f"{ex.id}.py"] = (ex, False)
        by_name[ex.file] = (ex, True)
    found: dict[str, list[Candidate]] = {}
    located = Located()
    budget = [MAX_UNZIPPED_BYTES]
    for path, shown in _walk(submission, submission, ""):
        if path.suffix.lower() == ".zip":
            for inner, inner_shown in _unzip(path, shown, scratch, budget, located.notes):
                _consider(inner, inner_shown, by_name, found, located)
        else:
            _consider(path, shown, by_name, found, located)

    for ex in course.exercises:
        candidates = sorted(found.get(ex.id, []), key=Candidate.rank)
        if not candidates:
            continue
        chosen = located.files[ex.id] = candidates[0]
        if not chosen.exact_name:
            located.notes.append(
                f"graded {chosen.shown} as {ex.file} (the stub's name is {ex.file})"
            )
        if len(candidates) > 1:
            others = ", ".join(c.shown for c in candidates[1:])
            located.notes.append(
                f"found {len(candidates)} copies of {ex.file}: graded {chosen.shown} "
                f"({_why(chosen, candidates[1])}), ignored {others}"
            )
    return located


def _consider(
    path: Path,
    shown: str,
    by_name: dict[str, tuple[Exercise, bool]],
    found: dict[str, list[Candidate]],
    located: Located,
) -> None:
    match = by_name.get(path.name)
    if match is None:
        if path.suffix == ".py" and not path.name.startswith("test_"):
            located.ignored.append(shown)
        return
    if path.stat().st_size > MAX_FILE_BYTES:
        located.notes.append(f"ignored {shown}: larger than {MAX_FILE_BYTES >> 20} MiB")
        return
    exercise, exact = match
    found.setdefault(exercise.id, []).append(Candidate(path, shown, exact))


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


def _walk(folder: Path, top: Path, prefix: str):
    """Regular files under `folder` (no symbolic links, no tool folders), with their shown paths."""
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path, prefix + path.relative_to(top).as_posix()


def _unzip(archive: Path, shown: str, scratch: Path, budget: list[int], notes: list[str]):
    """Unpack `archive` into its own folder under `scratch` (one level: zips inside are left
    alone) and yield its files; stops at the shared byte budget rather than fill the disk."""
    target = scratch / f"zip{len(list(scratch.glob('zip*')))}"
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.infolist() if not m.is_dir()]
            if len(members) > MAX_ZIP_MEMBERS:
                notes.append(f"ignored {shown}: more than {MAX_ZIP_MEMBERS} files in it")
                return
            for member in members:
                inner = PurePosixPath(member.filename)
                if inner.is_absolute() or ".." in inner.parts or inner.suffix != ".py":
                    continue  # only Python files matter; nothing may land outside the target
                if member.file_size > budget[0]:
                    notes.append(f"stopped unpacking {shown}: the submission unpacks to too much")
                    return
                budget[0] -= member.file_size
                dest = target.joinpath(*inner.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(member) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        notes.append(f"could not open {shown} as a zip ({exc})")
        return
    if target.is_dir():
        yield from _walk(target, target, f"{shown}:")
