"""How each check did across a class: pass rate, mean points and discrimination, with the flags
that point an instructor at checks worth a second look (plain arithmetic, no I/O)."""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson correlation of two equal-length samples; None when either has no spread."""
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


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
    passed = [1.0 if got >= points - 1e-9 else 0.0 for got, _ in earned]
    n = len(earned)
    pass_rate = sum(passed) / n if n else None
    mean_points = sum(got for got, _ in earned) / n if n else None
    discrimination = pearson(passed, [rest for _, rest in earned])
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
        points,
        hidden,
        n,
        pass_rate,
        mean_points,
        discrimination,
        tuple(flags),
    )


def histogram(values: list[float], bins: int = 10, top: float = 100.0) -> list[int]:
    """Counts of `values` (0..top) in `bins` equal bins; `top` itself falls in the last one."""
    counts = [0] * bins
    for value in values:
        index = min(bins - 1, max(0, int(value / top * bins)))
        counts[index] += 1
    return counts
