"""What `similar_pairs` costs for a large class: time and peak memory per exercise and in all.

Each synthetic student hands in, per exercise, the reference solution with every local name
renamed at random (the layout redone by ast.unparse) plus a function of their own (random MLX
statements), so no two sources are alike beyond the solution; a few planted copies are disguised
copies of another student's file (renamed, comments added, layout changed). It reports how many
planted copies were found and how many other pairs came up.

    python bench/bench_similarity.py [--students 2000] [--copies 10]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "meta"))

from copies import disguise, honest_program, rename  # noqa: E402

from grader.instructor.similarity import fingerprints, similar_pairs  # noqa: E402
from grader.manifest import load_course  # noqa: E402


def _class(solution: str, students: int, copies: int, seed: int) -> tuple[list, set]:
    rng = random.Random(seed)
    sources = []
    for i in range(students):
        own = honest_program(seed * 100_000 + i, functions=1, statements=6)
        own = own.replace("import mlx.core as mx\n", "").replace("def f0(", f"def _mine{i}(")
        sources.append((f"s{i:05d}", rename(solution, seed * 100_000 + i) + own))
    planted = set()
    chosen = rng.sample(range(students), 2 * copies)  # no one copies or is copied twice
    for j in range(copies):
        victim, copier = chosen[2 * j], chosen[2 * j + 1]
        sources[copier] = (sources[copier][0], disguise(sources[victim][1], j))
        planted.add(tuple(sorted((sources[victim][0], sources[copier][0]))))
    return sources, planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--copies", type=int, default=10)
    args = parser.parse_args()
    course = load_course(ROOT)
    total, worst_peak, found_all, planted_all, others = 0.0, 0, 0, 0, 0
    total_cached = 0.0
    for n, ex in enumerate(course.exercises):
        solution = (ROOT / "solutions" / ex.file).read_text()
        stub = (ROOT / "exercises" / ex.file).read_text()
        sources, planted = _class(solution, args.students, args.copies, n + 1)
        start = time.perf_counter()
        pairs = similar_pairs(ex.id, sources, stub=stub)
        took = time.perf_counter() - start
        # What a cached collect pays: the fingerprints are known (grade collect keeps them in
        # the gradebook by digest), only the comparing is left.
        known = {text: fingerprints(text) for _, text in sources}
        start = time.perf_counter()
        similar_pairs(ex.id, sources, stub=stub, fingerprint=known.__getitem__)
        cached = time.perf_counter() - start
        total_cached += cached
        tracemalloc.start()
        similar_pairs(ex.id, sources, stub=stub)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        got = {(p.a, p.b) for p in pairs}
        found = len(got & planted)
        total += took
        worst_peak = max(worst_peak, peak)
        found_all += found
        planted_all += len(planted)
        others += len(got - planted)
        print(
            f"{ex.id:22s} {took:6.2f} s (fingerprints known: {cached:5.2f} s)  peak {peak / 2**20:6.1f} MiB  "
            f"planted found {found}/{len(planted)}  other pairs {len(got - planted)}",
            flush=True,
        )
    print(
        f"all {len(course.exercises)} exercises x {args.students} students: {total:.1f} s "
        f"({total_cached:.1f} s with the fingerprints known), "
        f"peak {worst_peak / 2**20:.1f} MiB (one exercise at a time, traced), "
        f"planted found {found_all}/{planted_all}, other pairs {others}"
    )


if __name__ == "__main__":
    main()
