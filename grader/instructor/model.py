"""What a collect works with and hands on: the instructor's options, the setup every stage reads,
each student's line, the lines as the exports stream them, and the class result that the CLI
reads after the collect."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.engine.hidden import HiddenChecks
from grader.instructor.gradebook import Gradebook
from grader.instructor.lines import StudentRow
from grader.instructor.roster import Roster
from grader.instructor.stats import CheckStats
from grader.instructor.unzip import ZipCaps
from grader.manifest import Course

Progress = Callable[[int, int, str], None]  # (done, total, what just finished)


@dataclass(frozen=True)
class Options:
    """What the instructor asked for."""

    paths: list[Path]
    out_dir: Path
    checks: Path | None = None
    roster: Path | None = None
    jobs: int = 1
    timeout: float | None = None
    memory_mib: int | None = None
    caps: ZipCaps = field(default_factory=ZipCaps)


@dataclass(frozen=True)
class Setup:
    """What every stage of one collect reads: the course, the cache keys and the job spec."""

    course: Course
    official: str  # checks_sha256 of this checkout
    checks_key: str  # cache key of a grading: official and hidden checks, limits, grader
    verdict_key: str  # cache key of a verification: checks, schema, grader
    hidden: HiddenChecks | None
    spec: dict[str, Any]  # what every grading job is told
    roster: Roster | None = None  # who is in the class (--roster), to tie hand-ins to people


@dataclass(frozen=True)
class ClassRows:
    """Every student's latest line of the class (this collect's students and those of earlier
    collects into the same gradebook), read a row at a time from its open gradebook, and the
    roster that grades.csv carries columns from. The exports stream these while the collect
    runs: nothing per student is held, and nothing is readable once the gradebook is closed."""

    book: Gradebook
    roster: Roster | None = None

    def rows(self, flagged: bool = False) -> Iterator[StudentRow]:
        """Every student's line (or the flagged ones'), by student id."""
        return self.book.class_lines(flagged)

    def percents(self) -> Iterator[float]:
        """Graded students' totals as percentages, smallest first."""
        return self.book.percents()


FIRST_FLAGGED = 100  # flagged students a ClassResult keeps for the terminal; the files have all


@dataclass(frozen=True)
class ClassResult:
    """What one collect learned, as plain data taken at its end while the gradebook was open:
    valid after it closed. Small whatever the class size: the counts, the totals' median, mean
    and histogram, the per-check statistics and the first flagged students; every student's line
    is in grades.csv and the gradebook."""

    course: Course
    collection: int
    out_dir: Path  # where grades.csv, checks.csv, summary.html, reports/ and the gradebook are
    notes: tuple[str, ...]  # input passed over
    checks: tuple[CheckStats, ...]
    exercise_max: dict[str, float]  # exercise id -> points counted in this collect
    students: int  # lines in grades.csv: the class so far
    collected: int  # submissions this collect graded (each student's latest)
    graded: int  # students with at least one exercise graded
    flagged: int  # students with at least one flag
    graded_now: int  # exercise gradings run by this collect
    cached: int  # exercise gradings found in the gradebook
    median: float | None  # of the graded students' percentages; None when none was graded
    mean: float | None
    histogram: tuple[int, ...]  # graded students per tenth of the percentage scale
    first_flagged: tuple[StudentRow, ...]  # by id, FIRST_FLAGGED at most
