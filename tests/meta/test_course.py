"""The course's files agree with its manifest: rustlings' `dev check`, as tests."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import ROOT
from wrong_answers import wrong_answers

from grader.manifest import load_course

COURSE = load_course(ROOT)
EXERCISES = COURSE.exercises


def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text())
    return {
        n.name: n
        for n in tree.body
        if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
    }


def _signature(fn: ast.FunctionDef) -> str:
    return ast.unparse(fn.args) + " -> " + (ast.unparse(fn.returns) if fn.returns else "")


def test_course_has_at_least_nine_exercises_in_numbered_order():
    assert len(EXERCISES) >= 9, (
        f"{len(EXERCISES)} exercises in course.toml; the course needs at least 9"
    )
    for number, ex in enumerate(EXERCISES, start=1):
        assert ex.file == f"{number:02d}_{ex.id}.py", (
            f"exercise {number} is {ex.file}; expected {number:02d}_{ex.id}.py"
        )


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_exercise_files_mirror_each_other(ex):
    for path in (ROOT / "exercises" / ex.file, ROOT / "solutions" / ex.file, ROOT / ex.check_file):
        assert path.is_file(), f"{path.relative_to(ROOT)} is missing"


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_manifest_checks_match_the_check_file(ex):
    declared = [c.name for c in ex.checks]
    defined = [name for name in _functions(ROOT / ex.check_file) if name.startswith("test_")]
    assert declared == defined, (
        f"course.toml lists {declared} for {ex.id}, {ex.check_file} defines {defined} (same order)"
    )
    assert len(declared) >= 5, (
        f"{ex.id} has {len(declared)} checks; every exercise needs at least 5"
    )


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_hints_are_progressive_and_present(ex):
    assert 2 <= len(ex.hints) <= 3, f"{ex.id} has {len(ex.hints)} hints; give 2 or 3"
    assert all(len(h.strip()) > 20 for h in ex.hints), f"{ex.id} has an empty or trivial hint"


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_every_exercise_has_a_recap(ex):
    # `grade` and `grade watch` show it once the exercise passes: a few sentences of what it taught.
    words = len(ex.recap.split())
    assert 20 <= words <= 160, f"{ex.id} has a recap of {words} words; write a few sentences"


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_stub_teaches_and_raises_not_implemented_with_a_todo(ex):
    path = ROOT / "exercises" / ex.file
    source = path.read_text()
    tree = ast.parse(source)
    assert len(ast.get_docstring(tree) or "") > 400, (
        f"{path.name} needs a module docstring that teaches the concept"
    )
    functions = _functions(path)
    assert len(functions) >= 4, f"{path.name} defines {len(functions)} functions; expected several"
    lines = source.splitlines()
    for name, fn in functions.items():
        assert ast.get_docstring(fn), f"{name} in {path.name} has no docstring"
        raises = [n for n in ast.walk(fn) if isinstance(n, ast.Raise)]
        assert any(
            "NotImplementedError" in ast.unparse(r.exc) and f"TODO {name}" in ast.unparse(r.exc)
            for r in raises
        ), f"{name} in {path.name} must raise NotImplementedError('TODO {name}: ...')"
        body = "\n".join(lines[fn.lineno - 1 : fn.end_lineno])
        assert re.search(r"#\s*TODO", body), (
            f"{name} in {path.name} needs a `# TODO:` comment saying what to do"
        )


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_solution_keeps_the_stub_api(ex):
    stub = _functions(ROOT / "exercises" / ex.file)
    solution = _functions(ROOT / "solutions" / ex.file)
    missing = sorted(set(stub) - set(solution))
    assert not missing, f"solutions/{ex.file} lacks {missing}"
    for name, fn in stub.items():
        assert _signature(solution[name]) == _signature(fn), (
            f"{name}: the solution's signature differs from the stub's"
        )
        assert "NotImplementedError" not in ast.unparse(solution[name]), (
            f"solutions/{ex.file}:{name} is not implemented"
        )


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_each_exercise_keeps_at_least_three_wrong_answers(ex):
    found = wrong_answers(ex.id)
    assert len(found) >= 3, (
        f"tests/meta/wrong/{ex.id}/ holds {len(found)} wrong answers; keep at least 3"
    )
    for path in found:
        assert ast.get_docstring(ast.parse(path.read_text())), (
            f"{path.name} must say in its docstring which mistake it makes"
        )
