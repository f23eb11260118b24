"""What a grading run produces: per-check outcomes and their scores (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.engine.protocol import Outcome

# Outcomes that leave nothing to do: a skipped check does not count towards the maximum.
COUNTS_AS_DONE = (Outcome.PASSED, Outcome.SKIPPED)
# How a check of an exercise the submission policy refused begins its message: the exercise's
# violations say why, once for all its checks.
POLICY_BLOCKED = "not run: the submission breaks the course policy"


@dataclass
class CheckResult:
    """The outcome of one check."""

    id: str  # pytest node id, e.g. tests/test_01_lazy_evaluation.py::test_x
    name: str
    outcome: str  # an Outcome's value (reports read back from JSON hold plain strings)
    max_points: float
    message: str = ""
    duration: float = 0.0
    output: str = ""
    hidden: bool = False  # an instructor's hidden check: not part of the student's local run
    traceback: str = ""  # frames in student code, one per line (shown by `grade -v`, not reported)

    @property
    def points(self) -> float:
        """Points earned: all of them for a pass, none otherwise."""
        return self.max_points if self.outcome == Outcome.PASSED else 0.0


@dataclass
class ExerciseResult:
    """The checks of one exercise, with the score they add up to."""

    id: str
    title: str
    concept: str
    file: str
    submission_sha256: str | None
    checks: list[CheckResult]
    suspicious: list[str] = field(default_factory=list)
    source: str | None = None  # the text that was graded (the private copy's)
    violations: list[str] = field(default_factory=list)  # submission policy, one line each

    @property
    def score(self) -> float:
        """Points earned in this exercise."""
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        """Points that could be earned in this run: skipped checks (no GPU, no framework) do not count."""
        return sum(c.max_points for c in self.checks if c.outcome != Outcome.SKIPPED)

    @property
    def complete(self) -> bool:
        """True when every check that ran passed (and at least one ran)."""
        return self.max_score > 0 and self.first_problem is None

    @property
    def first_problem(self) -> CheckResult | None:
        """The first check that did not pass or skip."""
        return next((c for c in self.checks if c.outcome not in COUNTS_AS_DONE), None)


@dataclass
class GradingRun:
    """Everything one `grade run` learned, before it becomes a report."""

    exercises: list[ExerciseResult]
    environment: dict[str, Any]
    limits: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # run-wide integrity findings
    restarts: int = 0  # grading processes started again after a fault
    unconfined: list[str] = field(default_factory=list)  # kernel layers this machine lacks

    @property
    def score(self) -> float:
        """Points earned across the selected exercises."""
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        """Points that could be earned across the selected exercises in this run."""
        return sum(e.max_score for e in self.exercises)

    @property
    def all_passed(self) -> bool:
        """True when no selected check failed, errored, timed out or crashed."""
        return all(c.outcome in COUNTS_AS_DONE for e in self.exercises for c in e.checks)
