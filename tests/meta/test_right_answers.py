"""Every correct answer kept in tests/meta/right/ earns full marks: the checks judge behaviour,
never the spelling of the reference solution.

Each right answer is graded on its own, as `grade run ID --target ...` would grade it, through
one warm grading session in this process, so a failure names the one idiom that a check wrongly
rejects. (test_wrong_answers.py proves that the session and the CLI grade alike.)
"""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, grade_report
from right_answers import right_answers
from wrong_answers import compose, gradable

from grader.manifest import load_course

COURSE = load_course(ROOT)
RIGHT = [(ex, r) for ex in COURSE.exercises for r in right_answers(ex.id) if gradable(r)]


@pytest.mark.parametrize(("exercise", "right"), RIGHT, ids=[f"{ex.id}-{r.stem}" for ex, r in RIGHT])
def test_checks_accept_every_right_answer(exercise, right, tmp_path, validate, grading_session):
    submission = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", submission)
    (submission / exercise.file).write_text(compose(ROOT / "solutions" / exercise.file, right))
    report = grade_report(grading_session, submission, exercise.id)
    validate(report)
    (graded,) = report["exercises"]
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
