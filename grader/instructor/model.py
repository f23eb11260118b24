"""What a collect works with and hands on: the instructor's options, each student's line and
the class result that the exports, the summary and the CLI read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.instructor.gradebook import Gradebook
from grader.instructor.inputs import ZipCaps
from grader.instructor.roster import Roster
from grader.instructor.stats import CheckStats
from grader.manifest import Course


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


@dataclass
class StudentRow:
    """One student's line in the gradebook (small: the report itself is on disk)."""

    student: str
    name: str | None
    origin: str
    kind: str
    scores: dict[str, float]  # exercise id -> points, for graded exercises
    total: float
    maximum: float
    claimed: float | None
    flags: list[tuple[str, str]]
    graded: bool

    @property
    def percent(self) -> float:
        """Total as a percentage of the class maximum."""
        return 100.0 * self.total / self.maximum if self.maximum else 0.0


FIRST_FLAGGED = 100  # flagged students a ClassResult keeps for the terminal; the files have all


@dataclass
class ClassResult:
    """Everything one collect learned, for the exports and the CLI. Per-student lines stay in
    the gradebook: `rows()` reads them while the collect's gradebook is open."""

    course: Course
    checks: list[CheckStats]
    exercise_max: dict[str, float]  # exercise id -> points counted in this collect
    notes: list[str]
    graded_now: int  # exercise gradings run by this collect
    cached: int  # exercise gradings found in the gradebook
    out_dir: Path
    collection: int
    roster: Roster | None = None
    students: int = 0  # lines in grades.csv
    graded: int = 0  # students with at least one exercise graded
    flagged: int = 0  # students with at least one flag
    first_flagged: list[StudentRow] = field(default_factory=list)  # by id, FIRST_FLAGGED at most
    book: Gradebook | None = None

    def rows(self, flagged: bool = False) -> Iterator[StudentRow]:
        """Every student's line (or the flagged ones'), by student id."""
        if self.book is None:
            raise RuntimeError("a ClassResult reads its rows only while its collect runs")
        for row in self.book.rows("flags != '[]'" if flagged else "1"):
            yield StudentRow(*row[:10])

    def percents(self) -> Iterator[float]:
        """Graded students' totals as percentages, smallest first."""
        if self.book is None:
            raise RuntimeError("a ClassResult reads its rows only while its collect runs")
        return self.book.percents()
