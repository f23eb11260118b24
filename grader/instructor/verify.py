"""Checking a submitted report before anything in it is believed: its size and shape, the schema,
the sources against their digests, the course and its checks against the instructor's checkout.
What the report claims is kept apart from what it proves, so the claim can be compared with the
regrade.

Every report is hostile until shown otherwise: its shape is bounded before the schema sees it
(a validator collects an error per bad value, and 150,000 empty objects made gigabytes of
them), a number must be one a report can hold, and text must be text (a lone surrogate, which
JSON can spell and UTF-8 cannot, is never stored). Whatever is wrong becomes a flag."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, Any

from grader.engine.integrity import file_digests
from grader.engine.protocol import Outcome
from grader.errors import CourseError
from grader.instructor.flags import INVALID, MISMATCHED, OTHER_COURSE, STALE, UNREADABLE
from grader.instructor.inputs import HandIn
from grader.instructor.unzip import visible
from grader.manifest import Course
from grader.report import SCHEMA_PATH

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

MAX_STUDENT_ID = 120  # characters; ids are logins, not essays
# Bounds on a report's shape, far past any real one (the course's 10 exercises of about 10
# checks make some 1,500 values, 6 deep, no list over a few dozen items).
MAX_VALUES = 20_000
MAX_ITEMS = 1_000  # in one list or object
MAX_DEPTH = 32
MAX_NUMBER = 1e12  # points, seconds, MiB: anything larger is no measurement
MAX_ERRORS = 100  # schema errors gathered (and sorted) before the rest are only counted
STALE_SHOWN = 3  # differing files named in a stale-version flag
_SURROGATE = re.compile("[\ud800-\udfff]")


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
    """Check `submission` against its bounds, the schema, its digests and the course; flags,
    never raises. Every flag's detail and the student id are valid text."""
    checked = Checked(None, dict(submission.sources), None, list(submission.problems))
    if submission.kind == "report" and submission.raw is not None:
        _verify_report(checked, submission.raw, course, checks_sha256)
    checked.flags = [(kind, visible(detail)) for kind, detail in checked.flags]
    return checked


def _verify_report(checked: Checked, raw: bytes, course: Course, checks_sha256: str) -> None:
    try:
        report = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        checked.flags.append((UNREADABLE, f"not JSON: {_short(exc)}"))
        return
    if not isinstance(report, dict):
        checked.flags.append((INVALID, "JSON, but not a report object"))
        return
    too_large, odd_numbers = _shape(report)
    if too_large is not None:
        checked.flags.append((INVALID, f"{too_large}; not read further"))
        return
    if odd_numbers:
        checked.flags.append((INVALID, _odd_numbers(odd_numbers)))
    _read_identity(checked, report)
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
        return
    if course_info.get("checks_sha256") != checks_sha256:
        checked.flags.append((STALE, stale_detail(course_info.get("files"), course)))
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
        odd = _SURROGATE.search(text)
        if odd is not None:
            checked.flags.append(
                (
                    UNREADABLE,
                    f"{entry['id']}: the source holds a lone surrogate ({visible(odd.group())} "
                    f"at character {odd.start()}), which no text file can; not graded",
                )
            )
            continue
        if entry.get("submission_sha256") != source_sha256(text):
            checked.flags.append(
                (
                    MISMATCHED,
                    f"{entry['id']}: the source is not the one its digest names; the source was graded",
                )
            )
        checked.texts[entry["id"]] = text
    if not checked.texts and not errors and not any(k == UNREADABLE for k, _ in checked.flags):
        checked.flags.append((INVALID, "carries no exercise source to grade"))


def _read_identity(checked: Checked, report: dict[str, Any]) -> None:
    """The report's student id and time, as valid text (a lone surrogate shown escaped, and
    said so: the gradebook, grades.csv and every LMS need text)."""
    student = report.get("student")
    if isinstance(student, str) and student.strip():
        shown = visible(" ".join(student.split()))[:MAX_STUDENT_ID]
        if shown != " ".join(student.split())[:MAX_STUDENT_ID]:
            checked.flags.append(
                (
                    INVALID,
                    f"the student id holds lone surrogates (not text); filed as {shown!r}",
                )
            )
        checked.student = shown
    created = report.get("created")
    if isinstance(created, str):
        checked.created = visible(created)[:64]


