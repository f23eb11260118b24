"""The course manifest (`course.toml`): the one place that declares order, titles, concepts,
points, time limits and hints. Everything else reads it through `load_course`."""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from grader.errors import CourseError, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MANIFEST_NAME = "course.toml"


@dataclass(frozen=True)
class Check:
    """One graded check: a test function in the exercise's check file."""

    name: str
    points: float
    timeout: float | None  # seconds; None means the run's default


@dataclass(frozen=True)
class Exercise:
    """One exercise: a stub module in exercises/, its solution and its check file."""

    id: str
    file: str
    title: str
    concept: str
    hints: tuple[str, ...]
    checks: tuple[Check, ...]
    recap: str = ""  # what the exercise taught, shown once it passes

    @property
    def check_file(self) -> str:
        """Path of the check file, relative to the course root."""
        return f"tests/test_{self.file}"

    @property
    def max_score(self) -> float:
        """Points available in this exercise."""
        return sum(check.points for check in self.checks)

    def names(self) -> set[str]:
        """What a student may type for this exercise: its id, file name, stem, check file."""
        stem = PurePath(self.file).stem
        return {self.id, self.file, stem, f"test_{self.file}", f"test_{stem}"}

    def check(self, name: str) -> Check:
        """The check called `name`; raises KeyError when there is none."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)


@dataclass(frozen=True)
class Course:
    """The whole course: its root folder, defaults and exercises in course order."""

    root: Path
    name: str
    title: str
    default_timeout: float
    memory_limit_mib: int
    exercises: tuple[Exercise, ...]

    @property
    def max_score(self) -> float:
        """Points available in the whole course."""
        return sum(ex.max_score for ex in self.exercises)

    def match(self, ident: str) -> Exercise | None:
        """The exercise `ident` names, or None: its id (`lazy_evaluation`), its course number
        (`1`, `01`), its file name with or without `.py`, or any path ending in it
        (`exercises/01_lazy_evaluation.py`, `tests/test_01_lazy_evaluation.py`, what tab
        completion gives)."""
        text = ident.strip()
        if text.isdigit():
            index = int(text)
            return self.exercises[index - 1] if 1 <= index <= len(self.exercises) else None
        name = PurePath(text.replace("\\", "/")).name if text else ""
        for exercise in self.exercises:
            names = exercise.names()
            if text in names or name in names:
                return exercise
        return None

    def suggestions(self, ident: str, extra: tuple[str, ...] = ()) -> list[str]:
        """Ids (and `extra` words, such as command names) that look like `ident`."""
        name = PurePath(ident.replace("\\", "/")).name.removesuffix(".py")
        by_name = {}
        for exercise in self.exercises:
            for alias in (exercise.id, PurePath(exercise.file).stem):
                by_name[alias] = exercise.id
        for word in extra:
            by_name[word] = word
        close = difflib.get_close_matches(name, list(by_name), n=2, cutoff=0.7)
        # A stem with its number ("01_lazy_evalution") points to the id: each once, in order.
        return list(dict.fromkeys(by_name[c] for c in close))

    def exercise(self, ident: str) -> Exercise:
        """The exercise `ident` names (see `match`); a UsageError with a suggestion if none."""
        exercise = self.match(ident)
        if exercise is not None:
            return exercise
        close = self.suggestions(ident)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        known = ", ".join(f"{i} {ex.id}" for i, ex in enumerate(self.exercises, start=1))
        raise UsageError(
            f"unknown exercise {ident!r}; {hint}run `grade list` to see them (numbers work too: {known})"
        )

    def select(self, idents: tuple[str, ...] | list[str]) -> tuple[Exercise, ...]:
        """The exercises named in `idents`, in course order; all of them when it is empty."""
        if not idents:
            return self.exercises
        wanted = {self.exercise(ident).id for ident in idents}
        return tuple(ex for ex in self.exercises if ex.id in wanted)


def find_root(start: Path | None = None) -> Path:
    """Walk up from `start` (default: the working directory) to the folder holding course.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MANIFEST_NAME).is_file() and (folder / "grader").is_dir():
            return folder
    # Installed as a package outside a checkout: fall back to the checkout it came from.
    package_root = Path(__file__).resolve().parent.parent
    if (package_root / MANIFEST_NAME).is_file():
        return package_root
    raise CourseError(
        f"no {MANIFEST_NAME} found in {here} or above it; run `grade` from inside the course checkout"
    )


def read_manifest(root: Path) -> dict[str, Any]:
    """The parsed course.toml of the course at `root`; a damaged one is a CourseError naming it."""
    path = root / MANIFEST_NAME
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return data
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CourseError(
            f"cannot read {path}: {exc}; restore it with `git checkout {MANIFEST_NAME}`"
        ) from exc


def load_course(root: Path | None = None) -> Course:
    """Read and validate the manifest of the course at `root` (found from the cwd if None)."""
    root = root or find_root()
    path = root / MANIFEST_NAME
    data = read_manifest(root)
    try:
        return _parse(root, data)
    except (KeyError, TypeError, ValueError) as exc:
        raise CourseError(
            f"{path} is malformed ({exc}); restore it with `git checkout {MANIFEST_NAME}`"
        ) from exc


def _parse(root: Path, data: dict[str, Any]) -> Course:
    meta = data["course"]
    exercises = []
    seen: set[str] = set()
    for raw in data["exercises"]:
        ident = str(raw["id"])
        if ident in seen:
            raise ValueError(f"exercise id {ident!r} appears twice")
        seen.add(ident)
        timeouts = {str(k): float(v) for k, v in raw.get("timeouts", {}).items()}
        checks = tuple(
            Check(name=str(name), points=float(points), timeout=timeouts.get(str(name)))
            for name, points in raw["checks"].items()
        )
        unknown = set(timeouts) - {c.name for c in checks}
        if unknown:
            raise ValueError(f"timeouts for unknown checks {sorted(unknown)} in {ident!r}")
        if not checks or any(c.points <= 0 for c in checks):
            raise ValueError(f"exercise {ident!r} needs checks with positive points")
        exercises.append(
            Exercise(
                id=ident,
                file=str(raw["file"]),
                title=str(raw["title"]),
                concept=str(raw["concept"]),
                hints=tuple(str(h) for h in raw["hints"]),
                checks=checks,
                recap=str(raw.get("recap", "")),
            )
        )
    return Course(
        root=root,
        name=str(meta["name"]),
        title=str(meta["title"]),
        default_timeout=float(meta["default_timeout"]),
        memory_limit_mib=int(meta["memory_limit_mib"]),
        exercises=tuple(exercises),
    )
