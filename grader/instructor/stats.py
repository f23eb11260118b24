"""How each check did across a class: pass rate, mean points and discrimination, with the flags
that point an instructor at checks worth a second look; and the class totals' median, mean and
histogram (plain arithmetic, no I/O: the collect feeds it from the gradebook, see assemble.py).

A class of any size is summed in O(number of checks) memory: a `Tally` per check is fed the
students twice, in the same order (the first pass gives the means, the second the centred
sums), which gives the same floating-point results as the textbook two-pass formula over lists."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice

LOW_DISCRIMINATION = 0.2
TOO_EASY = 0.95
TOO_HARD = 0.2


@dataclass(frozen=True)
class CheckStats:
    """One check's numbers over the students it ran for."""

    check_id: str
    exercise: str
    name: str
    points: float
    hidden: bool
    students: int  # students the check counted for (not skipped)
    pass_rate: float | None
    mean_points: float | None
    discrimination: float | None  # None when either side has no spread
    flags: tuple[str, ...]


class Tally:
    """One check's running sums: `first` for every student, then `second` for the same students
    in the same order. x is 1.0 for a pass and 0.0 otherwise; y is the student's rest score."""

    def __init__(self, points: float) -> None:
        self.points = points
        self.n = 0
        self.passed = 0.0
        self.got = 0.0
        self.rest = 0.0
        self.sxx = 0.0
        self.syy = 0.0
        self.sxy = 0.0

    def passes(self, got: float) -> float:
        """1.0 when `got` is the check's full points (to rounding), else 0.0."""
        return 1.0 if got >= self.points - 1e-9 else 0.0

    def first(self, got: float, rest: float) -> None:
        """Pass one: a student's points on this check and the total of their other checks."""
        self.n += 1
        self.passed += self.passes(got)
        self.got += got
        self.rest += rest

    def second(self, got: float, rest: float) -> None:
        """Pass two: the same student again, for the sums of squares around the means."""
        dx = self.passes(got) - self.passed / self.n
        dy = rest - self.rest / self.n
        self.sxx += dx**2
        self.syy += dy**2
        self.sxy += dx * dy

    def discrimination(self) -> float | None:
        """Pearson's r of passing with the rest score; None when either has no spread."""
        if self.n < 2 or self.sxx <= 1e-12 or self.syy <= 1e-12:
            return None
        return self.sxy / math.sqrt(self.sxx * self.syy)


def check_stats(
    check_id: str,
    exercise: str,
    name: str,
    points: float,
    hidden: bool,
    earned: list[tuple[float, float]],
) -> CheckStats:
    """Numbers for one check. `earned` has one (points on this check, total of the student's
    other checks) pair per student it counted for. Discrimination is the point-biserial
    correlation of passing with that rest score (Pearson's r with a 0/1 variable)."""
    tally = Tally(points)
    for got, rest in earned:
        tally.first(got, rest)
    for got, rest in earned:
        tally.second(got, rest)
    return stats_of(check_id, exercise, name, hidden, tally)


def stats_of(check_id: str, exercise: str, name: str, hidden: bool, tally: Tally) -> CheckStats:
    """A check's numbers and flags from its tally after both passes."""
    n = tally.n
    pass_rate = tally.passed / n if n else None
    mean_points = tally.got / n if n else None
    discrimination = tally.discrimination()
    flags = []
    if discrimination is not None and discrimination < LOW_DISCRIMINATION:
        flags.append(f"discrimination {discrimination:.2f} < {LOW_DISCRIMINATION}")
    if pass_rate is not None and pass_rate > TOO_EASY:
        flags.append(f"pass rate {pass_rate:.0%} > {TOO_EASY:.0%}")
    if pass_rate is not None and pass_rate < TOO_HARD:
        flags.append(f"pass rate {pass_rate:.0%} < {TOO_HARD:.0%}")
    return CheckStats(
        check_id,
        exercise,
        name,
        tally.points,
        hidden,
        n,
        pass_rate,
        mean_points,
        discrimination,
        tuple(flags),
    )


def histogram(values: Iterable[float], bins: int = 10, top: float = 100.0) -> list[int]:
    """Counts of `values` (0..top) in `bins` equal bins; `top` itself falls in the last one."""
    counts = [0] * bins
    for value in values:
        index = min(bins - 1, max(0, int(value / top * bins)))
        counts[index] += 1
    return counts


def median_and_mean(
    ascending: Callable[[], Iterable[float]], n: int
) -> tuple[float | None, float | None]:
    """The median and mean of `n` values (as statistics.median and fmean give them), from a
    function that yields them smallest first each time it is called: two passes, none held."""
    if not n:
        return None, None
    mean = math.fsum(ascending()) / n
    middle = list(islice(ascending(), (n - 1) // 2, n // 2 + 1))
    median = middle[0] if n % 2 else (middle[0] + middle[1]) / 2
    return median, mean
