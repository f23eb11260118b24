"""One grading run from start to finish: resolve the target, take a private copy of the
submission, hold it to the submission policy, run the checks, score them and note anything
that makes the grade doubtful."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.engine import landlock
from grader.engine.environment import describe_host, require_mlx
from grader.engine.events import RawResult
from grader.engine.guard import course_hidden_paths
from grader.engine.hidden import HiddenChecks, load_hidden_checks
from grader.engine.integrity import checks_sha256, file_digests, modified_since_release
from grader.engine.jobs import CheckFile, Confinement, ExerciseJob, Limits
from grader.engine.launch import Launcher, SpawnLauncher, default_launcher
from grader.engine.protocol import CheckId, Outcome
from grader.engine.results import POLICY_BLOCKED, CheckResult, ExerciseResult, GradingRun
from grader.engine.sandbox import PrivateCopy, Sandbox, descendants
from grader.engine.supervisor import run_checks
from grader.errors import UsageError
from grader.manifest import Course, Exercise
from grader.policy import Policy, Violation, load_policy
from grader.report import Provenance

NAMED_TARGETS = ("exercises", "solutions")
KERNEL_CACHE = ".grade/mlx-kernels"  # MLX's compiled CPU kernels, kept between the user's runs


@dataclass(frozen=True)
class Graded:
    """A finished run and the provenance its report needs."""

    run: GradingRun
    provenance: Provenance


def resolve_target(course: Course, target: str, exercises: tuple[Exercise, ...]) -> Path:
    """The folder to grade: `exercises`, `solutions`, or a folder laid out like exercises/.

    A named target means the course's folder. When the working folder has a folder of that
    name that is not the course's (an unzipped submission, say), the name is ambiguous and the
    user has to say which one they mean.
    """
    if target in NAMED_TARGETS:
        path = (course.root / target).resolve()
        here = (Path.cwd() / target).resolve()
        if here != path and here.is_dir():
            raise UsageError(
                f"--target {target} means the course's {path}, but this folder has its own "
                f"{target}/; pass --target ./{target} to grade that one, or --target {path}"
            )
    else:
        path = Path(target).expanduser().resolve()
    if not path.is_dir():
        raise UsageError(
            f"target folder {target} does not exist; pass --target exercises, solutions or a folder laid out like exercises/"
        )
    missing = [ex.file for ex in exercises if not (path / ex.file).is_file()]
    if missing:
        raise UsageError(
            f"{path} lacks {', '.join(missing)}; copy the missing files from exercises/ "
            "or name only the exercises it has (grade run ID ...)"
        )
    return path


def grade(
    course: Course,
    exercises: tuple[Exercise, ...],
    *,
    folder: Path,
    limits: Limits,
    student: str | None = None,
    extra_checks: Path | None = None,
    sandbox: Sandbox | None = None,
    launcher: Launcher | None = None,
    policy: Policy | None = None,
) -> Graded:
    """Grade `exercises` in `folder` (what `resolve_target` gave); faults in student code become
    outcomes, never exceptions.

    `extra_checks` is an instructor's folder of hidden checks (see grader.engine.hidden). A
    `sandbox`, `launcher` and `policy` given are shared with other runs (a GradingSession's);
    otherwise the run makes its own and removes them when it ends. Only the caller writes the
    report, after every grading process is gone.
    """
    require_mlx()
    policy = policy or load_policy(course.root)
    hidden = load_hidden_checks(extra_checks, course) if extra_checks is not None else None
    box = sandbox or Sandbox(policy.max_bytes)
    start = launcher or default_launcher(course.root, box)
    made: list[Path] = []  # this run's folders in a shared sandbox: no later run may read them
    try:
        submission = box.copy_submission(folder, [ex.file for ex in exercises])
        made.append(submission.folder.parent)
        if hidden is not None:
            hidden = box.copy_hidden_checks(hidden)
            made.append(hidden.folder)
        own = folder in {(course.root / name).resolve() for name in NAMED_TARGETS}
        kernels = box.kernel_cache(course.root / KERNEL_CACHE, private=not own)
        if not own:
            made.append(kernels)
        return _grade_copy(
            course, exercises, submission, policy, hidden, limits, student, start, kernels
        )
    finally:
        if launcher is None:
            start.close()
            descendants().sweep()  # nothing of the run outlives it, the zygote's kin included
        if sandbox is None:
            box.cleanup()
        else:
            for path in made:
                box.remove(path)


def _grade_copy(
    course: Course,
    exercises: tuple[Exercise, ...],
    submission: PrivateCopy,
    policy: Policy,
    hidden: HiddenChecks | None,
    limits: Limits,
    student: str | None,
    launcher: Launcher,
    kernels: Path,
) -> Graded:
    digests = file_digests(course)
    display = submission.origin.name
    violations = {
        ex.id: policy.check(submission.sources[ex.file], f"{display}/{ex.file}", ex.id)
        for ex in exercises
    }
    # An exercise that breaks the policy is still "run", against a stand-in that never loads its
    # file: which checks skip here (no framework, no GPU) decides its maximum, as for any answer.
    jobs = {ex.id: _job(course, ex, hidden, bool(violations[ex.id])) for ex in exercises}
    runnable = list(jobs.values())
    confinement = Confinement(
        hidden=course_hidden_paths(course.root) + ([str(hidden.origin)] if hidden else []),
        hidden_after_collection=[str(hidden.folder)] if hidden else [],
        kernels=kernels,
    )
    collected = run_checks(course.root, runnable, submission.folder, limits, launcher, confinement)

    notes = [
        f"{reason} (during start-up)" for check, reason in collected.suspicious if check is None
    ]
    if file_digests(course) != digests:
        notes.append("check files or the manifest changed while grading")

    results = []
    for ex in exercises:
        job = jobs[ex.id]
        blocked = violations[ex.id]
        labels = {f.label for f in job.files}
        seen = [(CheckId.parse(check), reason) for check, reason in collected.suspicious if check]
        suspicious = [f"{reason} (during {c.name})" for c, reason in seen if c.label in labels]
        if submission.changed(ex.file):
            suspicious.append("the submission's private copy was changed while it was graded")
        checks = [
            _check_result(f, c.name, c.points, collected.results.get(f.check_id(c.name)), blocked)
            for f in job.files
            for c in f.checks
        ]
        results.append(
            ExerciseResult(
                id=ex.id,
                title=ex.title,
                concept=ex.concept,
                file=ex.file,
                submission_sha256=submission.sha256(ex.file),
                checks=checks,
                suspicious=suspicious,
                # A file over the size cap was never read whole: it carries no source.
                source=submission.sources[ex.file] if submission.complete(ex.file) else None,
                violations=[v.describe() for v in blocked],
            )
        )
    run = GradingRun(
        exercises=results,
        environment=collected.environment or describe_host(),
        limits={"timeout_s": limits.timeout, "memory_limit_mib": limits.memory_mib},
        notes=notes,
        restarts=collected.restarts,
        unconfined=landlock.available().missing(),
    )
    provenance = Provenance(
        course_name=course.name,
        checks_sha256=checks_sha256(digests),
        modified_files=modified_since_release(digests),
        student=student,
        target=str(submission.origin),
        declared_max_score=sum(ex.max_score for ex in exercises),
        hidden_checks_sha256=hidden.sha256 if hidden is not None else None,
        file_digests=digests,
    )
    return Graded(run, provenance)


def _job(
    course: Course, exercise: Exercise, hidden: HiddenChecks | None, policy_blocked: bool
) -> ExerciseJob:
    official = CheckFile(
        path=course.root / exercise.check_file, label=exercise.check_file, checks=exercise.checks
    )
    extra = hidden.files.get(exercise.id) if hidden is not None else None
    files = (official, extra) if extra is not None else (official,)
    return ExerciseJob(exercise, files, policy_blocked)


def _check_result(
    file: CheckFile, name: str, points: float, raw: RawResult | None, blocked: list[Violation]
) -> CheckResult:
    if blocked and not (raw is not None and raw.outcome is Outcome.SKIPPED):
        first = blocked[0].describe()
        more = (
            f" (and {len(blocked) - 1} more, listed with the exercise)" if len(blocked) > 1 else ""
        )
        raw = RawResult(Outcome.ERROR, f"{POLICY_BLOCKED}: {first}{more}")
    raw = raw or RawResult(Outcome.ERROR, "the check did not report a result")
    return CheckResult(
        id=file.check_id(name),
        name=name,
        outcome=raw.outcome,
        max_points=points,
        message=raw.message,
        duration=raw.duration,
        output=raw.output,
        hidden=file.hidden,
        traceback=raw.traceback,
    )


class GradingSession:
    """Grades again and again with grading processes kept warm (the zygote, or a spawned process
    started ahead of time), so that a run skips the interpreter's start-up and imports: the
    watch mode's fast path."""

    def __init__(self, course: Course, limits: Limits) -> None:
        require_mlx()
        self.course = course
        self.limits = limits
        self.policy = load_policy(course.root)
        self.sandbox = Sandbox(self.policy.max_bytes)
        self.launcher = default_launcher(course.root, self.sandbox, spares=1)

    def grade(
        self,
        exercises: tuple[Exercise, ...],
        target: str,
        student: str | None = None,
        extra_checks: Path | None = None,
    ) -> Graded:
        """Grade as `grader.engine.grading.grade` does, using the warm processes."""
        try:
            return grade(
                self.course,
                exercises,
                folder=resolve_target(self.course, target, exercises),
                limits=self.limits,
                student=student,
                extra_checks=extra_checks,
                sandbox=self.sandbox,
                launcher=self.launcher,
                policy=self.policy,
            )
        finally:
            if isinstance(self.launcher, SpawnLauncher):
                self.launcher.refill()

    def close(self) -> None:
        """Stop the warm processes and remove the session's files."""
        self.launcher.close()
        self.sandbox.cleanup()

    def __enter__(self) -> GradingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
