"""The versioned JSON score report: building it from a grading run and writing it atomically."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader import __version__
from grader.engine.results import GradingRun
from grader.errors import ReportError, UsageError
from grader.files import write_atomically

SCHEMA_VERSION = 2
REPORT_READ_LIMIT = 8 * 1024 * 1024  # bytes read to tell whether a file is a report
# Course folders that hold code: no report is ever written into them.
CODE_FOLDERS = ("grader", "tests", "exercises", "solutions", ".git")
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


@dataclass(frozen=True)
class Provenance:
    """Where a report's grade came from: the course, the checks and who it is for."""

    course_name: str
    checks_sha256: str
    modified_files: list[str]
    student: str | None
    target: str  # the absolute path of the folder that was graded
    declared_max_score: float
    hidden_checks_sha256: str | None = None  # the instructor's hidden checks, when they ran
    # Scoring file -> its SHA-256 (what checks_sha256 is made of), so that `grade collect` can
    # name the files that differ from the instructor's when the digests do not match.
    file_digests: dict[str, str] | None = None


def build_report(
    run: GradingRun, provenance: Provenance, created: datetime | None = None
) -> dict[str, Any]:
    """The report dict of a grading run (see grader/report.schema.json)."""
    created = created or datetime.now(timezone.utc)
    report: dict[str, Any] = _clean(_report(run, provenance, created))
    return report


def _clean(value: Any) -> Any:
    """The report with every string made valid UTF-8: lone surrogates and undecodable bytes
    (from student output, or a --student argument) become visible escapes, never a crash."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _report(run: GradingRun, provenance: Provenance, created: datetime) -> dict[str, Any]:
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
            "hidden_checks_sha256": provenance.hidden_checks_sha256,
            **({"files": provenance.file_digests} if provenance.file_digests is not None else {}),
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
            "unconfined": run.unconfined,
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
                "source": ex.source,
                "violations": ex.violations,
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
                        "hidden": c.hidden,
                        **({"output": c.output} if c.output else {}),
                    }
                    for c in ex.checks
                ],
            }
            for ex in run.exercises
        ],
    }


def check_out_path(path: Path, course_root: Path, graded: Path | None = None) -> Path:
    """The resolved report path, refused (UsageError) when writing there could destroy anything:
    a course file, a file of the graded folder, a device or other special file, or an existing
    file that is not a grade report. Also fails, before grading, when it could not be written."""
    resolved = path.expanduser().resolve()
    root = course_root.resolve()
    if resolved.is_dir():
        raise UsageError(
            f"--out {path} is a folder; give a file name such as {path / 'grade-report.json'}"
        )
    for folder in (root / name for name in CODE_FOLDERS):
        if resolved.is_relative_to(folder):
            raise UsageError(
                f"--out {path} is inside the course's {folder.name}/ folder; write the report elsewhere"
            )
    if graded is not None and resolved.is_relative_to(graded.resolve()):
        raise UsageError(
            f"--out {path} is inside the graded folder {graded}; write the report elsewhere"
        )
    if resolved.exists() or resolved.is_symlink():
        mode = resolved.stat().st_mode
        if not stat.S_ISREG(mode):
            raise UsageError(
                f"--out {path} is not a regular file (a device, pipe or socket); pick another --out"
            )
        if not is_report(resolved):
            raise UsageError(
                f"--out {path} exists and is not a grade report; refusing to overwrite it (pick another --out)"
            )
    folder = resolved.parent
    if folder.exists() and not folder.is_dir():
        raise ReportError(
            f"cannot write the report to {path}: {folder} is not a folder; pick another --out"
        )
    if not folder.is_dir():
        raise ReportError(
            f"cannot write the report to {path}: folder {folder} does not exist; create it or pick another --out"
        )
    if not os.access(folder, os.W_OK) or (resolved.exists() and not os.access(resolved, os.W_OK)):
        raise ReportError(
            f"cannot write the report to {path}: permission denied; pick another --out"
        )
    return resolved


def is_report(path: Path) -> bool:
    """True when `path` holds a grade report (of any schema version)."""
    try:
        with path.open("rb") as handle:
            data = json.loads(handle.read(REPORT_READ_LIMIT))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"schema_version", "course", "exercises"} <= set(data)


def write_report(report: dict[str, Any], path: Path) -> None:
    """Write `report` to `path` atomically: readers see the old file or the new one, never half of one."""
    data = (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        write_atomically(path, data)  # an existing report keeps its mode; a new one is 0644
    except OSError as exc:
        raise ReportError(
            f"cannot write the report to {path}: {exc.strerror}; pick another --out"
        ) from exc
