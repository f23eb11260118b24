"""`grade reset`: put an exercise's pristine stub back, keeping a backup of the student's file."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from grader.engine.integrity import release_digests, sha256_file
from grader.errors import GraderError
from grader.files import write_atomically
from grader.manifest import Course, Exercise
from grader.student.hints import STATE_DIR


def pristine_stub(course: Course, exercise: Exercise) -> bytes:
    """The stub as released, read from the checkout's git objects by its recorded blob id."""
    record = release_digests().get("stubs", {}).get(exercise.file)
    if not record:
        raise GraderError(
            f"no release record for {exercise.file}; update the course (git pull) and try again"
        )
    try:
        proc = subprocess.run(
            ["git", "cat-file", "blob", record["git_blob"]],
            cwd=course.root,
            capture_output=True,
            check=False,
        )
    except OSError:
        proc = None
    if (
        proc is None
        or proc.returncode != 0
        or hashlib.sha256(proc.stdout).hexdigest() != record["sha256"]
    ):
        raise GraderError(
            f"cannot find the pristine exercises/{exercise.file} in this checkout's git history; "
            "download that file again from the course repository"
        )
    return proc.stdout


def is_pristine(course: Course, exercise: Exercise) -> bool:
    """True when the student's file is byte for byte the released stub."""
    path = course.root / "exercises" / exercise.file
    record = release_digests().get("stubs", {}).get(exercise.file, {})
    return path.is_file() and sha256_file(path) == record.get("sha256")


def reset_exercise(course: Course, exercise: Exercise) -> Path | None:
    """Restore the stub; return where the student's file was backed up (None if it was missing)."""
    stub = pristine_stub(course, exercise)
    path = course.root / "exercises" / exercise.file
    backup = None
    if path.exists():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        backup = course.root / STATE_DIR / "backups" / f"{path.stem}.{stamp}.py"
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, backup)
    write_atomically(path, stub)
    return backup
