"""Time and memory of Gradescope's run_autograder, against `grade run` on the same submission.

    python bench/bench_gradescope.py [--rounds N]

Builds the autograder zip (`grade export gradescope --no-verify`), unpacks it into a temporary
/autograder and, round by round, runs run_autograder on the reference solutions and on the stubs,
and `grade run --target solutions --jobs 1` (the same grading, without the Gradescope layer).
Each run's peak resident memory is the largest sum over its whole process tree (sampled every
20 ms): that is what Gradescope's container limit (768 MB by default) holds against.
Prints medians and the pair-by-pair ratio of run_autograder to `grade run`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident bytes (whole process tree) of one command."""
    started = time.monotonic()
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    top = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [top, *top.children(recursive=True)]
        except psutil.Error:
            tree = []
        total = 0
        for process in tree:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass
        peak = max(peak, total)
        time.sleep(0.02)
    return time.monotonic() - started, peak


def autograder_root(zip_path: Path, base: Path, submission: Path) -> Path:
    root = base / f"root-{len(list(base.iterdir()))}"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        (root / "source" / name).chmod(0o755)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    shutil.copytree(submission, root / "submission")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    grade = [sys.executable, "-c", "from grader.cli import main; main()"]
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        zip_path = scratch / "autograder.zip"
        subprocess.run(
            [*grade, "export", "gradescope", "--no-verify", "--out", str(zip_path)],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"autograder.zip: {zip_path.stat().st_size / 2**20:.2f} MiB")
        stubs = scratch / "stubs"
        stubs.mkdir()
        for stub in (ROOT / "exercises").glob("[0-9]*.py"):
            shutil.copy(stub, stubs)
        roots = scratch / "roots"
        roots.mkdir()
        rows: dict[str, list[tuple[float, int]]] = {
            "autograder solutions": [],
            "autograder stubs": [],
            "grade run solutions": [],
        }
        for _ in range(args.rounds):
            for label, submission in (("solutions", ROOT / "solutions"), ("stubs", stubs)):
                root = autograder_root(zip_path, roots, submission)
                env = {
                    **os.environ,
                    "AUTOGRADER_ROOT": str(root),
                    "AUTOGRADER_PYTHON": sys.executable,
                }
                rows[f"autograder {label}"].append(measure([str(root / "run_autograder")], env))
            out = scratch / "report.json"
            rows["grade run solutions"].append(
                measure([*grade, "run", "--target", "solutions", "--jobs", "1", "--out", str(out)])
            )
    for label, samples in rows.items():
        wall = statistics.median(s[0] for s in samples)
        peak = max(s[1] for s in samples)
        print(
            f"{label:<22} median {wall:6.1f} s   peak RSS {peak / 2**20:6.0f} MiB (max of {len(samples)})"
        )
    ratios = [
        a[0] / b[0]
        for a, b in zip(rows["autograder solutions"], rows["grade run solutions"], strict=True)
    ]
    print("run_autograder / grade run, pair by pair:", ", ".join(f"{r:.2f}" for r in ratios))


if __name__ == "__main__":
    main()
