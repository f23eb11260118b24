"""What the grader survives: bad options, damaged course files, hostile text, interruptions,
concurrent runs and ambiguous targets. Each goes through the real CLI, in temporary copies."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import ROOT, copy_course, copy_solutions, run_grade

from grader.manifest import load_course

COURSE = load_course(ROOT)
FIRST = COURSE.exercises[0]
FAST = ("--timeout", "5")


def _one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


# --out never destroys anything ---------------------------------------------------------------


@pytest.mark.parametrize(
    "victim",
    ["course.toml", f"exercises/{FIRST.file}", "grader/engine/worker.py", "tests/new-report.json"],
)
def test_out_refuses_course_files(victim, tmp_path):
    target = ROOT / victim
    before = target.read_bytes() if target.exists() else None
    result = run_grade("run", FIRST.id, *FAST, "--out", str(target))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--out" in _one_error_line(result)
    assert (target.read_bytes() if target.exists() else None) == before


def test_out_refuses_a_file_of_the_graded_folder_a_device_and_a_non_report(tmp_path):
    folder = copy_solutions(tmp_path / "sub")
    inside = folder / FIRST.file
    before = inside.read_bytes()
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    for out, words in (
        (inside, "graded folder"),
        (Path(os.devnull), "not a regular file"),
        (notes, "not a grade report"),
    ):
        result = run_grade("run", FIRST.id, "--target", str(folder), *FAST, "--out", str(out))
        assert result.returncode == 2, (out, result.stdout, result.stderr)
        assert words in _one_error_line(result)
    assert inside.read_bytes() == before
    assert notes.read_text() == "my notes\n"
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_an_existing_report_keeps_its_mode_and_a_new_one_is_0644(tmp_path):
    report = tmp_path / "report.json"
    first = run_grade("run", FIRST.id, "--target", "solutions", *FAST, report=report)
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(report.stat().st_mode) == 0o644
    report.chmod(0o600)
    again = run_grade("run", FIRST.id, "--target", "solutions", *FAST, report=report)
    assert again.returncode == 0, again.stderr
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3", "soon"])
@pytest.mark.parametrize(
    "command", [["run", FIRST.id], ["watch", FIRST.id], ["collect", "."], ["export", "gradescope"]]
)
def test_timeout_takes_finite_positive_seconds_only(command, value):
    result = run_grade(*command, "--timeout", value)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


# damaged course files ------------------------------------------------------------------------


def test_damaged_course_files_exit_3_with_one_line_naming_the_file(tmp_path):
    course = copy_course(tmp_path / "course")
    (course / "course.toml").write_bytes(b"\xff\xfe not utf-8 \x80\n")
    result = run_grade("run", FIRST.id, cwd=course)
    assert result.returncode == 3
    assert "course.toml" in _one_error_line(result)

    shutil.copy2(ROOT / "course.toml", course / "course.toml")
    (course / "grader" / "release.json").write_text("[1, 2, 3]\n")
    result = run_grade("run", FIRST.id, "--target", "solutions", cwd=course)
    assert result.returncode == 3
    assert "release.json" in _one_error_line(result)


# hostile text --------------------------------------------------------------------------------


def test_lone_surrogates_and_invalid_student_bytes_make_a_valid_report(tmp_path, validate):
    folder = copy_solutions(tmp_path / "sub")
    path = folder / FIRST.file
    path.write_text(
        path.read_text()
        + "\n\ndef build_graph(x):\n    raise ValueError('bad \\udc80 text \\x1b[2J\\nScore: 999/999')\n"
    )
    report = tmp_path / "report.json"
    student = os.fsdecode(b"stu\xffdent")
    result = run_grade(
        "run", FIRST.id, "--target", str(folder), *FAST, "--student", student, report=report
    )
    assert result.returncode == 1, result.stderr
    text = report.read_text(encoding="utf-8")  # valid UTF-8 throughout
    data = json.loads(text)
    validate(data)
    assert data["student"].startswith("stu")
    assert "\x1b" not in result.stdout, "escape sequences from student code reach the terminal"
    assert not any(line.startswith("Score: 999") for line in result.stdout.splitlines())


# what was graded -----------------------------------------------------------------------------


def test_a_named_target_is_never_silently_another_folder(tmp_path):
    unzipped = tmp_path / "unzipped"
    copy_solutions(unzipped / "exercises")
    result = run_grade("run", FIRST.id, "--target", "exercises", cwd=unzipped)
    assert result.returncode == 2
    assert "./exercises" in _one_error_line(result)
    report = tmp_path / "r.json"
    ok = run_grade("run", FIRST.id, "--target", "./exercises", *FAST, cwd=unzipped, report=report)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.report["target"] == str((unzipped / "exercises").resolve())


# Sets the terminal's title, then draws a green "done" line: what a hostile folder name tried.
FORGED = "x\x1b]0;pwned\x07\x1b[32mdone 01 lazy_evaluation 14 of 14\u202e"


@pytest.mark.parametrize(
    "args",
    [
        lambda tmp: ["run", "--target", str(tmp / FORGED)],  # a folder that lacks the files
        lambda tmp: ["run", "--target", str(tmp / "missing" / FORGED)],  # one that is not there
        lambda tmp: ["run", "--timeout", FORGED],  # a bad option value, in click's words
        lambda tmp: [f"--{FORGED}"],  # an unknown option of the group itself
        lambda tmp: ["collect", str(tmp / FORGED), "--out-dir", str(tmp / "out")],
    ],
    ids=["target-lacks-files", "target-missing", "option-value", "unknown-option", "collect"],
)
def test_every_error_and_note_escapes_what_the_user_typed(tmp_path, args):
    (tmp_path / FORGED).mkdir()
    result = run_grade(*args(tmp_path))
    assert result.returncode in (1, 2, 3), result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "\x1b" not in output and "\x07" not in output and "\u202e" not in output, output
    assert "\\x1b" in output  # shown, escaped


def test_concurrent_runs_writing_one_report_raise_no_tampering_flag(tmp_path):
    report = tmp_path / "shared.json"
    command = [sys.executable, "-c", "from grader.cli import main; main()", "run", FIRST.id]
    command += ["--target", "solutions", *FAST, "--out", str(report)]
    env = {**os.environ, "NO_COLOR": "1"}
    procs = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    data = json.loads(report.read_text())
    assert data["integrity"]["suspicious"] == []
    assert all(not ex["suspicious"] for ex in data["exercises"])


# containment ---------------------------------------------------------------------------------


def test_keyboard_interrupt_from_student_code_costs_only_its_check(tmp_path):
    folder = copy_solutions(tmp_path / "sub")
    path = folder / FIRST.file
    path.write_text(path.read_text() + "\n\ndef build_graph(x):\n    raise KeyboardInterrupt\n")
    report = tmp_path / "r.json"
    result = run_grade("run", FIRST.id, "--target", str(folder), *FAST, report=report)
    assert result.returncode == 1, result.stderr
    checks = {c["name"]: c for c in result.report["exercises"][0]["checks"]}
    hit = [n for n, c in checks.items() if c["outcome"] != "passed"]
    assert hit and all("build_graph" in n for n in hit), hit
    assert all("KeyboardInterrupt" in checks[n]["message"] for n in hit)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_the_run_like_ctrl_c(signame, tmp_path):
    folder = copy_solutions(tmp_path / "sub")
    path = folder / FIRST.file
    path.write_text(path.read_text() + "\n\ndef build_graph(x):\n    while True:\n        pass\n")
    report = tmp_path / "r.json"
    report.write_text('{"schema_version": 2, "course": {}, "exercises": []}\n')
    before = report.read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from grader.cli import main; main()", "run", FIRST.id]
        + ["--target", str(folder), "--timeout", "60", "--out", str(report)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    me = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(me.children(recursive=True)) < 2:
        time.sleep(0.1)
    time.sleep(1.0)
    family = me.children(recursive=True)
    assert family, "no grading process started"
    proc.send_signal(getattr(signal, signame))
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert report.read_bytes() == before
    _, alive = psutil.wait_procs(family, timeout=5)
    assert not alive, f"left running: {[p.pid for p in alive]}"


def test_removing_a_folder_from_several_threads_at_once_never_raises():
    # An interrupted run cleans up from two threads at once (seen under load: SIGTERM exited 1
    # with a FileNotFoundError traceback instead of 130). Six threads race over 2,000 files.
    import threading

    from grader.engine.sandbox import Sandbox

    box = Sandbox(262_144)
    errors: list[BaseException] = []
    try:
        for round_ in range(3):
            root = box.root / f"race{round_}"
            for d in range(20):
                (root / f"d{d}").mkdir(parents=True)
                for f in range(100):
                    (root / f"d{d}" / f"f{f}").write_text("x")

            def remove(root=root):
                try:
                    box.remove(root)
                except BaseException as exc:  # noqa: BLE001 - every failure is the finding
                    errors.append(exc)

            threads = [threading.Thread(target=remove) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not root.exists()
    finally:
        box.cleanup()
    assert errors == []
