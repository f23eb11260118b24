"""The versioned JSON score report: building it from a grading run and writing it atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader import __version__
from grader.errors import ReportError
from grader.results import GradingRun

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


@dataclass(frozen=True)
class Provenance:
    """Where a report's grade came from: the course, the checks and who it is for."""

    course_name: str
    checks_sha256: str
    modified_files: list[str]
    student: str | None
    target: str
    declared_max_score: float


def build_report(
    run: GradingRun, provenance: Provenance, created: datetime | None = None
) -> dict[str, Any]:
    """The report dict of a grading run (see grader/report.schema.json)."""
    created = created or datetime.now(timezone.utc)
    suspicious = [
        {"exercise": ex.id, "check": None, "reason": reason}
        for ex in run.exercises
        for reason in ex.suspicious
    ] + [{"exercise": None, "check": None, "reason": note} for note in run.notes]
    return {
        "schema_version": SCHEMA_VERSION,
        "course": {
            "name": provenance.course_name,
            "version": __version__,
            "checks_sha256": provenance.checks_sha256,
        },
        "student": provenance.student,
        "created": created.astimezone(timezone.utc)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z"),
        "target": provenance.target,
        "environment": run.environment,
        "limits": run.limits,
        "integrity": {
            "checks_match_release": not provenance.modified_files,
            "modified_files": provenance.modified_files,
            "suspicious": suspicious,
            "restarts": run.restarts,
        },
        "score": run.score,
        "max_score": run.max_score,
        "declared_max_score": provenance.declared_max_score,
        "exercises": [
            {
                "id": ex.id,
                "title": ex.title,
                "concept": ex.concept,
                "file": ex.file,
                "score": ex.score,
                "max_score": ex.max_score,
                "submission_sha256": ex.submission_sha256,
                "suspicious": ex.suspicious,
                "checks": [
                    {
                        "id": c.id,
                        "name": c.name,
                        "outcome": c.outcome,
                        "points": c.points,
                        "max_points": c.max_points,
                        "message": c.message,
                        "duration": c.duration,
                        **({"output": c.output} if c.output else {}),
                    }
                    for c in ex.checks
                ],
            }
            for ex in run.exercises
        ],
    }


def check_writable(path: Path) -> None:
    """Fail before grading, not after, when the report could not be written to `path`."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ReportError(
            f"--out {path} is a folder; give a file name such as {path / 'grade-report.json'}"
        )
    if folder.exists() and not folder.is_dir():
        raise ReportError(
            f"cannot write the report to {path}: {folder} is not a folder; pick another --out"
        )
    if not folder.is_dir():
        raise ReportError(
            f"cannot write the report to {path}: folder {folder} does not exist; create it or pick another --out"
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ReportError(
            f"cannot write the report to {path}: permission denied; pick another --out"
        )


def write_report(report: dict[str, Any], path: Path) -> None:
    """Write `report` to `path` atomically: readers see the old file or the new one, never half of one."""
    folder = path.parent if str(path.parent) else Path(".")
    data = (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ReportError(
            f"cannot write the report to {path}: {exc.strerror}; pick another --out"
        ) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ReportError(
                f"cannot write the report to {path}: {exc.strerror}; pick another --out"
            ) from exc
        raise
