"""An instructor's hidden checks: a folder of check files (`test_NN_<id>.py`, written like the
course's own, with the same `student` fixture) and a `checks.toml` that gives their points in
the manifest's format:

    [[exercises]]
    id = "lazy_evaluation"
    [exercises.checks]
    test_hidden_property = 2
    [exercises.timeouts]      # optional, seconds
    test_hidden_property = 20

They run beside the official checks of the same exercise when an instructor regrades; a
student's own `grade` never runs them.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from grader.engine.jobs import CheckFile
from grader.errors import CourseError, UsageError
from grader.manifest import Check, Course

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MANIFEST = "checks.toml"


@dataclass(frozen=True)
class HiddenChecks:
    """The hidden check files of each exercise, and one digest over all of them."""

    folder: Path  # where the files are read from
    files: dict[str, CheckFile]  # exercise id -> its hidden check file
    sha256: str
    origin: Path  # the instructor's folder they came from

    def copied_to(self, folder: Path) -> HiddenChecks:
        """The same checks, copied read-only into `folder` as test_hidden_NN_<id>.py (a name
        of their own: pytest cannot import two modules called test_NN_<id>)."""
        folder.mkdir(parents=True)
        files = {}
        for ident, file in self.files.items():
            path = folder / file.path.name.replace("test_", "test_hidden_", 1)
            shutil.copyfile(file.path, path)
            path.chmod(0o444)
            files[ident] = replace(file, path=path)
        return replace(self, folder=folder, files=files)


def load_hidden_checks(folder: Path, course: Course) -> HiddenChecks:
    """Read and validate a hidden-checks folder; every problem is a UsageError naming the file."""
    folder = folder.expanduser().resolve()
    manifest = folder / MANIFEST
    if not folder.is_dir():
        raise UsageError(f"--checks {folder} is not a folder of check files")
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        entries = data["exercises"]
        if not isinstance(entries, list):
            raise TypeError("exercises must be an array of tables ([[exercises]])")
    except FileNotFoundError:
        raise UsageError(f"{manifest} is missing: it gives the hidden checks' points") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise UsageError(f"cannot read {manifest}: {exc}") from exc
    known = {ex.id: ex for ex in course.exercises}
    files: dict[str, CheckFile] = {}
    digest = hashlib.sha256()
    for raw in entries:
        try:
            ident = str(raw["id"])
            points = {str(k): float(v) for k, v in raw["checks"].items()}
            timeouts = {str(k): float(v) for k, v in raw.get("timeouts", {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UsageError(f"{manifest}: an [[exercises]] entry is malformed ({exc})") from exc
        if ident not in known:
            raise UsageError(f"{manifest}: unknown exercise {ident!r}; use an id from course.toml")
        if ident in files:
            raise UsageError(f"{manifest}: exercise {ident!r} appears twice")
        exercise = known[ident]
        path = folder / f"test_{exercise.file}"
        try:
            text = path.read_text(encoding="utf-8")
            defined = {
                node.name
                for node in ast.parse(text).body
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            }
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
            raise UsageError(f"cannot read the hidden check file {path}: {exc}") from exc
        missing = sorted(set(points) - defined)
        if missing:
            raise UsageError(f"{path} has no check named {', '.join(missing)} (see {manifest})")
        # pytest collects every top-level `test*` function; one without points would run for
        # nothing or, worse, be taken for graded when it is not.
        unlisted = sorted(n for n in defined if n.startswith("test") and n not in points)
        if unlisted:
            raise CourseError(
                f"{path} defines check(s) {', '.join(unlisted)} that {manifest} gives no points; "
                f"add them under [exercises.checks] of id = {ident!r} (for example "
                f"`{unlisted[0]} = 1`), or rename them so they do not start with `test`"
            )
        if any(p <= 0 for p in points.values()) or not points:
            raise UsageError(f"{manifest}: the checks of {ident!r} need positive points")
        if exercise.checks and set(points) & {c.name for c in exercise.checks}:
            raise UsageError(
                f"{manifest}: hidden checks of {ident!r} reuse an official check's name"
            )
        checks = tuple(Check(name, p, timeouts.get(name)) for name, p in points.items())
        files[ident] = CheckFile(path=path, label=f"hidden/{path.name}", checks=checks, hidden=True)
        digest.update(f"{path.name} {hashlib.sha256(text.encode()).hexdigest()}\n".encode())
    strays = sorted(
        p.name
        for p in folder.glob("test_*.py")
        if p.name not in {f.path.name for f in files.values()}
    )
    if strays:
        raise UsageError(
            f"{manifest} gives no points for {', '.join(strays)}; add them or remove the files"
        )
    digest.update(manifest.read_bytes())
    return HiddenChecks(folder, files, digest.hexdigest(), origin=folder)
