"""How fast the student's loop answers.

1. `grade watch`: the time from writing exercise 1's file to the watcher's verdict line, over
   SAVES saves that alternate a right and a wrong answer (the real CLI in a subprocess, its
   output read as it comes). Prints the median of each kind and of all.
2. `grade run ID` against a bare `python -m pytest` on the same check file, round by round in
   one run (the order alternates), both grading the reference solution. Prints each median and
   the median of the per-round ratios.

    python bench/bench_watch.py [--saves 20] [--rounds 10] [--exercise lazy_evaluation]
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.manifest import load_course  # noqa: E402

GRADE = [sys.executable, "-c", "from grader.cli import main; main()"]
# A later definition replaces the solution's own: exp(x) * 3 + 1 instead of exp(x) * 2 + 1.
WRONG = "\n\ndef build_graph(x):\n    return mx.exp(x) * 3 + 1\n"


class Lines:
    """A process's stdout, line by line, as it comes."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.queue: queue.Queue[tuple[float, str]] = queue.Queue()
        self.proc = proc
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.queue.put((time.perf_counter(), line))

    def until(self, words: str, timeout: float = 120) -> float:
        """When the next line holding `words` arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                at, line = self.queue.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if words in line:
                return at
        raise SystemExit(f"no line with {words!r} from grade watch")


def bench_watch(saves: int, exercise_file: str) -> None:
    right = (ROOT / "solutions" / exercise_file).read_text()
    wrong = right + WRONG
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sub"
        folder.mkdir()
        path = folder / exercise_file
        path.write_text(wrong)
        proc = subprocess.Popen(
            [*GRADE, "watch", exercise_file, "--target", str(folder)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        lines = Lines(proc)
        try:
            started = time.perf_counter()
            lines.until("Verdict:")
            print(f"first verdict after start: {time.perf_counter() - started:.2f} s")
            lines.until("Watching")
            times: dict[str, list[float]] = {"right": [], "wrong": []}
            for n in range(saves):
                kind = "right" if n % 2 == 0 else "wrong"
                time.sleep(0.3)  # let the watcher settle, as between a student's saves
                written = time.perf_counter()
                path.write_text(right if kind == "right" else wrong)
                times[kind].append(lines.until("Verdict:") - written)
                lines.until("Watching")  # after a right answer it moves on, then waits again
        finally:
            proc.stdin.write("q\n")
            proc.stdin.flush()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    every = times["right"] + times["wrong"]
    print(f"grade watch, save to verdict over {saves} saves (s):")
    for kind, values in (*times.items(), ("all", every)):
        print(
            f"  {kind:<6} median {statistics.median(values):.3f}  "
            f"min {min(values):.3f}  max {max(values):.3f}"
        )


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(command[:6])}... exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )
    return elapsed


def bench_run(rounds: int, exercise_id: str, check_file: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            f"grade run {exercise_id}": [
                *GRADE, "run", exercise_id, "--target", "solutions", "--out", f"{tmp}/r.json"
            ],
            "bare pytest on its check file": [
                sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "--target", "solutions", check_file,
            ],
        }  # fmt: skip
        names = list(commands)
        times: dict[str, list[float]] = {name: [] for name in names}
        for n in range(rounds):
            for name in names if n % 2 == 0 else reversed(names):
                times[name].append(_timed(commands[name]))
    print(f"grade run vs bare pytest, {rounds} rounds (s):")
    for name in names:
        print(f"  {name:<32} median {statistics.median(times[name]):.3f}")
    ratios = [g / p for g, p in zip(times[names[0]], times[names[1]], strict=True)]
    print(
        f"  ratio grade/pytest: median {statistics.median(ratios):.2f} "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f}; target <= 0.75)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--exercise", default="lazy_evaluation")
    args = parser.parse_args()
    exercise = load_course(ROOT).exercise(args.exercise)
    bench_watch(args.saves, exercise.file)
    bench_run(args.rounds, exercise.id, exercise.check_file)


if __name__ == "__main__":
    main()
