"""The real `grade` CLI on the reference solutions, the untouched stubs and copied folders."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, copy_solutions, run_grade

from grader.manifest import load_course

COURSE = load_course(ROOT)
# A check may skip only when the machine lacks what it needs (a GPU, an optional framework).
ALLOWED_SKIP = ("needs a GPU", "is not installed")


@pytest.fixture(scope="module")
def solutions_run(tmp_path_factory):
    return run_grade(
        "run", "--target", "solutions", report=tmp_path_factory.mktemp("sol") / "report.json"
    )


@pytest.fixture(scope="module")
def stubs_run(tmp_path_factory):
    return run_grade("run", report=tmp_path_factory.mktemp("stub") / "report.json")


def _checks(report):
    return [(ex, c) for ex in report["exercises"] for c in ex["checks"]]


def test_every_solution_gets_full_marks(solutions_run, validate):
    report = solutions_run.report
    assert report is not None, solutions_run.stderr
    validate(report)
    not_passed = [
        f"{c['id']}: {c['outcome']}: {c['message']}"
        for ex, c in _checks(report)
        if c["outcome"] != "passed"
    ]
    unexplained = [
        line for line in not_passed if not any(reason in line for reason in ALLOWED_SKIP)
    ]
    assert not unexplained, "solution checks that did not pass:\n" + "\n".join(unexplained)
    assert report["score"] == report["max_score"] > 0
    assert solutions_run.returncode == 0, solutions_run.stdout + solutions_run.stderr


def test_every_stub_check_fails_naming_the_function_to_implement(stubs_run, validate):
    report = stubs_run.report
    validate(report)
    assert report["score"] == 0
    assert stubs_run.returncode == 1
    for _, check in _checks(report):
        if check["outcome"] == "skipped" and any(
            reason in check["message"] for reason in ALLOWED_SKIP
        ):
            continue
        assert check["outcome"] == "failed", (
            f"{check['id']} is {check['outcome']} on the stub: {check['message']}"
        )
        assert "is not implemented yet" in check["message"], f"{check['id']}: {check['message']}"


def test_report_records_course_environment_and_limits(stubs_run):
    report = stubs_run.report
    assert report["schema_version"] == 2
    assert report["course"]["name"] == COURSE.name
    assert report["environment"]["backend"] in ("metal", "cuda", "cpu")
    assert report["environment"]["mlx_version"]
    assert report["limits"] == {
        "timeout_s": COURSE.default_timeout,
        "memory_limit_mib": COURSE.memory_limit_mib,
    }
    assert report["declared_max_score"] == COURSE.max_score
    assert [ex["id"] for ex in report["exercises"]] == [ex.id for ex in COURSE.exercises]


def test_terminal_shows_a_line_per_exercise_and_the_first_failure(stubs_run):
    lines = stubs_run.stdout.splitlines()
    for number, ex in enumerate(stubs_run.report["exercises"], start=1):
        row = next((line for line in lines if f" {number:02d} {ex['id']} " in line), None)
        assert row is not None, f"no line for {ex['id']} in:\n{stubs_run.stdout}"
        assert f"0/{ex['max_score']:g}" in row
    assert "is not implemented yet" in stubs_run.stdout
    assert "\x1b[" not in stubs_run.stdout, "NO_COLOR is set: the output must be plain"


def test_target_dir_grades_a_copied_submission(tmp_path, validate):
    submission = copy_solutions(tmp_path / "alice")
    first = COURSE.exercises[0]
    (submission / first.file).write_text((ROOT / "exercises" / first.file).read_text())
    result = run_grade(
        "run", "--target", str(submission), "--student", "alice", report=tmp_path / "alice.json"
    )
    validate(result.report)
    assert result.returncode == 1
    assert result.report["student"] == "alice"
    assert result.report["target"] == str(submission)
    scores = {ex["id"]: (ex["score"], ex["max_score"]) for ex in result.report["exercises"]}
    assert scores[first.id][0] == 0
    assert all(s == m for eid, (s, m) in scores.items() if eid != first.id), scores


def test_selected_exercises_only(tmp_path):
    first = COURSE.exercises[0]
    result = run_grade("run", first.id, "--target", "solutions", report=tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    assert [ex["id"] for ex in result.report["exercises"]] == [first.id]


def test_grade_works_from_a_subfolder(tmp_path):
    result = run_grade(
        "run",
        COURSE.exercises[0].id,
        "--target",
        "solutions",
        cwd=ROOT / "exercises",
        report=tmp_path / "r.json",
    )
    assert result.returncode == 0, result.stderr


def test_import_error_fails_every_check_of_that_exercise_only(tmp_path, validate):
    submission = copy_solutions(tmp_path / "bob")
    broken, other = COURSE.exercises[0], COURSE.exercises[-1]
    (submission / broken.file).write_text("import mlx.core as mx\n\n\ndef oops(:\n    pass\n")
    (submission / other.file).write_text(
        (ROOT / "solutions" / other.file).read_text() + "\nraise RuntimeError('boom at import')\n"
    )
    result = run_grade("run", "--target", str(submission), report=tmp_path / "r.json")
    validate(result.report)
    by_id = {ex["id"]: ex for ex in result.report["exercises"]}
    for check in by_id[broken.id]["checks"]:
        assert check["outcome"] == "error"
        assert f"{broken.file}: SyntaxError at line 4" in check["message"]
    for check in by_id[other.id]["checks"]:
        assert check["outcome"] in ("error", "skipped")
        if check["outcome"] == "error":
            assert (
                "RuntimeError at line" in check["message"] and "boom at import" in check["message"]
            )
    for ex in result.report["exercises"]:
        if ex["id"] not in (broken.id, other.id):
            assert ex["score"] == ex["max_score"], ex["id"]
    assert result.report["declared_max_score"] == COURSE.max_score


def test_a_target_missing_modules_is_a_usage_error(tmp_path):
    submission = copy_solutions(tmp_path / "carol")
    (submission / COURSE.exercises[1 % len(COURSE.exercises)].file).unlink()
    report = tmp_path / "r.json"
    report.write_text("previous")
    result = run_grade("run", "--target", str(submission), report=report)
    assert result.returncode == 2
    assert "lacks" in result.stderr and "Traceback" not in result.stderr
    assert report.read_text() == "previous"


def test_checks_run_on_a_copy_outside_the_checkout(tmp_path):
    submission = tmp_path / "outside"
    shutil.copytree(ROOT / "solutions", submission)
    result = run_grade(
        "run",
        COURSE.exercises[0].id,
        "--target",
        str(submission),
        cwd=ROOT / "grader",
        report=tmp_path / "r.json",
    )
    assert result.returncode == 0, result.stdout + result.stderr
