"""Shared helpers for the project's own tests: run the real `grade` CLI and read its report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))


@dataclass
class GradeRun:
    """The exit code, output and report of one `grade` invocation."""

    returncode: int
    stdout: str
    stderr: str
    report: dict | None


def run_grade(
    *args: str,
    cwd: Path = ROOT,
    report: Path | None = None,
    timeout: float = 600,
    env: dict | None = None,
) -> GradeRun:
    """Run `grade ARGS` as a student would (a real process) and load the report it wrote."""
    command = [sys.executable, "-c", "from grader.cli import main; main()", *args]
    if report is not None:
        command += ["--out", str(report)]
    proc = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    try:
        data = json.loads(report.read_text()) if report is not None else None
    except (OSError, ValueError):
        data = None  # no report, or not one grade wrote
    return GradeRun(proc.returncode, proc.stdout, proc.stderr, data)


COURSE_FILES = ("course.toml", "pyproject.toml", "exercises", "solutions", "tests", "grader")


def copy_course(dest: Path, *, git: bool = False) -> Path:
    """A copy of the course in `dest` (no venv, bytecode or .grade state), for tests that change
    or damage it; with `git`, a clone carrying the working tree's files (`grade reset` needs
    the history)."""
    if git:
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(dest)], check=True)
    else:
        dest.mkdir(parents=True)
    for rel in COURSE_FILES:
        src = ROOT / rel
        if src.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(src, dest / rel, dirs_exist_ok=True, ignore=ignore)
        else:
            shutil.copy2(src, dest / rel)
    shutil.rmtree(dest / ".grade", ignore_errors=True)
    return dest


# Under pytest-xdist, the files whose checks time real grading under load (limits, floods,
# cheats graded side by side) share one worker, so they never run against each other; a file
# with module-scoped fixtures stays on one worker, so they are built once. Every other test goes
# wherever a worker is free.
UNDER_LOAD = {"test_cheats.py", "test_faults.py", "test_hardening.py"}


def pytest_collection_modifyitems(config, items) -> None:
    """Place tests on workers for `--dist loadgroup` (README's test command)."""
    if not config.pluginmanager.hasplugin("xdist"):
        return  # a plain `pytest` run: no workers to place tests on
    for item in items:
        name = item.path.name
        if name in UNDER_LOAD:
            item.add_marker(pytest.mark.xdist_group("under-load"))
        elif _has_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(name))


def _has_module_fixture(item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(defs[-1].scope == "module" for defs in info.name2fixturedefs.values() if defs)


@pytest.fixture
def course_copy(tmp_path) -> Path:
    """A private git checkout of the course, so hints, reset and results can change freely."""
    return copy_course(tmp_path / "course", git=True)


def copy_solutions(dest: Path) -> Path:
    """A submission folder laid out like exercises/, holding the reference solutions."""
    shutil.copytree(ROOT / "solutions", dest)
    return dest


@pytest.fixture(scope="session")
def grading_session():
    """One warm grading session (zygote and sandbox) shared by every in-process grading of the
    suite: the same engine `grade run` drives, without a new interpreter and imports per run."""
    from grader.engine.grading import GradingSession
    from grader.engine.jobs import Limits
    from grader.manifest import load_course

    course = load_course(ROOT)
    with GradingSession(course, Limits.for_course(course)) as session:
        yield session


def grade_report(session, target: Path, *exercise_ids: str) -> dict:
    """Grade `target` in `session` (all exercises unless ids are given) and build the report
    `grade run` would write for it."""
    from grader.report import build_report

    graded = session.grade(session.course.select(exercise_ids), str(target))
    return build_report(graded.run, graded.provenance)


@pytest.fixture(scope="session")
def report_schema() -> dict:
    return json.loads((ROOT / "grader" / "report.schema.json").read_text())


@pytest.fixture(scope="session")
def validate(report_schema):
    """Validate a report against the shipped JSON Schema."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        report_schema, format_checker=jsonschema.FormatChecker()
    )

    def check(report: dict) -> None:
        errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
        assert not errors, "report does not match grader/report.schema.json:\n" + "\n".join(
            f"  {list(e.path)}: {e.message}" for e in errors[:10]
        )

    return check
