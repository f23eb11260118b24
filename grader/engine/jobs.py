"""What one grading run asks of the engine: its resource limits, the check files of each
exercise and what its grading processes may not see. Plain data, shared by the supervisor, the
launcher, hidden checks and both users' loops."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader.engine.protocol import CheckId
from grader.manifest import Check, Course, Exercise


def default_jobs() -> int:
    """Grading processes to run side by side: one per core, at most four."""
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True)
class Limits:
    """Resource limits of one grading run."""

    timeout: float  # seconds per check, unless the manifest gives the check its own
    memory_mib: int  # resident memory of the grading process and its children
    jobs: int = 1  # grading processes side by side
    startup: float = 120.0  # seconds for the process to start and collect the checks

    @classmethod
    def for_course(
        cls,
        course: Course,
        *,
        timeout: float | None = None,
        memory_mib: int | None = None,
        jobs: int | None = None,
    ) -> Limits:
        """The limits of a run of `course`: what is given, the course's defaults for the rest."""
        return cls(
            timeout=timeout or course.default_timeout,
            memory_mib=memory_mib or course.memory_limit_mib,
            jobs=jobs or default_jobs(),
        )

    def describe_memory(self) -> str:
        """The memory limit as people write it (`4 GiB`, `512 MiB`)."""
        if self.memory_mib % 1024 == 0:
            return f"{self.memory_mib // 1024} GiB"
        return f"{self.memory_mib} MiB"


@dataclass(frozen=True)
class CheckFile:
    """One check file run for an exercise: the course's own, or an instructor's hidden one."""

    path: Path  # absolute
    label: str  # the prefix of its check ids: tests/test_01_x.py or hidden/test_01_x.py
    checks: tuple[Check, ...]
    hidden: bool = False

    def check_id(self, name: str) -> str:
        """The id of one of its checks."""
        return str(CheckId(self.label, name))


@dataclass(frozen=True)
class ExerciseJob:
    """Everything one grading process needs to grade one exercise."""

    exercise: Exercise
    files: tuple[CheckFile, ...]
    # The submission breaks the policy: its checks run against a stand-in that never loads it.
    policy_blocked: bool = False

    def ids(self) -> list[str]:
        """Every check id of the exercise, official ones first."""
        return [f.check_id(c.name) for f in self.files for c in f.checks]


@dataclass(frozen=True)
class Confinement:
    """What the grading processes of one run may not see, and the one shared folder they use."""

    hidden: list[str]  # folders they may never read (solutions/, the instructor's checks)
    hidden_after_collection: list[str]  # read by pytest while collecting, then hidden too
    kernels: Path  # the MLX kernel cache of this run
