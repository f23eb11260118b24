"""The grader's layers hold: no module imports one that imports it back (type-only and
function-local imports counted too), and the engine never reaches up into the rooms built on it."""

from __future__ import annotations

import ast

from conftest import ROOT

GRADER = ROOT / "grader"


def _module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in GRADER.rglob("*.py")}


def _imports(name: str) -> set[str]:
    """Every grader module `name` imports, wherever in the file the import stands."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {m for m in found if m in MODULES and m != name and m != "grader"}


GRAPH = {name: _imports(name) for name in MODULES}


def test_the_probe_sees_imports():
    assert "grader.engine.protocol" in GRAPH["grader.engine.worker"]
    assert "grader.engine.jobs" in GRAPH["grader.engine.hidden"]


def test_no_module_imports_one_that_imports_it_back():
    cycles, state = [], {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for nxt in sorted(GRAPH[name]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import circles:\n" + "\n".join(cycles)


def test_the_engine_stands_on_nothing_above_it():
    above = ("grader.student", "grader.instructor", "grader.cli", "grader.clitools")
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        if name.startswith(("grader.engine", "grader.policy", "grader.checks"))
        for target in targets
        if target.startswith(above)
    )
    assert not upward, "the engine imports a room built on it:\n" + "\n".join(upward)
