"""Every plausible wrong answer kept in tests/meta/wrong/ is rejected by at least one check.

The wrong answers are graded in rounds through the real CLI: round k puts the k-th wrong answer
of every exercise into one submission folder, so a round grades many wrong answers at once.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, run_grade
from wrong_answers import compose, gradable, needs, wrong_answers

from grader.manifest import load_course

COURSE = load_course(ROOT)
WRONG = {ex.id: [w for w in wrong_answers(ex.id) if gradable(w)] for ex in COURSE.exercises}
NOT_HERE = sorted(
    f"{w.parent.name}/{w.name} ({needs(w)})"
    for ex in COURSE.exercises
    for w in wrong_answers(ex.id)
    if not gradable(w)
)
ROUNDS = max((len(found) for found in WRONG.values()), default=0)


@pytest.mark.parametrize("round_number", range(ROUNDS), ids=lambda k: f"round{k + 1}")
def test_checks_reject_every_wrong_answer(round_number, tmp_path, validate):
    submission = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", submission)
    planted = {}
    for ex in COURSE.exercises:
        if round_number < len(WRONG[ex.id]):
            wrong = WRONG[ex.id][round_number]
            (submission / ex.file).write_text(compose(ROOT / "solutions" / ex.file, wrong))
            planted[ex.id] = wrong.name
    result = run_grade("run", "--target", str(submission), report=tmp_path / "report.json")
    validate(result.report)
    accepted = [
        f"{ex['id']}/{planted[ex['id']]}"
        for ex in result.report["exercises"]
        if ex["id"] in planted and ex["score"] == ex["max_score"]
    ]
    assert not accepted, f"wrong answers that got full marks: {accepted}"
    for ex in result.report["exercises"]:
        if ex["id"] not in planted:
            assert ex["score"] == ex["max_score"], (
                f"{ex['id']} (the reference solution) lost points"
            )


def test_wrong_answers_left_out_only_for_missing_frameworks():
    if NOT_HERE:
        pytest.skip(
            f"framework not installed, so these wrong answers were not graded: {', '.join(NOT_HERE)}"
        )
