"""Plausible wrong implementations kept for each exercise, and how to build a target from them.

A wrong answer lives in tests/meta/wrong/<exercise id>/<mistake>.py. It holds only the functions
that are wrong; they are appended to the reference solution, so they replace its versions and
reuse its imports. Its docstring says which mistake it makes. A wrong answer that only checks needing an optional
framework can reject says so with a line `NEEDS = "torch"`; it is left out where that framework
is not installed (its checks are skipped there). `NEEDS = "gpu"` marks a mistake that only a GPU
default stream shows (Metal, CUDA): it is left out on a CPU-only build.

Run it as a script to see which checks reject each wrong answer of one exercise:
    python tests/meta/wrong_answers.py lazy_evaluation
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRONG = Path(__file__).resolve().parent / "wrong"


def wrong_answers(exercise_id: str) -> list[Path]:
    """The wrong answers kept for one exercise, sorted by name."""
    return sorted((WRONG / exercise_id).glob("*.py"))


def needs(wrong: Path) -> str | None:
    """The optional framework without which no check can reject this wrong answer, if any."""
    found = re.search(r'^NEEDS = "([\w.]+)"', wrong.read_text(), re.MULTILINE)
    return found.group(1) if found else None


def gradable(wrong: Path) -> bool:
    """True when the checks able to reject this wrong answer can run here."""
    framework = needs(wrong)
    if framework == "gpu":  # a mistake that only a GPU default stream shows
        import mlx.core as mx

        return mx.is_available(mx.gpu)
    return framework is None or importlib.util.find_spec(framework) is not None


def compose(solution: Path, wrong: Path) -> str:
    """The source of a module that is the solution with the wrong functions put over it."""
    return f"{solution.read_text()}\n\n# --- wrong answer: {wrong.name} ---\n{wrong.read_text()}"


def build_target(folder: Path, exercise_file: str, wrong: Path) -> Path:
    """Fill `folder` with the solutions and one exercise replaced by a wrong answer."""
    shutil.copytree(ROOT / "solutions", folder, dirs_exist_ok=True)
    (folder / exercise_file).write_text(compose(ROOT / "solutions" / exercise_file, wrong))
    return folder


def bare_pytest(check_file: str, target: Path) -> subprocess.CompletedProcess:
    """A bare pytest run of one check file against `target` (no grader in between)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header"]
    command += ["-rN", "--tb=line", str(ROOT / check_file), "--target", str(target)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


def _main(exercise_id: str) -> int:
    sys.path.insert(0, str(ROOT))
    from grader.manifest import load_course

    exercise = load_course(ROOT).exercise(exercise_id)
    status = 0
    for wrong in wrong_answers(exercise.id):
        with tempfile.TemporaryDirectory() as tmp:
            target = build_target(Path(tmp), exercise.file, wrong)
            proc = bare_pytest(exercise.check_file, target)
        verdict = (
            "rejected"
            if proc.returncode == 1
            else "NOT REJECTED"
            if proc.returncode == 0
            else f"pytest exit {proc.returncode}"
        )
        print(
            f"{wrong.name}: {verdict}; {proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ''}"
        )
        if proc.returncode != 1:
            status = 1
            print(proc.stdout[-3000:], proc.stderr[-2000:])
    return status


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
