"""The last results of each exercise, kept in .grade/results.json so that `grade list`, `grade hint`
and `grade watch` need not regrade files that have not changed.

An entry is reused only when its key matches: the digest of the exercise file, the digest of
every file that decides a score (checks, plugins, manifest) and the limits it was graded under.
The file is the student's own convenience, never evidence: reports always come from a fresh run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.engine.integrity import checks_sha256, file_digests, sha256_file
from grader.engine.results import CheckResult, ExerciseResult
from grader.files import write_atomically
from grader.manifest import Course, Exercise
from grader.student.hints import STATE_DIR

RESULTS_FILE = "results.json"
VERSION = 1


def _path(course: Course) -> Path:
    return course.root / STATE_DIR / RESULTS_FILE


def checks_digest(course: Course) -> str:
    """One digest over every file that decides a score."""
    return checks_sha256(file_digests(course))


def file_key(path: Path, checks: str, timeout: float, memory_mib: int) -> str | None:
    """The cache key of one exercise file graded under these checks and limits (None if absent)."""
    try:
        digest = sha256_file(path)
    except OSError:
        return None
    text = f"{VERSION}:{digest}:{checks}:{timeout:g}:{memory_mib}"
    return hashlib.sha256(text.encode()).hexdigest()


def _result_from(data: dict[str, Any]) -> ExerciseResult:
    checks = [CheckResult(**check) for check in data["checks"]]
    fields = {k: v for k, v in data.items() if k != "checks"}
    return ExerciseResult(checks=checks, **fields)


class ResultCache:
    """The stored results of the student's exercises, one entry per exercise id."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self._entries: dict[str, dict[str, Any]] = {}
        try:
            data = json.loads(_path(course).read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == VERSION:
                entries = data.get("exercises", {})
                self._entries = entries if isinstance(entries, dict) else {}
        except (OSError, ValueError):
            pass  # nothing stored yet, or a damaged file: everything is graded again

    def get(self, exercise: Exercise, key: str | None) -> ExerciseResult | None:
        """The stored result of `exercise` if it was graded under `key`, else None."""
        entry = self._entries.get(exercise.id)
        if key is None or not isinstance(entry, dict) or entry.get("key") != key:
            return None
        try:
            return _result_from(entry["result"])
        except (KeyError, TypeError, ValueError):
            return None

    def previous(self, exercise: Exercise) -> ExerciseResult | None:
        """The last stored result of `exercise`, whatever file it was graded from."""
        entry = self._entries.get(exercise.id)
        try:
            return _result_from(entry["result"]) if isinstance(entry, dict) else None
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, result: ExerciseResult, key: str | None) -> None:
        """Remember `result` under `key` (call `save` to write it)."""
        if key is not None:
            self._entries[result.id] = {"key": key, "result": asdict(result)}

    def save(self) -> None:
        """Write the cache atomically; a failure to write only costs the next run some time."""
        path = _path(self.course)
        try:
            data = json.dumps({"version": VERSION, "exercises": self._entries})
            path.parent.mkdir(exist_ok=True)
            write_atomically(path, data.encode("utf-8"), sync=False)
        except (OSError, TypeError, ValueError):
            pass
