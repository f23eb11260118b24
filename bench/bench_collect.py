"""What `grade collect` costs over the floor, how it scales, what the cache saves, and its memory.

Generates a class of N folder submissions (by default 200): reference solutions, untouched stubs,
solutions with one exercise replaced by a wrong answer from tests/meta/wrong/, and a few faults
(a crash, an exception and a syntax error at import). Every file gets a line naming its student,
so no two submissions share a source and the cache cannot shorten the first collect.

In one run it then times, pair by pair:
- the floor: a bare pytest run of the same checks on each submission, `--jobs` at a time; the
  floor is the sum of their times divided by the jobs (target: collect within 1.25 times it);
- `grade collect --jobs J` and `grade collect --jobs 1` from an empty gradebook (target: J=2 at
  least 1.7 times as fast);
- the same collect again, every grading cached (target: under 5 s for 200);
- 2,000 reports whose sources are all graded already: once as new reports (each parsed and checked
  against the schema) and once more, all cached (target: under 30 s);
- the collect process's own peak resident memory (grading processes not included) for N
  submissions and for the 2,000 reports (target: no growth with the number of submissions).

    python bench/bench_collect.py [--submissions 200] [--jobs 2] [--reports 2000] [--rounds 1]
                                  [--quick]

The full run (no --quick, --submissions 200, --reports 2000) is what the targets are stated for.
It grades every submission three times (floor, J jobs, 1 job): about 3 x N x (one grading,
5-10 s) / cores of machine time, over an hour for N = 200 on two cores; the cached part adds a
few minutes. A reduced run for a busy machine:

    python bench/bench_collect.py --quick --submissions 20 --reports 20,200,2000

--quick grades the class once (--jobs J) and skips the floor and the 1-job collect, so it gives
no floor ratio and no speed-up, only the cached timings and the memory. --reports takes a
comma-separated list: each count gets its own new-report and cached collects, so the peak
memory of, say, 20 and 2,000 cached reports come from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "meta"))

from wrong_answers import compose, gradable, wrong_answers  # noqa: E402

from grader.manifest import load_course  # noqa: E402

FAULTS = (
    "\nimport os\nos._exit(3)  # crashes the interpreter at import\n",
    '\nraise RuntimeError("a mistake at import")\n',
    "\ndef broken(:\n    pass\n",
)
# The collect's own peak RSS (KiB), written when it exits; grading processes are other processes.
CLI = (
    "import atexit, resource, sys\n"
    "path = sys.argv.pop(1)\n"
    "atexit.register(lambda: open(path, 'w').write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))\n"
    "from grader.cli import main\nmain()\n"
)


def generate(folder: Path, count: int) -> dict[str, int]:
    """Write `count` submissions into `folder`; returns how many of each kind."""
    course = load_course(ROOT)
    wrongs = [(ex, w) for ex in course.exercises for w in wrong_answers(ex.id) if gradable(w)]
    kinds = {"solutions": 0, "stubs": 0, "wrong": 0, "fault": 0}
    for i in range(count):
        student = folder / f"s{i:04d}"
        student.mkdir(parents=True)
        slot = i % 20
        kind = (
            "solutions" if slot < 8 else "stubs" if slot < 12 else "wrong" if slot < 19 else "fault"
        )
        kinds[kind] += 1
        for ex in course.exercises:
            base = ROOT / ("exercises" if kind == "stubs" else "solutions") / ex.file
            text = base.read_text()
            if kind == "wrong":
                target_ex, wrong = wrongs[i % len(wrongs)]
                if target_ex.id == ex.id:
                    text = compose(base, wrong)
            if kind == "fault" and ex.id == course.exercises[i % len(course.exercises)].id:
                text += FAULTS[i % len(FAULTS)]
            (student / ex.file).write_text(f"{text}\n# handed in by s{i:04d}\n")
    return kinds


def pytest_command(target: Path) -> list[str]:
    """A bare pytest run of every check on one submission, as bench_grade.py runs it."""
    course = load_course(ROOT)
    return [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--assert=plain",
        "--target", str(target), *(ex.check_file for ex in course.exercises),
    ]  # fmt: skip


def floor(folder: Path, jobs: int) -> float:
    """Sum of the bare pytest runs' times, `jobs` at a time, divided by the jobs."""

    def one(target: Path) -> float:
        started = time.perf_counter()
        subprocess.run(pytest_command(target), cwd=ROOT, capture_output=True)
        return time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        times = list(pool.map(one, sorted(folder.iterdir())))
    return sum(times) / jobs


