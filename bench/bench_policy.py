"""What the submission policy costs: checking every exercise file of a submission.

Times, round by round in one run, `Policy.check_file` over all the course's exercise files
(solutions/, as a complete submission), then over each file alone, and the refusal of a 20 MB
file. Prints the medians, the slowest file, and, pair by pair in each round, the policy check
against reading and parsing the same files with `ast.parse` alone.

    python bench/bench_policy.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import ast
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.manifest import load_course  # noqa: E402
from grader.policy import load_policy  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    course = load_course(ROOT)
    policy = load_policy(ROOT)
    files = [(ex.id, ROOT / "solutions" / ex.file) for ex in course.exercises]
    per_file: dict[str, list[float]] = {path.name: [] for _, path in files}
    whole, parse_only, ratios, big = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        huge = Path(tmp) / "huge.py"
        huge.write_text("x = 1\n" * (20 * 1024 * 1024 // 6))
        for _ in range(rounds):
            started = time.perf_counter()
            for ident, path in files:
                one = time.perf_counter()
                assert policy.check_file(path, ident) == [], path
                per_file[path.name].append(time.perf_counter() - one)
            checked = time.perf_counter() - started
            started = time.perf_counter()
            for _, path in files:
                ast.parse(path.read_text(encoding="utf-8"))
            parsed = time.perf_counter() - started
            whole.append(checked)
            parse_only.append(parsed)
            ratios.append(checked / parsed)
            started = time.perf_counter()
            policy.check_file(huge, "lazy_evaluation")
            big.append(time.perf_counter() - started)
    ms = 1000
    print(f"{len(files)} solution files, {rounds} rounds")
    print(f"policy, all files:        median {statistics.median(whole) * ms:.2f} ms")
    print(f"ast.parse, all files:     median {statistics.median(parse_only) * ms:.2f} ms")
    print(f"policy / parse, per round: median {statistics.median(ratios):.2f}x")
    slowest = max(per_file, key=lambda name: statistics.median(per_file[name]))
    print(f"slowest file: {slowest}, median {statistics.median(per_file[slowest]) * ms:.2f} ms")
    print(f"20 MB file refused:        median {statistics.median(big) * ms:.3f} ms")


if __name__ == "__main__":
    main()
