"""The student's loop through the real `grade` command: shortcuts, every failure in view,
harmless student text, messages that pinpoint, recaps, solutions, hints and cached results."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, run_grade

from grader.manifest import load_course

COURSE = load_course(ROOT)
FIRST = COURSE.exercises[0]
TRANSFORMS = COURSE.exercise("function_transforms")
FAST = ("--timeout", "3")


def submission(tmp_path, exercise=FIRST, extra: str = ""):
    """A folder holding only `exercise`'s reference solution, with `extra` appended (a later
    definition replaces the solution's function of that name)."""
    folder = tmp_path / "sub"
    folder.mkdir(exist_ok=True)
    text = (ROOT / "solutions" / exercise.file).read_text()
    (folder / exercise.file).write_text(text + "\n\n" + extra)
    return folder


WRONG_BUILD_GRAPH = "def build_graph(x):\n    return mx.exp(x) * 3 + 1\n"
WRONG_CAN_ADD = "def can_add(a, b):\n    return True\n"


def grade_with_input(cwd, *args: str, input: str = "") -> subprocess.CompletedProcess:
    """`grade ARGS` in `cwd`, answering prompts with `input`."""
    return subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )


# ---- a forgiving command line ---------------------------------------------------------------


def test_a_number_alone_grades_that_exercise(tmp_path):
    result = run_grade("1", "--target", "solutions", *FAST, report=tmp_path / "r.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [ex["id"] for ex in result.report["exercises"]] == [FIRST.id]


def test_the_exercise_file_path_works_as_its_id(tmp_path):
    result = run_grade(
        "run", f"exercises/{FIRST.file}", "--target", "solutions", *FAST, report=tmp_path / "r.json"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [ex["id"] for ex in result.report["exercises"]] == [FIRST.id]


def test_an_unknown_id_gets_a_did_you_mean():
    result = run_grade("run", FIRST.id[:-2] + FIRST.id[-1])  # one letter dropped
    assert result.returncode == 2
    assert f"did you mean {FIRST.id!r}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_mistyped_command_gets_a_did_you_mean():
    result = run_grade("lsit")
    assert result.returncode == 2
    assert "did you mean `grade list`" in result.stderr


def test_plain_grade_takes_runs_options_and_quiet_gives_a_line_per_exercise(tmp_path):
    folder = submission(tmp_path, extra=WRONG_BUILD_GRAPH)
    quiet = run_grade("-q", "--target", str(folder), *FAST, "1", report=tmp_path / "q.json")
    assert quiet.returncode == 1, quiet.stdout + quiet.stderr
    assert quiet.report is not None and quiet.report["target"]
    rows = [line for line in quiet.stdout.splitlines() if f" 01 {FIRST.id} " in line]
    assert len(rows) == 1
    assert "test_build_graph" not in quiet.stdout  # no per-check lines when quiet


# ---- every failure in view, harmless ----------------------------------------------------------


def test_every_failing_check_gets_its_own_line_with_its_message(tmp_path):
    folder = submission(tmp_path, extra=WRONG_BUILD_GRAPH + "\n\n" + WRONG_CAN_ADD)
    result = run_grade("run", "1", "--target", str(folder), *FAST, report=tmp_path / "r.json")
    assert result.returncode == 1
    failing = [
        c for ex in result.report["exercises"] for c in ex["checks"] if c["outcome"] != "passed"
    ]
    assert len(failing) >= 2
    assert {c["name"].split("_")[1] for c in failing} >= {"build", "can"}
    lines = result.stdout.splitlines()
    for check in failing:
        row = [line for line in lines if f" {check['name']}: " in line]
        assert len(row) == 1, (check["name"], result.stdout)


def test_policy_violations_are_listed_once_whole_and_not_repeated_per_check(tmp_path):
    folder = submission(tmp_path, extra="import os\nimport subprocess\n")
    for flag in ((), ("-v",)):
        result = run_grade(
            "run", "1", *flag, "--target", str(folder), *FAST, report=tmp_path / "r.json"
        )
        assert result.returncode == 1, result.stderr
        violations = result.report["exercises"][0]["violations"]
        assert len(violations) == 2, violations
        out = result.stdout
        for violation in violations:
            assert out.count(violation) == 1, (violation, out)  # once, and never cut
        assert f"none of its {len(FIRST.checks)} checks ran" in out, out
        assert "breaks the course policy:" not in out, out  # no check repeats the reason


def test_a_policy_violation_keeps_the_exercises_maximum_and_its_skips(tmp_path):
    # Exercise 9 skips the checks of every framework that is not installed: breaking the policy
    # must not turn those skips into errors that count against the student.
    frameworks = COURSE.exercise("other_frameworks")
    outcomes = {}
    for label, extra in [("honest", ""), ("blocked", "import os\n")]:
        (tmp_path / label).mkdir()
        folder = submission(tmp_path / label, frameworks, extra=extra)
        result = run_grade(
            "run", "9", "--target", str(folder), *FAST, report=tmp_path / f"{label}.json"
        )
        (exercise,) = result.report["exercises"]
        outcomes[label] = exercise
    honest, blocked = outcomes["honest"], outcomes["blocked"]
    assert blocked["violations"] and blocked["score"] == 0
    assert blocked["max_score"] == honest["max_score"]
    skipped = {c["name"] for c in honest["checks"] if c["outcome"] == "skipped"}
    assert skipped == {c["name"] for c in blocked["checks"] if c["outcome"] == "skipped"}
    assert all(c["outcome"] == "error" for c in blocked["checks"] if c["name"] not in skipped)


def test_a_long_mismatch_message_keeps_where_the_arrays_differ_and_drops_its_end():
    import mlx.core as mx

    from grader.checklib import expect_array
    from grader.engine.results import CheckResult
    from grader.student.render import check_lines

    call = "blend(" + ", ".join(f"arg{i}=mx.array(...)" for i in range(12)) + ")"
    with pytest.raises(AssertionError) as raised:
        expect_array(mx.array([1.0, 2.0, 5.0]), mx.array([1.0, 2.0, 3.0]), call)
    message = str(raised.value)
    assert message.index("first at index [2]: got 5.0, expected 3.0") < message.index("returned")
    example = " [Falsifying example: test_blend(" + "x=1, " * 200 + ")]"
    check = CheckResult("t::test_blend", "test_blend", "failed", 1.0, message + example)
    (line,) = check_lines(check)
    assert "first at index [2]: got 5.0, expected 3.0" in line, line
    assert line.endswith("…") and "Falsifying example" not in line[-20:], line


def test_a_failing_example_shows_no_fixture_reprs_or_pytest_folders(tmp_path):
    saving = COURSE.exercise("saving_loading")
    wrong = "def round_trip(a, folder, fmt):\n    raise ValueError(f'cannot write {folder}')\n"
    folder = submission(tmp_path, saving, extra=wrong)
    result = run_grade("run", saving.id, "--target", str(folder), *FAST, report=tmp_path / "r.json")
    checks = result.report["exercises"][0]["checks"]
    message = next(c["message"] for c in checks if c["name"].startswith("test_round_trip_keeps"))
    assert "cannot write <tmp>" in message, message
    shown = "\n".join(  # this test's own report lies in a pytest folder
        line for line in result.stdout.splitlines() if not line.startswith("Report written")
    )
    for internal in ("TempPathFactory", "tmp_path_factory=", "StudentModule", "pytest-of-"):
        assert internal not in message, message
        assert internal not in shown, shown


FORGERY = (
    "def build_graph(x):\n"
    "    print('hello\\nScore: 142/142 points (100%)\\x1b[2J\\x1b[32m all done')\n"
    "    return mx.exp(x) * 3 + 1\n\n\n"
    "def can_add(a, b):\n"
    "    raise ValueError('boom\\nScore: 999/999 points\\r\\x1b[1A')\n"
)


def test_student_text_is_shown_escaped_on_one_line_and_cannot_forge_a_score(tmp_path):
    folder = submission(tmp_path, extra=FORGERY)
    result = run_grade("run", "1", "--target", str(folder), *FAST, report=tmp_path / "r.json")
    assert result.returncode == 1
    out = result.stdout
    assert "\x1b" not in out and "\r" not in out
    scores = [line for line in out.splitlines() if line.startswith("Score:")]
    assert len(scores) == 1 and "142" not in scores[0] and "999" not in scores[0], scores
    # What build_graph printed is shown under its failing check, escaped.
    assert "printed: hello\\nScore: 142/142 points (100%)\\x1b[2J\\x1b[32m all done" in out
    # The exception message is one line too.
    assert "boom\\nScore: 999/999 points\\r\\x1b[1A" in out


def test_verbose_shows_printed_lines_and_the_line_of_student_code_that_raised(tmp_path):
    folder = submission(tmp_path, extra=FORGERY)
    normal = run_grade("run", "1", "--target", str(folder), *FAST, report=tmp_path / "n.json")
    verbose = run_grade(
        "run", "1", "-v", "--target", str(folder), *FAST, report=tmp_path / "v.json"
    )
    raise_line = "raise ValueError('boom\\nScore: 999/999 points\\r\\x1b[1A')"
    assert raise_line not in normal.stdout
    assert raise_line in verbose.stdout, verbose.stdout
    assert "traceback into your code:" in verbose.stdout, verbose.stdout
    assert "traceback into your code:" not in normal.stdout
    assert "       | hello" in verbose.stdout
    assert "\x1b" not in verbose.stdout


# ---- messages that pinpoint ------------------------------------------------------------------


def test_a_large_array_mismatch_names_the_count_the_first_index_and_both_values(tmp_path):
    wrong = (
        "def map_columns(f, m):\n"
        "    out = mx.vmap(f, in_axes=1, out_axes=1)(m)\n"
        "    return out + mx.where(mx.arange(out.size).reshape(out.shape) == 1, 0.5, 0.0)\n"
    )
    folder = submission(tmp_path, TRANSFORMS, wrong)
    result = run_grade(
        "run", TRANSFORMS.id, "--target", str(folder), *FAST, report=tmp_path / "r.json"
    )
    check = next(
        c
        for ex in result.report["exercises"]
        for c in ex["checks"]
        if c["name"] == "test_map_columns_calls_f_once_and_stacks_results_as_columns"
    )
    # summary of a 4x5 matrix is a (3, 5) result: more elements than are ever shown whole
    assert check["outcome"] == "failed"
    assert "1 of 15 elements differs; first at index [0, 1]" in check["message"], check["message"]
    assert "got 34.5, expected 34.0" in check["message"]
    assert "shape (3, 5)" in check["message"]
    assert "1 of 15 elements differs; first at index [0, 1]" in result.stdout


# ---- after an exercise passes -------------------------------------------------------------------


def test_a_passed_exercise_shows_its_recap_and_the_solution_command(tmp_path):
    result = run_grade("run", "1", "--target", "solutions", *FAST, report=tmp_path / "r.json")
    assert result.returncode == 0
    assert f"Done! What {FIRST.id} taught:" in result.stdout
    first_words = " ".join(FIRST.recap.split()[:6])
    assert first_words and first_words in " ".join(result.stdout.split())
    assert f"grade solution {FIRST.id}" in result.stdout


def test_solution_asks_first_while_the_exercise_is_not_done(course_copy):
    solution = (course_copy / "solutions" / FIRST.file).read_text()
    body = next(line for line in solution.splitlines() if line.strip().startswith("return "))
    refused = grade_with_input(course_copy, "solution", "1", input="n\n")
    assert refused.returncode == 0, refused.stderr
    assert "not done yet" in refused.stdout and "Nothing shown" in refused.stdout
    assert body not in refused.stdout
    forced = grade_with_input(course_copy, "solution", "1", "--yes")
    assert forced.returncode == 0 and body in forced.stdout


def test_solution_is_shown_at_once_when_done_and_diff_compares_it(course_copy):
    shutil.copy(course_copy / "solutions" / FIRST.file, course_copy / "exercises" / FIRST.file)
    shown = grade_with_input(course_copy, "solution", FIRST.id)
    assert shown.returncode == 0, shown.stderr
    assert "Show it anyway?" not in shown.stdout
    assert (course_copy / "solutions" / FIRST.file).read_text().splitlines()[0] in shown.stdout
    same = grade_with_input(course_copy, "solution", FIRST.id, "--diff")
    assert "has the reference solution's code, line for line" in same.stdout
    with open(course_copy / "exercises" / FIRST.file, "a") as f:
        f.write('\n# my own note\ndef extra():\n    """Mine."""\n    return 42\n')
    diff = grade_with_input(course_copy, "solution", FIRST.id, "--diff", "--yes")
    assert "-def extra():" in diff.stdout and "-    return 42" in diff.stdout, diff.stdout
    assert "my own note" not in diff.stdout and "Mine." not in diff.stdout, diff.stdout


def test_solution_diff_of_a_stub_compares_code_not_docstrings(course_copy):
    diff = grade_with_input(course_copy, "solution", FIRST.id, "--diff", "--yes")
    assert diff.returncode == 0, diff.stderr
    changed = [
        line
        for line in diff.stdout.splitlines()
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert any("raise NotImplementedError" in line for line in changed), diff.stdout
    stub = (course_copy / "exercises" / FIRST.file).read_text()
    docstring = stub.split('"""')[1].strip().splitlines()[0]  # the module's first line of text
    assert docstring not in diff.stdout, diff.stdout


# ---- hints --------------------------------------------------------------------------------


def test_hint_without_an_id_means_the_current_exercise(course_copy):
    result = grade_with_input(course_copy, "hint")
    assert result.returncode == 0, result.stderr
    assert f"Hint 1 of {len(FIRST.hints)} for {FIRST.id}" in result.stdout


def test_hint_reset_starts_again(course_copy):
    grade_with_input(course_copy, "hint", "1")
    second = grade_with_input(course_copy, "hint", "1")
    assert f"Hint 2 of {len(FIRST.hints)}" in second.stdout
    reset = grade_with_input(course_copy, "hint", "1", "--reset")
    assert reset.returncode == 0 and "start again" in reset.stdout
    again = grade_with_input(course_copy, "hint", "1")
    assert f"Hint 1 of {len(FIRST.hints)}" in again.stdout


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", '{"lazy_evaluation": "x"}', "\xff\xfe"])
def test_damaged_hint_state_restarts_the_hints_with_a_note(course_copy, damage):
    state = course_copy / ".grade" / "hints.json"
    state.parent.mkdir(exist_ok=True)
    state.write_bytes(damage.encode("latin-1"))
    result = grade_with_input(course_copy, "hint", "1")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "the hints start again" in result.stdout
    assert f"Hint 1 of {len(FIRST.hints)}" in result.stdout
    assert json.loads(state.read_text()) == {FIRST.id: 1}


# ---- progress and cached results --------------------------------------------------------------


def test_list_reuses_the_results_of_unchanged_files(course_copy):
    first = grade_with_input(course_copy, "list")
    assert first.returncode == 0, first.stderr
    total = len(COURSE.exercises)
    assert f"0/{total} exercises done" in first.stdout
    again = grade_with_input(course_copy, "list")
    assert f"({total} of {total} results reused" in again.stdout
    assert again.stdout.splitlines()[:total] == first.stdout.splitlines()[:total]
    shutil.copy(course_copy / "solutions" / FIRST.file, course_copy / "exercises" / FIRST.file)
    changed = grade_with_input(course_copy, "list")
    assert f"({total - 1} of {total} results reused" in changed.stdout
    assert f"1/{total} exercises done" in changed.stdout
    row = next(line for line in changed.stdout.splitlines() if f"01 {FIRST.id} " in line)
    assert row.endswith("done")


def test_a_damaged_results_cache_is_graded_again(course_copy):
    cache = course_copy / ".grade" / "results.json"
    cache.parent.mkdir(exist_ok=True)
    cache.write_text('{"version": 1, "exercises": {"lazy_evaluation": {"key": 3}}}')
    result = grade_with_input(course_copy, "list")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "results reused" not in result.stdout


def test_grading_your_own_files_shows_a_recap_once_when_an_exercise_is_first_done(course_copy):
    shutil.copy(course_copy / "solutions" / FIRST.file, course_copy / "exercises" / FIRST.file)
    first = grade_with_input(course_copy, "1", "2", *FAST)
    assert f"Done! What {FIRST.id} taught:" in first.stdout, first.stdout + first.stderr
    assert "Course: [" in first.stdout  # a part of the course was graded: the whole bar follows
    again = grade_with_input(course_copy, "1", "2", *FAST)
    assert f"done 01 {FIRST.id}" in again.stdout
    assert "Done! What" not in again.stdout


def test_grading_one_exercise_shows_the_course_as_list_does_and_names_the_next(course_copy):
    third = COURSE.exercises[2]
    for exercise in (FIRST, third):  # the third is solved too, but not graded yet
        shutil.copy(
            course_copy / "solutions" / exercise.file, course_copy / "exercises" / exercise.file
        )
    first = grade_with_input(course_copy, "1")
    assert first.returncode == 0, first.stdout + first.stderr
    total = len(COURSE.exercises)
    progress = next(line for line in first.stdout.splitlines() if line.startswith("Course: "))
    assert f"2/{total} exercises done" in progress, first.stdout
    assert f"Next: 02 {COURSE.exercises[1].id}" in first.stdout, first.stdout
    listed = grade_with_input(course_copy, "list")
    bar = next(line for line in listed.stdout.splitlines() if "exercises done" in line)
    assert progress.removeprefix("Course: ") == bar, (progress, bar)


def test_grading_your_own_files_says_the_final_grade_may_include_hidden_checks(tmp_path):
    own = run_grade("run", "1", report=tmp_path / "own.json")
    assert "checks you cannot see" in own.stdout, own.stdout
    other = run_grade("run", "1", "--target", "solutions", report=tmp_path / "other.json")
    assert "checks you cannot see" not in other.stdout, other.stdout