def collect(paths: list[Path], out: Path, jobs: int, rss_file: Path) -> tuple[float, int, str]:
    """Time one `grade collect`; returns (seconds, peak RSS in MiB, its first output line)."""
    command = [sys.executable, "-c", CLI, str(rss_file), "collect", *map(str, paths),
               "--out-dir", str(out), "--jobs", str(jobs)]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(
            f"grade collect exited {proc.returncode}:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    return elapsed, int(rss_file.read_text()) // 1024, proc.stdout.splitlines()[0]


def replicate(reports: Path, dest: Path, count: int) -> None:
    """`count` report files made from the verified reports in `reports`, one student id each."""
    sources = [json.loads(p.read_text()) for p in sorted(reports.glob("*.json"))]
    dest.mkdir(parents=True)
    for i in range(count):
        report = sources[i % len(sources)]
        report["student"] = f"r{i:05d}"
        (dest / f"r{i:05d}.json").write_text(json.dumps(report))


def counts(text: str) -> list[int]:
    """`--reports 20,200,2000` -> [20, 200, 2000]."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of counts: {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"not a list of positive counts: {text!r}")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--reports", type=counts, default=[2000], help="cached report counts, comma-separated"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat the timed pairs, order alternating"
    )
    parser.add_argument(
        "--quick", action="store_true", help="no floor and no 1-job collect (see the docstring)"
    )
    args = parser.parse_args()
    j = f"collect --jobs {args.jobs}"
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp:
        base = Path(tmp)
        kinds = generate(base / "class", args.submissions)
        print(f"{args.submissions} submissions: {kinds}; jobs: {args.jobs}; rounds: {args.rounds}"
              f"{'; quick' if args.quick else ''}; load average {load()}", flush=True)  # fmt: skip
        times: dict[str, list[float]] = (
            {j: []} if args.quick else {"floor": [], j: [], "collect --jobs 1": []}
        )
        rss: dict[str, int] = {}
        for round_number in range(1 if args.quick else args.rounds):
            names = list(times) if round_number % 2 == 0 else list(times)[::-1]
            for name in names:
                out = base / f"out-{round_number}-{name.split()[-1]}"
                if name == "floor":
                    times[name].append(floor(base / "class", args.jobs))
                    print(f"  floor: {times[name][-1]:.1f} s; load average {load()}", flush=True)
                    continue
                jobs = int(name.split()[-1])
                seconds, peak, line = collect([base / "class"], out, jobs, base / "rss")
                times[name].append(seconds)
                rss[f"first collect, {args.submissions} submissions"] = peak
                print(f"  {name}: {seconds:.1f} s; {line}; load average {load()}", flush=True)
        out = base / f"out-0-{args.jobs}"
        cached = [collect([base / "class"], out, args.jobs, base / "rss") for _ in range(3)]
        rss[f"cached collect, {args.submissions} submissions"] = max(c[1] for c in cached)
        print(f"  cached collect x3: {[round(c[0], 2) for c in cached]} s; load average {load()}")
        many: dict[int, tuple[float, list[float]]] = {}
        for count in args.reports:
            folder, many_out = base / f"many-{count}", base / f"many-out-{count}"
            replicate(out / "reports", folder, count)
            many_out.mkdir()
            shutil.copy(out / "gradebook.sqlite", many_out / "gradebook.sqlite")
            first_sight = collect([folder], many_out, args.jobs, base / "rss")
            rss[f"{count} new reports"] = first_sight[1]
            again = [collect([folder], many_out, args.jobs, base / "rss") for _ in range(3)]
            rss[f"{count} cached reports"] = max(a[1] for a in again)
            many[count] = (first_sight[0], [a[0] for a in again])
            print(f"  {count} reports: new {first_sight[0]:.1f} s, cached x3 "
                  f"{[round(a[0], 2) for a in again]} s; load average {load()}", flush=True)  # fmt: skip
            shutil.rmtree(folder)

    print()
    for name, values in times.items():
        print(f"{name + ':':<22} median {statistics.median(values):8.1f} s")
    if not args.quick:
        pairs = list(zip(times[j], times["floor"], times["collect --jobs 1"], strict=True))
        ratio = statistics.median(c / f for c, f, _ in pairs)
        speed_up = statistics.median(o / c for c, _, o in pairs)
        print(f"ratio collect / floor:      median {ratio:.2f} (target <= 1.25)")
        print(f"speed-up {args.jobs} jobs over 1:     median {speed_up:.2f} (target >= 1.7)")
    print(
        f"cached collect, {args.submissions}:      median {statistics.median(c[0] for c in cached):.2f} s (target < 5 s for 200)"
    )
    for count, (new, again) in many.items():
        print(f"{count} new reports (sources cached): {new:.1f} s")
        print(
            f"{count} cached reports:   median {statistics.median(again):.2f} s (target < 30 s for 2000)"
        )
    for name, value in rss.items():
        print(f"peak RSS, {name + ':':<34} {value} MiB")
    smallest, largest = min(args.reports), max(args.reports)
    if smallest != largest:
        growth = rss[f"{largest} cached reports"] / rss[f"{smallest} cached reports"]
        print(
            f"peak RSS ratio, {largest} / {smallest} cached reports: {growth:.2f} (target: about 1)"
        )
    print(f"load average at the end: {load()}")


def load() -> str:
    """The machine's 1, 5 and 15 minute load averages (the numbers mean little when high)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
