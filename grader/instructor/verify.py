"""Checking a submitted report before anything in it is believed: the schema, the sources against
their digests, the course and its checks against the instructor's checkout. What the report
claims is kept apart from what it proves, so the claim can be compared with the regrade."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from grader.engine.protocol import Outcome
from grader.errors import CourseError
from grader.instructor.flags import INVALID, MISMATCHED, OTHER_COURSE, STALE, UNREADABLE
from grader.instructor.inputs import HandIn
from grader.manifest import Course
from grader.report import SCHEMA_PATH

MAX_STUDENT_ID = 120  # characters; ids are logins, not essays


@dataclass
class Claim:
    """What a report says about itself: its total and each check's outcome and points."""

    score: float | None = None
    checks: dict[str, tuple[str, float]] = field(
        default_factory=dict
    )  # check id -> (outcome, points)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (kept in the gradebook until the regrade is there to compare)."""
        return {"score": self.score, "checks": self.checks}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Claim | None:
        """The inverse of to_json (None stays None)."""
        if data is None:
            return None
        return cls(data["score"], {k: (o, float(p)) for k, (o, p) in data["checks"].items()})


@dataclass
class Checked:
    """A submission after verification: the sources to grade, the student's id and its flags."""

    student: str | None  # the report's own id; None when it names none (the file name is used)
    texts: dict[str, str]  # exercise id -> source text
    claim: Claim | None
    flags: list[tuple[str, str]]  # (kind, detail)
    created: str | None = None  # when the report says it was made (ISO 8601), for duplicates

    @property
    def digests(self) -> dict[str, str]:
        """Exercise id -> digest of its source."""
        return {ex: source_sha256(text) for ex, text in self.texts.items()}


def source_sha256(text: str) -> str:
    """The digest a report records for a source: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify(submission: HandIn, course: Course, checks_sha256: str) -> Checked:
    """Check `submission` against the schema, its digests and the course; flags, never raises."""
    checked = Checked(None, dict(submission.sources), None, list(submission.problems))
    if submission.kind != "report" or submission.raw is None:
        return checked
    try:
        report = json.loads(submission.raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        checked.flags.append((UNREADABLE, f"not JSON: {_short(exc)}"))
        return checked
    if not isinstance(report, dict):
        checked.flags.append((INVALID, "JSON, but not a report object"))
        return checked
    if isinstance(report.get("student"), str) and report["student"].strip():
        checked.student = " ".join(report["student"].split())[:MAX_STUDENT_ID]
    if isinstance(report.get("created"), str):
        checked.created = report["created"][:40]
    errors = schema_errors(report)
    if errors:
        checked.flags.append((INVALID, "; ".join(errors)))
    course_info = report.get("course")
    if not isinstance(course_info, dict):
        course_info = {}
    if course_info.get("name") != course.name:
        checked.flags.append(
            (
                OTHER_COURSE,
                f"for course {course_info.get('name')!r}, not {course.name!r}; not graded",
            )
        )
        return checked
    if course_info.get("checks_sha256") != checks_sha256:
        version = course_info.get("version")
        checked.flags.append(
            (
                STALE,
                f"the student graded with other checks (course version {version!r}); regraded with yours",
            )
        )
    checked.claim = _claim(report)
    known = {ex.id for ex in course.exercises}
    exercises = report.get("exercises")
    if not isinstance(exercises, list):
        exercises = []
    for entry in exercises:
        if not isinstance(entry, dict) or entry.get("id") not in known:
            continue
        text = entry.get("source")
        if not isinstance(text, str):
            continue  # an exercise the student's file lacked
        if entry.get("submission_sha256") != source_sha256(text):
            checked.flags.append(
                (
                    MISMATCHED,
                    f"{entry['id']}: the source is not the one its digest names; the source was graded",
                )
            )
        checked.texts[entry["id"]] = text
    if not checked.texts and not errors:
        checked.flags.append((INVALID, "carries no exercise source to grade"))
    return checked


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def schema_errors(report: dict[str, Any], limit: int = 3) -> list[str]:
    """Up to `limit` ways `report` breaks grader/report.schema.json (empty when it conforms)."""
    validator = _validator()
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
    out = []
    for error in errors[:limit]:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        out.append(f"{where}: {message}")
    if len(errors) > limit:
        out.append(f"and {len(errors) - limit} more schema errors")
    return out


@lru_cache(maxsize=1)
def _validator():
    try:
        import jsonschema
    except ImportError as exc:
        raise CourseError(
            "grade collect validates reports with jsonschema: pip install -e '.[dev]' (or pip install jsonschema)"
        ) from exc
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _claim(report: dict[str, Any]) -> Claim:
    claim = Claim()
    if isinstance(report.get("score"), (int, float)):
        claim.score = float(report["score"])
    for entry in report.get("exercises") or []:
        if not isinstance(entry, dict):
            continue
        for check in entry.get("checks") or []:
            if (
                isinstance(check, dict)
                and isinstance(check.get("id"), str)
                and isinstance(check.get("points"), (int, float))
            ):
                claim.checks[check["id"]] = (str(check.get("outcome")), float(check["points"]))
    return claim


def compare_claim(claim: Claim, verified: dict[str, tuple[str, float, bool]]) -> str | None:
    """Why the claimed and verified scores differ (None when they agree).

    `verified` maps check id -> (outcome, points, hidden). Only checks that ran in both gradings
    are compared: a GPU check skipped on the instructor's machine, or a hidden check the student
    never saw, is no discrepancy."""
    problems = []
    claimed_sum = sum(points for _, points in claim.checks.values())
    if claim.score is not None and abs(claim.score - claimed_sum) > 1e-6:
        problems.append(
            f"the report's score {claim.score:g} is not the sum of its checks ({claimed_sum:g})"
        )
    differing = []
    for check_id, (outcome, points, hidden) in verified.items():
        if hidden or check_id not in claim.checks:
            continue
        claimed_outcome, claimed_points = claim.checks[check_id]
        if Outcome.SKIPPED in (outcome, claimed_outcome):
            continue
        if abs(claimed_points - points) > 1e-6:
            differing.append((check_id.split("::")[-1], claimed_points, points))
    if differing:
        claimed = sum(c for _, c, _ in differing)
        verified_points = sum(v for _, _, v in differing)
        names = ", ".join(name for name, _, _ in differing[:3])
        more = f" and {len(differing) - 3} more" if len(differing) > 3 else ""
        problems.append(
            f"{len(differing)} check(s) claim {claimed:g} points but verify at {verified_points:g} ({names}{more})"
        )
    return "; ".join(problems) or None
