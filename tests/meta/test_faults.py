"""Fault containment: a broken, hanging or crashing exercise costs only its own points.

Each fault is planted in exercise 1 of a copy of the solutions and graded through the real CLI,
beside exercise 5, which must keep full marks.
Most faults need what the submission policy forbids (`sys`, `os`, `ctypes`), so they are graded
in a copy of the course whose policy allows them: this proves the layer under the policy (the
grading processes, the guard, the supervisor) on its own.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_course, copy_solutions, run_grade

from grader.manifest import load_course

COURSE = load_course(ROOT)
FAULTY = COURSE.exercises[0]
NEIGHBOUR = COURSE.exercise("indexing")  # graded beside it: its marks must not move
TIMEOUT, MEMORY_MIB = 3, 2048


def _function(body: str, name: str = "build_graph", params: str = "x") -> str:
    """Source that replaces one of exercise 1's functions with `body`."""
    indented = "\n".join("    " + line for line in body.splitlines())
    return f"\n\ndef {name}({params}):\n{indented}\n"


# name: (source appended to the solution, outcomes allowed for the affected checks, words in their message, whole exercise?)
FAULTS = {
    "syntax_error": ("\ndef broken(:\n", {"error"}, "SyntaxError at line", True),
    "exception_at_import": (
        "\nraise ValueError('bad import')\n",
        {"error"},
        "ValueError at line",
        True,
    ),
    "name_error_in_function": (_function("return undefined_name"), {"failed"}, "NameError", False),
    "infinite_loop_in_function": (
        _function("while True:\n    pass"),
        {"timeout"},
        f"timed out after {TIMEOUT} s",
        False,
    ),
    "infinite_loop_at_import": ("\nwhile True:\n    pass\n", {"timeout"}, "while importing", True),
    "long_native_call": (
        _function("a = mx.ones((10000, 10000))\nmx.eval(a @ a)\nreturn a"),
        {"timeout"},
        "timed out",
        False,
    ),
    "sys_exit_in_function": (
        _function("import sys\nsys.exit(3)"),
        {"failed"},
        "sys.exit(3)",
        False,
    ),
    "native_exit_in_function": (
        _function("import ctypes\nctypes.CDLL(None).exit(0)"),
        {"crashed"},
        "exited with code 0",
        False,
    ),
    "sys_exit_at_import": ("\nimport sys\nsys.exit(3)\n", {"error"}, "sys.exit(3)", True),
    "native_exit_at_import": (
        "\nimport ctypes\nctypes.CDLL(None).exit(0)\n",
        {"crashed"},
        "exited with code 0",
        True,
    ),
    "segfault": (_function("import ctypes\nctypes.string_at(0)"), {"crashed"}, "SIGSEGV", False),
    "one_huge_allocation": (
        _function("a = mx.zeros((2**31 - 1,)) + 1\nmx.eval(a)\nreturn a"),
        {"crashed"},
        f"exceeded the memory limit of {MEMORY_MIB // 1024} GiB",
        False,
    ),
    "growing_allocations": (
        _function(
            "keep = []\nwhile True:\n    keep.append(mx.ones((1 << 22,)) + 1)\n    mx.eval(keep[-1])"
        ),
        {"crashed"},
        "exceeded the memory limit",
        False,
    ),
}


# Faults that must trip the memory limit, not the clock: they get a time limit they never reach.
MEMORY_FAULTS = {"one_huge_allocation", "growing_allocations"}


@pytest.fixture(scope="module")
def lenient_course(tmp_path_factory) -> Path:
    """A copy of the course whose policy forbids nothing and allows os, sys and ctypes."""
    course = copy_course(tmp_path_factory.mktemp("lenient") / "course")
    manifest = (course / "course.toml").read_text()
    for key in ("forbidden_imports", "forbidden_names", "forbidden_attributes"):
        manifest = re.sub(rf"(?ms)^{key} = \[.*?^\]", f"{key} = []", manifest, count=1)
    manifest = manifest.replace(
        "allowed_imports = [", 'allowed_imports = ["os", "sys", "ctypes", "json", ', 1
    )
    (course / "course.toml").write_text(manifest)
    # Its own run of the solutions fills its MLX kernel cache, which every submission graded in
    # it starts from: compiling kernels anew would cost seconds of each check's 3 s.
    warm = run_grade("run", "--target", "solutions", "--timeout", "120", cwd=course)
    assert warm.returncode == 0, warm.stdout + warm.stderr
    return course


@pytest.fixture
def grade_with(tmp_path, lenient_course):
    def grade(source: str, *extra: str, timeout: float = TIMEOUT):
        return _grade_with(tmp_path, source, *extra, timeout=timeout, course=lenient_course)

    return grade


def _grade_with(tmp_path, source: str, *extra: str, timeout: float = TIMEOUT, course: Path = ROOT):
    submission = copy_solutions(tmp_path / "submission")
    with open(submission / FAULTY.file, "a") as handle:
        handle.write(source)
    report = tmp_path / "report.json"
    started = time.monotonic()
    result = run_grade(
        "run",
        FAULTY.id,
        NEIGHBOUR.id,
        "--target",
        str(submission),
        "--timeout",
        str(timeout),
        "--memory-limit",
        str(MEMORY_MIB),
        *extra,
        report=report,
        timeout=300,
        cwd=course,
    )
    elapsed = time.monotonic() - started
    leftover = subprocess.run(
        ["pgrep", "-f", str(submission)], capture_output=True, text=True
    ).stdout
    assert leftover == "", f"processes left behind: {leftover}"
    return result, elapsed