def _shape(report: dict[str, Any]) -> tuple[str | None, list[tuple[str, Any]]]:
    """(Why the report is too large to look at, or None; the numbers no report can hold, as
    (where, number)). A walk with its own stack that stops at the first bound it passes, so a
    report of any size costs at most MAX_VALUES steps."""
    stack: list[tuple[Any, str, int]] = [(report, "", 0)]
    seen = 0
    odd: list[tuple[str, Any]] = []
    while stack:
        value, where, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            return f"holds more than {MAX_VALUES} values (a whole report holds about 1,500)", odd
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                return f"{where or '(top)'}: nested more than {MAX_DEPTH} deep", odd
            if len(value) > MAX_ITEMS:
                return f"{where or '(top)'}: {len(value)} items (the bound is {MAX_ITEMS})", odd
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((item, f"{where}/{key}" if where else str(key), depth + 1)
                         for key, item in items)  # fmt: skip
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if _number(value) is None:
                odd.append((where, value))
    return None, odd


def _number(value: Any) -> float | None:
    """A JSON number a report can hold, as a float; None for anything else (not a number,
    infinite, NaN, or too large to be points, seconds or MiB)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int):  # (an int of 400 digits cannot even become a float)
        return float(value) if abs(value) <= MAX_NUMBER else None
    return value if math.isfinite(value) and abs(value) <= MAX_NUMBER else None


def _odd_numbers(odd: list[tuple[str, Any]]) -> str:
    def shown(value: Any) -> str:
        if isinstance(value, int):
            return f"a {len(str(abs(value)))}-digit number"
        return repr(value)

    listed = ", ".join(f"{where}: {shown(value)}" for where, value in sorted(odd)[:3])
    more = f" and {len(odd) - 3} more" if len(odd) > 3 else ""
    return f"numbers no report can hold ({listed}{more}); they are not believed"


def stale_detail(files: Any, course: Course) -> str:
    """What a stale-version flag says: the scoring files whose digests in the report's
    `course.files` differ from this checkout's (the first few, then how many more), or, for a
    report made before reports carried them, only that the checks differ."""
    if not isinstance(files, dict) or not files:
        return (
            "the student graded with checks that differ from yours (the report is from a grader "
            "that does not say which files); regraded with yours"
        )
    mine = instructor_digests(course)
    differ = sorted(name for name in set(mine) | set(files) if files.get(name) != mine.get(name))
    if not differ:
        return (
            "the report's checks digest is not yours, though every scoring file it lists matches "
            "yours; regraded with yours"
        )
    names = ", ".join(_file_name(name) for name in differ[:STALE_SHOWN])
    more = f" and {len(differ) - STALE_SHOWN} more" if len(differ) > STALE_SHOWN else ""
    return f"the student graded with other checks: {names}{more} differ from yours; regraded with yours"


def _file_name(name: str) -> str:
    shown = visible(name)
    return shown if len(shown) <= 80 else shown[:77] + "..."


_INSTRUCTOR_DIGESTS: dict[str, dict[str, str]] = {}


def instructor_digests(course: Course) -> dict[str, str]:
    """The digest of each scoring file of the instructor's checkout, read once per process."""
    key = str(course.root)
    if key not in _INSTRUCTOR_DIGESTS:
        _INSTRUCTOR_DIGESTS[key] = file_digests(course)
    return _INSTRUCTOR_DIGESTS[key]


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def schema_errors(report: dict[str, Any], limit: int = 3) -> list[str]:
    """Up to `limit` ways `report` breaks grader/report.schema.json (empty when it conforms)."""
    validator = _validator()
    # Gathered up to a bound: a report that breaks the schema everywhere has as many errors as
    # values, and each holds the schema and value it is about.
    errors = sorted(
        islice(validator.iter_errors(report), MAX_ERRORS),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    out = []
    for error in errors[:limit]:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        out.append(f"{where}: {message}")
    if len(errors) >= MAX_ERRORS:
        out.append(f"and over {MAX_ERRORS - limit} more schema errors")
    elif len(errors) > limit:
        out.append(f"and {len(errors) - limit} more schema errors")
    return out


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    try:
        import jsonschema
    except ImportError as exc:
        raise CourseError(
            "grade collect validates reports with jsonschema: pip install -e '.[dev]' (or pip install jsonschema)"
        ) from exc
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _claim(report: dict[str, Any]) -> Claim:
    """What the report claims, from the numbers it can hold (an odd one is flagged already)."""
    claim = Claim(score=_number(report.get("score")))
    exercises = report.get("exercises")
    for entry in exercises if isinstance(exercises, list) else []:
        checks = entry.get("checks") if isinstance(entry, dict) else None
        for check in checks if isinstance(checks, list) else []:
            if not isinstance(check, dict) or not isinstance(check.get("id"), str):
                continue
            points = _number(check.get("points"))
            if points is not None:
                claim.checks[check["id"]] = (str(check.get("outcome")), points)
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
