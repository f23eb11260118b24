"""Every correct answer kept in tests/meta/right/ earns full marks: the checks judge behaviour,
never the spelling of the reference solution.

Each right answer is graded on its own through the real CLI (`grade run ID --target ...`), with
the other exercises left as the reference solutions, so a failure names the one idiom that a
check wrongly rejects.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, run_grade
from right_answers import right_answers
from wrong_answers import compose, gradable, needs

from grader.manifest import load_course

COURSE = load_course(ROOT)
RIGHT = [(ex, r) for ex in COURSE.exercises for r in right_answers(ex.id) if gradable(r)]
NOT_HERE = sorted(
    f"{r.parent.name}/{r.name} ({needs(r)})"
    for ex in COURSE.exercises
    for r in right_answers(ex.id)
    if not gradable(r)
)


@pytest.mark.parametrize(("exercise", "right"), RIGHT, ids=[f"{ex.id}-{r.stem}" for ex, r in RIGHT])
def test_checks_accept_every_right_answer(exercise, right, tmp_path, validate):
    submission = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", submission)
    (submission / exercise.file).write_text(compose(ROOT / "solutions" / exercise.file, right))
    result = run_grade(
        "run", exercise.id, "--target", str(submission), report=tmp_path / "report.json"
    )
    assert result.report is not None, f"grade wrote no report: {result.stdout}\n{result.stderr}"
    validate(result.report)
    (graded,) = [ex for ex in result.report["exercises"] if ex["id"] == exercise.id]
    lost = [
        f"{check['name']} ({check['outcome']}): {check['message']}"
        for check in graded["checks"]
        if check["outcome"] not in ("passed", "skipped")
    ]
    assert not lost and graded["score"] == graded["max_score"], (
        f"{exercise.id}/{right.name} is a correct answer but lost points: {lost}"
    )


def test_each_exercise_of_the_first_five_keeps_right_answers():
    for ex in COURSE.exercises[:5]:
        found = right_answers(ex.id)
        assert len(found) >= 2, (
            f"tests/meta/right/{ex.id}/ holds {len(found)} right answers; keep at least 2"
        )


def test_right_answers_left_out_only_for_missing_frameworks():
    if NOT_HERE:
        pytest.skip(
            f"framework not installed, so these right answers were not graded: {', '.join(NOT_HERE)}"
        )
