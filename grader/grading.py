"""One grading run from start to finish: resolve the target, run the checks, score them and
note anything that makes the grade doubtful."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.environment import describe_host
from grader.errors import UsageError
from grader.integrity import (
    checks_sha256,
    file_digests,
    modified_since_release,
    scan_submission,
    sha256_file,
)
from grader.manifest import Course, Exercise
from grader.report import Provenance
from grader.results import CheckResult, ExerciseResult, GradingRun
from grader.runner import Limits, RawResult, node_id, run_checks

NAMED_TARGETS = ("exercises", "solutions")


@dataclass(frozen=True)
class Graded:
    """A finished run and the provenance its report needs."""

    run: GradingRun
    provenance: Provenance


def resolve_target(course: Course, target: str, exercises: tuple[Exercise, ...]) -> Path:
    """The folder to grade: `exercises`, `solutions`, or a folder laid out like exercises/."""
    path = course.root / target if target in NAMED_TARGETS else Path(target).expanduser().resolve()
    if not path.is_dir():
        raise UsageError(
            f"target folder {target} does not exist; pass --target exercises, solutions or a folder laid out like exercises/"
        )
    missing = [ex.file for ex in exercises if not (path / ex.file).is_file()]
    if missing:
        raise UsageError(
            f"{target} lacks {', '.join(missing)}; copy the missing files from exercises/ "
            "or name only the exercises it has (grade run ID ...)"
        )
    return path


def grade(
    course: Course,
    exercises: tuple[Exercise, ...],
    target: str,
    limits: Limits,
    student: str | None,
    report_path: Path | None,
) -> Graded:
    """Grade `exercises` in `target`; faults in student code become outcomes, never exceptions."""
    folder = resolve_target(course, target, exercises)
    digests = file_digests(course)
    protected = [course.root / rel for rel in digests]
    if report_path is not None:
        protected.append(report_path)
    report_before = _fingerprint(report_path)
    collected = run_checks(course, exercises, folder, limits, protected)

    # What happened during a check belongs to its exercise; the rest concerns the whole run.
    notes = [
        f"{reason} (during start-up)" for nodeid, reason in collected.suspicious if nodeid is None
    ]
    if file_digests(course) != digests:
        notes.append("check files or the manifest changed while grading")
    if report_path is not None and _fingerprint(report_path) != report_before:
        notes.append(f"the report file {report_path.name} was changed or deleted while grading")

    results = []
    for ex in exercises:
        path = folder / ex.file
        checks = [
            _check_result(
                ex, check.name, check.points, collected.results.get(node_id(ex, check.name))
            )
            for check in ex.checks
        ]
        results.append(
            ExerciseResult(
                id=ex.id,
                title=ex.title,
                concept=ex.concept,
                file=ex.file,
                submission_sha256=sha256_file(path) if path.is_file() else None,
                checks=checks,
                suspicious=scan_submission(path)
                + [
                    f"{reason} (during {nodeid.split('::')[1]})"
                    for nodeid, reason in collected.suspicious
                    if nodeid and nodeid.startswith(ex.check_file + "::")
                ],
            )
        )
    run = GradingRun(
        exercises=results,
        environment=collected.environment or describe_host(),
        limits={"timeout_s": limits.timeout, "memory_limit_mib": limits.memory_mib},
        notes=notes,
        restarts=collected.restarts,
    )
    provenance = Provenance(
        course_name=course.name,
        checks_sha256=checks_sha256(digests),
        modified_files=modified_since_release(digests),
        student=student,
        target=target,
        declared_max_score=sum(ex.max_score for ex in exercises),
    )
    return Graded(run, provenance)


def _check_result(ex: Exercise, name: str, points: float, raw: RawResult | None) -> CheckResult:
    raw = raw or RawResult("error", "the check did not report a result")
    return CheckResult(
        id=node_id(ex, name),
        name=name,
        outcome=raw.outcome,
        max_points=points,
        message=raw.message,
        duration=raw.duration,
        output=raw.output,
    )


def _fingerprint(path: Path | None) -> tuple[int, int] | None:
    if path is None or not path.exists():
        return None
    stat = path.stat()
    return (stat.st_mtime_ns, stat.st_size)
