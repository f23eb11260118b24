"""How much `grade` costs over a bare pytest run of the same checks.

Times, pair by pair in one run, `grade run --target solutions` (the real CLI, in a subprocess,
supervising its grading process) against `python -m pytest` on the same check files with
`--target solutions`, alternating which goes first. Prints each median and the median ratio.

    python bench/bench_grade.py [--pairs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.manifest import load_course  # noqa: E402


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0,):
        raise SystemExit(
            f"{' '.join(command[:4])}... exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()
    course = load_course(ROOT)
    checks = [ex.check_file for ex in course.exercises]
    with tempfile.TemporaryDirectory() as tmp:
        grade = [
            sys.executable,
            "-c",
            "from grader.cli import main; main()",
            "run",
            "--target",
            "solutions",
            "--out",
            f"{tmp}/r.json",
            "--no-color",
        ]
        pytest = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--target",
            "solutions",
            *checks,
        ]
        _timed(grade), _timed(pytest)  # warm the file cache
        grade_times, pytest_times, ratios = [], [], []
        for pair in range(args.pairs):
            if pair % 2:
                p, g = _timed(pytest), _timed(grade)
            else:
                g, p = _timed(grade), _timed(pytest)
            grade_times.append(g)
            pytest_times.append(p)
            ratios.append(g / p)
    print(
        f"checks: {sum(len(ex.checks) for ex in course.exercises)} in {len(checks)} files; pairs: {args.pairs}"
    )
    print(
        f"grade run --target solutions: median {statistics.median(grade_times):.3f} s (min {min(grade_times):.3f})"
    )
    print(
        f"bare pytest, same checks:     median {statistics.median(pytest_times):.3f} s (min {min(pytest_times):.3f})"
    )
    print(
        f"ratio grade/pytest: median {statistics.median(ratios):.3f} (target <= 1.25; grade target < 2 s)"
    )


if __name__ == "__main__":
    main()
