"""The editor settings shipped with the course: their test panels must run the checks of each
exercise against the student's exercises/, and never the project's own meta suite."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT

from grader.manifest import load_course

COURSE = load_course(ROOT)


def vscode_args() -> list[str]:
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text())
    return settings["python.testing.pytestArgs"]


def pycharm_args() -> list[str]:
    config = ET.parse(ROOT / ".idea" / "runConfigurations" / "Course_checks.xml").getroot()
    options = {o.get("name"): o.get("value") for o in config.iter("option")}
    target = json.loads(options["_new_target"]).replace("$PROJECT_DIR$", str(ROOT))
    return [target, *shlex.split(json.loads(options["_new_additionalArguments"]))]


@pytest.mark.parametrize("editor", [vscode_args, pycharm_args], ids=["vscode", "pycharm"])
def test_editor_settings_collect_every_check_and_nothing_else(editor):
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *editor()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    collected = {line.strip() for line in proc.stdout.splitlines() if "::" in line}
    expected = {f"{ex.check_file}::{check.name}" for ex in COURSE.exercises for check in ex.checks}
    missing = expected - {nodeid.split("[")[0] for nodeid in collected}
    assert not missing, f"the editor's test panel would not find {sorted(missing)[:5]}"
    meta = [nodeid for nodeid in collected if nodeid.startswith("tests/meta/")]
    assert not meta, f"the editor's test panel would run the meta suite: {meta[:3]}"


@pytest.mark.parametrize("editor", [vscode_args, pycharm_args], ids=["vscode", "pycharm"])
def test_editor_settings_grade_the_students_exercises(editor):
    args = editor()
    assert "--target=exercises" in args or ["--target", "exercises"] in [
        args[i : i + 2] for i in range(len(args))
    ]


def test_bare_pytest_still_runs_the_projects_own_suite():
    # README: `pytest` runs the project's tests; the editors' settings name their paths instead.
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'testpaths = ["tests/meta"]' in pyproject
