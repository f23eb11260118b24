"""How much `grade` costs over a bare pytest run of the same checks.

Times, round by round in one run, `grade run --target solutions` (the real CLI, in a subprocess,
supervising its grading processes) against `python -m pytest` on the same check files with
`--target solutions`, once as pytest runs by default and once with `--assert=plain` (as the grader
runs them: the checks assert through `expect()`, so rewriting buys nothing). The order alternates
from round to round. Prints each median and the median of the per-round ratios.

    python bench/bench_grade.py [--rounds 15]
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
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(command[:4])}... exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    course = load_course(ROOT)
    checks = [ex.check_file for ex in course.exercises]
    with tempfile.TemporaryDirectory() as tmp:
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
        commands = {
            "grade run --target solutions": [sys.executable, "-c", "from grader.cli import main; main()", "run", "--target", "solutions", "--out", f"{tmp}/r.json", "--no-color"],
            "bare pytest, same checks": pytest,
            "bare pytest --assert=plain": [*pytest, "--assert=plain"],
        }  # fmt: skip
        for command in commands.values():
            _timed(command)  # warm the file cache
        times: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(args.rounds):
            names = list(commands) if round_number % 2 else list(commands)[::-1]
            for name in names:
                times[name].append(_timed(commands[name]))
    grade, pytest_default, pytest_plain = times.values()
    print(
        f"checks: {sum(len(ex.checks) for ex in course.exercises)} in {len(checks)} files; rounds: {args.rounds}"
    )
    for name, values in times.items():
        print(f"{name + ':':<31} median {statistics.median(values):.3f} s (min {min(values):.3f})")
    print(
        f"ratio grade / bare pytest:        median {statistics.median(g / p for g, p in zip(grade, pytest_default, strict=True)):.3f} (target <= 1.25)"
    )
    print(
        f"ratio grade / pytest --assert=plain: median {statistics.median(g / p for g, p in zip(grade, pytest_plain, strict=True)):.3f}"
    )
    print(f"grade median under 2 s: {statistics.median(grade) < 2.0}")


if __name__ == "__main__":
    main()
