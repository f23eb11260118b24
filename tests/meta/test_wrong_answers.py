"""Every plausible wrong answer kept in tests/meta/wrong/ is rejected by at least one check.

The wrong answers are graded in rounds: round k puts the k-th wrong answer of every exercise into
one submission folder, so a round grades many wrong answers at once. The rounds run in this
process through one warm grading session (the engine `grade run` drives); one round also goes
through the real CLI, which must agree with the session score for score.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import ROOT, grade_report, run_grade
from right_answers import right_answers
from wrong_answers import compose, gradable, needs, wrong_answers

from grader.manifest import load_course

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

COURSE = load_course(ROOT)
WRONG = {ex.id: [w for w in wrong_answers(ex.id) if gradable(w)] for ex in COURSE.exercises}
ROUNDS = max((len(found) for found in WRONG.values()), default=0)


def plant_round(round_number: int, submission: Path) -> dict[str, str]:
    """Fill `submission` with the solutions and round `round_number`'s wrong answers; return
    which wrong answer each exercise got (the rounds past an exercise's last answer leave its
    solution in place)."""
    shutil.copytree(ROOT / "solutions", submission)
    planted = {}
    for ex in COURSE.exercises:
        if round_number < len(WRONG[ex.id]):
            wrong = WRONG[ex.id][round_number]
            (submission / ex.file).write_text(compose(ROOT / "solutions" / ex.file, wrong))
            planted[ex.id] = wrong.name
    return planted


def assert_round_held(report: dict, planted: dict[str, str]) -> None:
    accepted = [
        f"{ex['id']}/{planted[ex['id']]}"
        for ex in report["exercises"]
        if ex["id"] in planted and ex["score"] == ex["max_score"]
    ]
    assert not accepted, f"wrong answers that got full marks: {accepted}"
    for ex in report["exercises"]:
        if ex["id"] not in planted:
            assert ex["score"] == ex["max_score"], (
                f"{ex['id']} (the reference solution) lost points"
            )


@pytest.mark.parametrize("round_number", range(ROUNDS), ids=lambda k: f"round{k + 1}")
def test_checks_reject_every_wrong_answer(round_number, tmp_path, validate, grading_session):
    planted = plant_round(round_number, tmp_path / "submission")
    # Only the exercises that hold a wrong answer: the late rounds hold two or three, and the
    # solutions score full marks in test_grading.py.
    report = grade_report(grading_session, tmp_path / "submission", *planted)
    validate(report)
    assert {ex["id"] for ex in report["exercises"]} == set(planted)
    assert_round_held(report, planted)


def test_the_cli_grades_a_round_as_the_session_does(tmp_path, validate, grading_session):
    planted = plant_round(0, tmp_path / "submission")
    result = run_grade(
        "run", "--target", str(tmp_path / "submission"), report=tmp_path / "report.json"
    )
    assert result.report is not None, f"grade wrote no report: {result.stdout}\n{result.stderr}"
    validate(result.report)
    assert_round_held(result.report, planted)
    assert result.returncode == 1, "a run with lost points exits 1"
    session = grade_report(grading_session, tmp_path / "submission")

    def outcomes(report: dict) -> dict[str, str]:
        return {
            check["id"]: check["outcome"] for ex in report["exercises"] for check in ex["checks"]
        }

    assert outcomes(result.report) == outcomes(session)
    assert result.report["score"] == session["score"]


def _optional_frameworks() -> set[str]:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    return {re.match(r"[A-Za-z0-9_.-]+", req).group(0) for req in extra["frameworks"]}


def test_an_answer_left_out_names_an_optional_framework_its_checks_skip_without():
    """A `NEEDS` line takes an answer out of the suite wherever that framework is missing, so a
    misspelt or wrong one would keep it out everywhere, unnoticed."""
    frameworks = _optional_frameworks()
    wrong_needs = []
    for ex in COURSE.exercises:
        checks = (ROOT / ex.check_file).read_text()
        for answer in [*wrong_answers(ex.id), *right_answers(ex.id)]:
            framework = needs(answer)
            if framework in (None, "gpu"):  # "gpu": a GPU build's default stream, no import
                continue
            if framework not in frameworks:
                wrong_needs.append(f"{answer}: {framework} is not in the frameworks extra")
            elif not re.search(rf'importorskip\(\s*"{re.escape(framework)}"', checks):
                wrong_needs.append(f"{answer}: {ex.check_file} never skips without {framework}")
    assert not wrong_needs, "\n".join(wrong_needs)
