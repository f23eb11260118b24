"""Digests that show whether the files deciding a score were changed.

The release digests (grader/release.json) are written by `grade dev digests --write` when the
course is released (`stale_files` and `write_release` do the work); tests/meta/test_integrity.py
proves they match the repository.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from grader.errors import CourseError
from grader.manifest import MANIFEST_NAME, Course

RELEASE_FILE = Path(__file__).parents[1] / "release.json"
# What decides a score, by rule rather than by a list that a split module would fall out of:
# every grader module except the rooms that only show and collect results (the student's loop,
# the instructor's tools, the command line and the developers' tools). A new module is covered
# unless it is put there.
NOT_SCORING = (
    "grader/student/",
    "grader/instructor/",
    "grader/cli.py",
    "grader/clitools.py",
    "grader/devtools.py",
)


def scoring_modules(root: Path) -> list[str]:
    """The grader modules (relative to the course root) whose code decides a score."""
    modules = (p.relative_to(root).as_posix() for p in (root / "grader").rglob("*.py"))
    return sorted(m for m in modules if not m.startswith(NOT_SCORING))


def scoring_files(course: Course) -> list[str]:
    """Paths (relative to the course root) of every file that decides a score."""
    checks = [ex.check_file for ex in course.exercises]
    return sorted({MANIFEST_NAME, "tests/conftest.py", *checks, *scoring_modules(course.root)})


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_digests(course: Course) -> dict[str, str]:
    """SHA-256 of each scoring file ("missing" for one that is absent)."""
    digests = {}
    for rel in scoring_files(course):
        path = course.root / rel
        digests[rel] = sha256_file(path) if path.is_file() else "missing"
    return digests


def checks_sha256(digests: dict[str, str]) -> str:
    """One digest over all scoring files: any edit to a check, plugin or the manifest changes it."""
    text = "\n".join(f"{rel} {digest}" for rel, digest in sorted(digests.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def git_blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes (lets `grade reset` find a pristine stub)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def release_digests() -> dict[str, Any]:
    """The digests recorded for this release; a damaged record is a CourseError naming it."""
    fix = "restore it with `git checkout grader/release.json` or reinstall the course"
    try:
        data = json.loads(RELEASE_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CourseError(f"cannot read {RELEASE_FILE}: {exc}; {fix}") from exc
    if not (
        isinstance(data, dict)
        and all(isinstance(data.get(key), dict) for key in ("files", "stubs"))
        and all(isinstance(v, str) for v in data["files"].values())
    ):
        raise CourseError(f"{RELEASE_FILE} is malformed (not the release record); {fix}")
    return data


def modified_since_release(digests: dict[str, str]) -> list[str]:
    """Scoring files whose digest differs from the release's record."""
    recorded = release_digests().get("files", {})
    names = sorted(set(recorded) | set(digests))
    return [name for name in names if recorded.get(name) != digests.get(name)]


def compute_release(course: Course) -> dict[str, Any]:
    """The release record for the repository as it is now."""
    stubs = {}
    for ex in course.exercises:
        data = (course.root / "exercises" / ex.file).read_bytes()
        stubs[ex.file] = {"sha256": hashlib.sha256(data).hexdigest(), "git_blob": git_blob_id(data)}
    return {"files": file_digests(course), "stubs": stubs}


def stale_files(course: Course) -> list[str]:
    """The scoring files of the repository whose digest differs from the release's record."""
    recorded = release_digests().get("files", {})
    return [name for name, digest in file_digests(course).items() if recorded.get(name) != digest]


def write_release(course: Course) -> dict[str, Any]:
    """Record the release digests of the repository as it is now; returns the record written."""
    record = compute_release(course)
    try:
        RELEASE_FILE.write_text(
            json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    except OSError as exc:
        raise CourseError(f"cannot write {RELEASE_FILE}: {exc}") from exc
    return record
