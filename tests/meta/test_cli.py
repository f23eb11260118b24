"""The `grade` commands as a student and an instructor use them: exit codes, errors, hints, reset."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import click
import psutil
import pytest
from click.testing import CliRunner
from conftest import ROOT, copy_solutions, run_grade

from grader.cli import cli
from grader.manifest import load_course

COURSE = load_course(ROOT)
FIRST = COURSE.exercises[0]


def invoke(args, cwd, input=None):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, args, input=input, env={"NO_COLOR": "1"})
    finally:
        os.chdir(old)


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += _command_paths(command, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


COMMAND_PATHS = _command_paths(cli)


def test_the_help_walk_reaches_every_command():
    # A walk that found only the group would make the help test below vacuous.
    top = {path[0] for path in COMMAND_PATHS if path}
    assert {"run", "list", "hint", "solution", "watch", "reset", "collect", "export"} <= top
    assert len(COMMAND_PATHS) >= 11, COMMAND_PATHS


@pytest.mark.parametrize("command", COMMAND_PATHS, ids=lambda path: " ".join(path) or "grade")
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"], prog_name="grade")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: grade"), result.output
    summary = result.output.split("\n\n")[1].strip()
    assert summary and not summary.startswith("Options:"), (
        f"`grade {' '.join(command)}` has no help text"
    )


def test_help_names_the_limits():
    result = CliRunner().invoke(cli, ["--help"])
    assert "--timeout" in result.output and "--memory-limit" in result.output
    run_help = CliRunner().invoke(cli, ["run", "--help"]).output
    assert "Time limit per check" in run_help and "Memory limit" in run_help


def test_unknown_exercise_is_a_usage_error_with_the_known_ids():
    result = run_grade("run", "no_such_exercise")
    assert result.returncode == 2
    assert "unknown exercise 'no_such_exercise'" in result.stderr and FIRST.id in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_target_folder_is_a_usage_error(tmp_path):
    result = run_grade("run", "--target", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_bad_option_value_is_a_usage_error():
    result = run_grade("run", "--timeout", "-1")
    assert result.returncode == 2


def test_unwritable_out_fails_before_grading_and_overwrites_nothing(tmp_path):
    previous = tmp_path / "report.json"
    previous.write_text("previous report")
    cases = {
        "a folder": (str(tmp_path), "is a folder"),  # a usage error: exit 2
        "under a file": (str(previous / "r.json"), "is not a folder"),
        "in a missing folder": (str(tmp_path / "no" / "r.json"), "does not exist"),
    }
    for case, (out, expected) in cases.items():
        result = run_grade("run", FIRST.id, "--target", "solutions", "--out", out)
        expected_code = 2 if case == "a folder" else 3
        assert result.returncode == expected_code, f"--out {case}: exit {result.returncode}"
        assert expected in result.stderr and "Traceback" not in result.stderr, result.stderr
    if os.geteuid() != 0:  # root writes through folder permissions, so only test them as a user
        previous.parent.chmod(0o500)
        try:
            result = run_grade("run", FIRST.id, "--target", "solutions", "--out", str(previous))
        finally:
            previous.parent.chmod(0o700)
        assert result.returncode == 3 and "permission denied" in result.stderr
    assert previous.read_text() == "previous report"


def test_exit_codes_zero_when_all_pass_one_when_some_fail(tmp_path):
    assert (
        run_grade("run", FIRST.id, "--target", "solutions", report=tmp_path / "a.json").returncode
        == 0
    )
    assert run_grade("run", FIRST.id, report=tmp_path / "b.json").returncode == 1


def test_a_broken_manifest_means_grading_could_not_run(course_copy):
    (course_copy / "course.toml").write_text("[course\nname = ")
    result = invoke(["run"], course_copy)
    assert result.exit_code == 3
    assert "course.toml" in result.output and "git checkout course.toml" in result.output


def _descendants(pid: int) -> list[psutil.Process]:
    """Every live process below `pid` (its grading processes and anything they started)."""
    try:
        return [p for p in psutil.Process(pid).children(recursive=True) if p.is_running()]
    except psutil.Error:
        return []


def test_interrupted_run_keeps_the_previous_report(tmp_path):
    submission = copy_solutions(tmp_path / "slow")
    with open(submission / FIRST.file, "a") as f:
        f.write("\n\ndef build_graph(x):\n    while True:\n        pass\n")
    report = tmp_path / "report.json"
    previous = '{"schema_version": 2, "course": {}, "exercises": [], "previous": true}'
    report.write_text(previous)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from grader.cli import main; main()",
            "run",
            FIRST.id,
            "--target",
            str(submission),
            "--out",
            str(report),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(_descendants(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # wait until grading is really under way
    time.sleep(1)
    family = _descendants(proc.pid)
    assert family, "no grading process started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, f"exit {proc.returncode}: {err}"
    assert "previous report is unchanged" in err
    assert report.read_text() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "slow"], (
        "a temporary file was left behind"
    )
    _, alive = psutil.wait_procs(family, timeout=3)  # a killed process may take a moment
    assert not alive, f"a grading process outlived the interrupted run: {alive}"


def test_hints_come_one_at_a_time_and_are_remembered(course_copy):
    first = invoke(["hint", FIRST.id], course_copy)
    second = invoke(["hint", FIRST.id], course_copy)
    assert first.exit_code == second.exit_code == 0
    assert f"Hint 1 of {len(FIRST.hints)}" in first.output and FIRST.hints[0] in first.output
    assert f"Hint 2 of {len(FIRST.hints)}" in second.output and FIRST.hints[1] in second.output
    every = invoke(["hint", FIRST.id, "--all"], course_copy)
    assert all(h in every.output for h in FIRST.hints)
    assert invoke(["hint", "nope"], course_copy).exit_code == 2


def test_hint_accepts_the_exercise_number(course_copy):
    assert FIRST.hints[0] in invoke(["hint", "1"], course_copy).output


def test_reset_restores_the_stub_after_asking_and_keeps_a_backup(course_copy):
    path = course_copy / "exercises" / FIRST.file
    pristine = path.read_text()
    path.write_text("# my work in progress\n")
    declined = invoke(["reset", FIRST.id], course_copy, input="n\n")
    assert "Nothing changed" in declined.output and path.read_text() == "# my work in progress\n"
    accepted = invoke(["reset", FIRST.id], course_copy, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert path.read_text() == pristine
    backups = list((course_copy / ".grade" / "backups").glob("*.py"))
    assert [b.read_text() for b in backups] == ["# my work in progress\n"]
    again = invoke(["reset", FIRST.id], course_copy)
    assert "already the original stub" in again.output


def test_reset_without_git_history_says_what_to_do(course_copy):
    shutil.rmtree(course_copy / ".git")
    (course_copy / "exercises" / FIRST.file).write_text("# edited\n")
    result = invoke(["reset", FIRST.id, "--yes"], course_copy)
    assert result.exit_code == 3
    assert "download that file again" in result.output
    assert (course_copy / "exercises" / FIRST.file).read_text() == "# edited\n"


def test_list_shows_every_exercise_with_status_and_score(course_copy):
    result = invoke(["list"], course_copy)
    assert result.exit_code == 0, result.output
    for number, ex in enumerate(COURSE.exercises, start=1):
        assert f"{number:02d} {ex.id}" in result.output
    assert "not started" in result.output


def test_a_python_without_mlx_gets_one_line_saying_how_to_install_it(tmp_path):
    # What a Mac under Rosetta ends up with: the course installed, MLX not (no x86_64 wheel).
    program = "import sys; sys.modules['mlx'] = None; from grader.cli import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", program, "run", FIRST.id, "--out", str(tmp_path / "r.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert proc.stderr.startswith("Error: MLX is not installed in this Python"), proc.stderr
    assert "pip install -e ." in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.json").exists()
