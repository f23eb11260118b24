"""Release digests match the repository, and an edited check shows in the report and terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, copy_course, run_grade

from grader.engine.integrity import compute_release, release_digests, sha256_file
from grader.manifest import load_course

COURSE = load_course(ROOT)


def test_recorded_release_digests_match_the_repository():
    recorded, actual = release_digests(), compute_release(COURSE)
    stale = sorted(
        name for name in actual["files"] if recorded["files"].get(name) != actual["files"][name]
    )
    assert not stale, f"grader/release.json is stale for {stale}: run `grade dev digests --write`"
    assert recorded == actual, "grader/release.json is stale: run `grade dev digests --write`"


def test_every_check_file_plugin_and_the_manifest_is_covered():
    covered = set(compute_release(COURSE)["files"])
    expected = {
        "course.toml",
        "tests/conftest.py",
        "grader/checks.py",
        "grader/checklib.py",
        "grader/engine/worker.py",
    }
    expected |= {ex.check_file for ex in COURSE.exercises}
    assert expected <= covered, f"not covered by checks_sha256: {sorted(expected - covered)}"


def test_every_grader_module_a_grading_process_loads_is_covered():
    """A module split out of the worker, the guard or the policy still counts: whatever the
    grading process imports of the grader decides scores, so the digest must cover it."""
    program = (
        "import sys, grader.engine.worker, grader.checks, grader.checklib, grader.policy\n"
        "print('\\n'.join(sorted(m.__file__ for n, m in sys.modules.items()"
        " if n.split('.')[0] == 'grader' and getattr(m, '__file__', None))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    modules = {Path(path).resolve().relative_to(ROOT).as_posix() for path in loaded}
    modules -= {"grader/__init__.py"}  # the version only
    covered = set(compute_release(COURSE)["files"])
    assert len(modules) > 5, f"the probe saw too few modules: {sorted(modules)}"
    assert modules <= covered, f"loaded in grading but not digested: {sorted(modules - covered)}"


def test_an_edited_check_is_flagged_and_changes_checks_sha256(tmp_path):
    pristine = run_grade(
        "run", COURSE.exercises[0].id, "--target", "solutions", report=tmp_path / "a.json"
    )
    assert pristine.report["integrity"]["checks_match_release"] is True
    assert pristine.report["integrity"]["modified_files"] == []

    course = copy_course(tmp_path / "course")
    check_file = course / COURSE.exercises[0].check_file
    check_file.write_text(check_file.read_text() + "\n\ndef test_extra():\n    pass\n")
    edited = run_grade(
        "run",
        COURSE.exercises[0].id,
        "--target",
        "solutions",
        cwd=course,
        report=tmp_path / "b.json",
    )
    integrity = edited.report["integrity"]
    assert integrity["checks_match_release"] is False
    assert integrity["modified_files"] == [COURSE.exercises[0].check_file]
    assert edited.report["course"]["checks_sha256"] != pristine.report["course"]["checks_sha256"]
    assert "check files differ from this release" in edited.stdout


def test_grade_dev_digests_says_the_release_digests_match():
    proc = run_grade("dev", "digests")
    assert (proc.returncode, proc.stdout) == (0, "release digests match\n"), (
        proc.stdout + proc.stderr
    )


def test_grade_dev_digests_names_a_stale_file_until_written(tmp_path):
    course = copy_course(tmp_path / "c")
    check = COURSE.exercises[0].check_file
    (course / check).write_text((course / check).read_text() + "\n\ndef test_extra():\n    pass\n")
    stale = run_grade("dev", "digests", cwd=course)
    assert (stale.returncode, stale.stdout) == (1, f"{check}\n"), stale.stdout + stale.stderr

    written = run_grade("dev", "digests", "--write", cwd=course)
    assert written.returncode == 0, written.stdout + written.stderr
    assert written.stdout.startswith("wrote grader/release.json: "), written.stdout
    assert json.loads((course / "grader/release.json").read_text())["files"][check] == (
        sha256_file(course / check)
    )
    fresh = run_grade("dev", "digests", cwd=course)
    assert (fresh.returncode, fresh.stdout) == (0, "release digests match\n"), fresh.stdout
