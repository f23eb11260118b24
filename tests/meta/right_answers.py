"""Correct answers written in other idioms than the reference solution, and how to grade them.

A right answer lives in tests/meta/right/<exercise id>/<idiom>.py. Like a wrong answer (see
wrong_answers.py) it holds only the functions it rewrites; they are appended to the reference
solution, replace its versions and reuse its imports. Its docstring says which idiom it uses. A
right answer that only checks needing an optional framework can judge says so with a line
`NEEDS = "torch"`; it is left out where that framework is not installed.

Run it as a script to see how the checks judge each right answer of one exercise:
    python tests/meta/right_answers.py lazy_evaluation
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from wrong_answers import ROOT, bare_pytest, build_target

RIGHT = Path(__file__).resolve().parent / "right"


def right_answers(exercise_id: str) -> list[Path]:
    """The right answers kept for one exercise, sorted by name."""
    return sorted((RIGHT / exercise_id).glob("*.py"))


def _main(exercise_id: str) -> int:
    sys.path.insert(0, str(ROOT))
    from grader.manifest import load_course

    exercise = load_course(ROOT).exercise(exercise_id)
    status = 0
    for right in right_answers(exercise.id):
        with tempfile.TemporaryDirectory() as tmp:
            target = build_target(Path(tmp), exercise.file, right)
            proc = bare_pytest(exercise.check_file, target)
        verdict = (
            "accepted" if proc.returncode == 0 else f"NOT ACCEPTED (pytest exit {proc.returncode})"
        )
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        print(f"{right.name}: {verdict}; {last}")
        if proc.returncode != 0:
            status = 1
            print(proc.stdout[-3000:], proc.stderr[-2000:])
    return status


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(_main(sys.argv[1]))
