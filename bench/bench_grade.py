"""How much `grade` costs over a bare pytest run of the same checks.

Times, round by round in one run, `grade run --target solutions` (the real CLI, in a subprocess,
with every hardening on: policy, private copy, one sandboxed grading process per exercise)
against `python -m pytest` on the same check files with `--target solutions`, once as pytest runs
by default and once with `--assert=plain`; and `grade run ID` for one exercise against a bare
pytest run of its check file. The order alternates from round to round. Prints each median and
the median of the per-round ratios.

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


def _pytest(*files: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--target",
        "solutions",
        *files,
    ]


def _grade(out: str, *ids: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from grader.cli import main; main()",
        "run",
        *ids,
        "--target",
        "solutions",
        "--out",
        out,
        "--no-color",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--exercise", default="lazy_evaluation", help="the exercise of the one-exercise pair"
    )
    args = parser.parse_args()
    course = load_course(ROOT)
    checks = [ex.check_file for ex in course.exercises]
    one = course.exercise(args.exercise)
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "grade run --target solutions": _grade(f"{tmp}/all.json"),
            "bare pytest, same checks": _pytest(*checks),
            "bare pytest --assert=plain": [*_pytest(*checks), "--assert=plain"],
            f"grade run {one.id}": _grade(f"{tmp}/one.json", one.id),
            f"bare pytest {one.check_file}": _pytest(one.check_file),
        }
        for command in commands.values():
            _timed(command)  # warm the file cache
        times: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(args.rounds):
            names = list(commands) if round_number % 2 else list(commands)[::-1]
            for name in names:
                times[name].append(_timed(commands[name]))
    grade_all, pytest_all, pytest_plain, grade_one, pytest_one = times.values()
    print(
        f"checks: {sum(len(ex.checks) for ex in course.exercises)} in {len(checks)} files; rounds: {args.rounds}"
    )
    for name, values in times.items():
        print(f"{name + ':':<45} median {statistics.median(values):.3f} s (min {min(values):.3f})")

    def ratio(a: list[float], b: list[float]) -> float:
        return statistics.median(x / y for x, y in zip(a, b, strict=True))

    print(
        f"ratio grade all / bare pytest (pair by pair):   median {ratio(grade_all, pytest_all):.3f} (target <= 1.0)"
    )
    print(
        f"ratio grade all / pytest --assert=plain:        median {ratio(grade_all, pytest_plain):.3f}"
    )
    print(
        f"ratio grade run {one.id} / bare pytest on its file: median {ratio(grade_one, pytest_one):.3f} (target <= 0.75)"
    )


if __name__ == "__main__":
    main()