def _assert_others_full_marks(report):
    for ex in report["exercises"]:
        if ex["id"] != FAULTY.id:
            assert ex["score"] == ex["max_score"], (
                f"{ex['id']} lost points: {[c['message'] for c in ex['checks'] if c['outcome'] != 'passed']}"
            )


@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_fault_costs_only_its_own_points(fault, grade_with, validate):
    source, outcomes, words, whole_exercise = FAULTS[fault]
    result, elapsed = grade_with(source, timeout=60 if fault in MEMORY_FAULTS else TIMEOUT)
    assert result.report is not None, result.stderr
    validate(result.report)
    assert result.returncode == 1, result.stderr
    assert elapsed < 120, f"grading took {elapsed:.0f} s"
    faulty = next(ex for ex in result.report["exercises"] if ex["id"] == FAULTY.id)
    affected = [c for c in faulty["checks"] if c["outcome"] != "passed"]
    assert affected, f"{fault}: no check of {FAULTY.id} noticed the fault"
    if whole_exercise:
        assert len(affected) == len(faulty["checks"])
    for check in affected:
        assert check["outcome"] in outcomes, (
            f"{fault}: {check['name']} is {check['outcome']}: {check['message']}"
        )
        assert words in check["message"], (
            f"{fault}: {check['name']}: {check['message']!r} lacks {words!r}"
        )
    _assert_others_full_marks(result.report)


def test_output_flood_is_truncated_in_the_report(tmp_path, grade_with, validate):
    flood = _function(
        "import sys\nfor _ in range(3000):\n    sys.stdout.write('x' * 100_000)\nmx.eval(params)\nreturn params",
        "materialize",
        "params",
    )
    result, _ = grade_with(flood)
    validate(result.report)
    check = next(
        c
        for ex in result.report["exercises"]
        for c in ex["checks"]
        if c["name"].startswith("test_materialize")
    )
    assert check["outcome"] in ("passed", "timeout"), check
    assert len(check.get("output", "")) <= 4100
    assert (tmp_path / "report.json").stat().st_size < 500_000
    _assert_others_full_marks(result.report)


@pytest.mark.parametrize(
    "fault, reason",
    [
        ("import os\nos.remove(REPORT)", "refused os.remove on"),
        ("open(REPORT, 'w').write('{}')", "refused writing"),
    ],
)
def test_student_code_touching_the_report_is_refused_and_flagged(
    fault, reason, tmp_path, grade_with
):
    report = tmp_path / "report.json"
    body = fault.replace("REPORT", repr(str(report))) + "\nmx.eval(params)\nreturn params"
    result, _ = grade_with(_function(body, "materialize", "params"))
    faulty = next(ex for ex in result.report["exercises"] if ex["id"] == FAULTY.id)
    assert any(reason in r for r in faulty["suspicious"]), faulty["suspicious"]
    assert "suspicious" in result.stdout or "refused" in result.stdout, result.stdout


@pytest.mark.parametrize(
    "source",
    [
        "\nimport grader.checklib\n",
        "\nimport _pytest.outcomes\n",
        "\nimport importlib\nimportlib.import_module('conftest')\n",
        "\nimport sys\nframe = sys._getframe(0)\n",
    ],
)
def test_submissions_reaching_for_the_grader_are_blocked_by_the_policy(source, tmp_path):
    result, _ = _grade_with(tmp_path, source)
    faulty = next(ex for ex in result.report["exercises"] if ex["id"] == FAULTY.id)
    assert faulty["violations"], faulty
    assert faulty["score"] == 0
    assert all(c["outcome"] == "error" and "policy" in c["message"] for c in faulty["checks"])
    _assert_others_full_marks(result.report)


def test_limits_are_recorded_in_the_report(tmp_path):
    result, _ = _grade_with(tmp_path, "")
    assert result.report["limits"] == {"timeout_s": TIMEOUT, "memory_limit_mib": MEMORY_MIB}
    assert result.report["integrity"]["restarts"] == 0
    assert json.dumps(result.report)  # plain JSON throughout


def test_forged_results_are_ignored_and_flagged(grade_with):
    forged = {
        "event": "result",
        "nodeid": f"{FAULTY.check_file}::{FAULTY.checks[1].name}",
        "outcome": "passed",
    }
    body = (
        "import json, os\n"
        f"line = json.dumps({forged!r}) + '\\n'\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        os.write(fd, line.encode())\n"
        "    except OSError:\n"
        "        pass\n"
        "raise RuntimeError('no answer, only a forged pass')"
    )
    result, _ = grade_with(_function(body))
    faulty = next(ex for ex in result.report["exercises"] if ex["id"] == FAULTY.id)
    assert all(c["outcome"] != "passed" for c in faulty["checks"][:2]), faulty["checks"][:2]
    reasons = [s["reason"] for s in result.report["integrity"]["suspicious"]]
    assert any("without the grading process's token" in r for r in reasons), reasons
    _assert_others_full_marks(result.report)
