"""Python's scoping, for the checker: a function's local that shares its name with an imported
module is that local, not the module.

`import copy` at the top of a file and `copy = mx.array(a)` inside a function are two names: in
that function `copy` is the array everywhere (Python decides per scope, not per line). The checker
keys modules by name, so before it walks the tree each such local is renamed, within its scope
only, to a name no import binds ("copy (local)"). Module-level rebinding is left alone: there the
name is the module until the line that rebinds it, and the checker stays strict.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPES = (*_FUNCTIONS, ast.ClassDef, *_COMPREHENSIONS)


def imported_names(tree: ast.AST) -> set[str]:
    """Every name an import statement binds, anywhere in `tree`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add(alias.asname or alias.name.split(".")[0])
    return names


def rename_shadowing_locals(tree: ast.Module) -> None:
    """Rename, scope by scope, each local of a function, lambda or comprehension that has the
    name of an imported module, so that the checker takes it for what it is."""
    modules = imported_names(tree)
    for scope in ast.walk(tree):
        if isinstance(scope, (*_FUNCTIONS, *_COMPREHENSIONS)):
            for name in _locals(scope) & modules:
                _rename(scope, name, f"{name} (local)")


def _locals(scope: ast.AST) -> set[str]:
    """The names `scope` binds other than by import, less those it declares global or
    nonlocal, and less any it also imports (then the checker treats the name as the module)."""
    bound: set[str] = set()
    imported: set[str] = set()
    declared: set[str] = set()
    if isinstance(scope, _FUNCTIONS):
        args = scope.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        bound.update(a.arg for a in every if a is not None)
    for node in _own_nodes(scope):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
    return bound - imported - declared


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes evaluated in `scope` itself: its body, not nested scopes' bodies (a nested
    function's name, decorators and defaults belong here; its body does not)."""
    pending = list(_body(scope))
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, _SCOPES):
            pending.extend(_outer_parts(node))
        else:
            pending.extend(ast.iter_child_nodes(node))


def _body(scope: ast.AST) -> list[ast.AST]:
    """What runs inside `scope` (for a comprehension: all but its first iterable)."""
    if isinstance(scope, ast.Lambda):
        return [scope.body]
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return list(scope.body)
    assert isinstance(scope, _COMPREHENSIONS)
    first, *rest = scope.generators
    parts: list[ast.AST] = [first.target, *first.ifs, *rest]
    if isinstance(scope, ast.DictComp):
        return [*parts, scope.key, scope.value]
    return [*parts, scope.elt]


def _outer_parts(scope: ast.AST) -> list[ast.AST]:
    """The parts of a nested scope that its enclosing scope evaluates."""
    if isinstance(scope, _COMPREHENSIONS):
        return [scope.generators[0].iter]
    parts: list[ast.AST] = []
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        parts += [*scope.args.defaults, *(d for d in scope.args.kw_defaults if d is not None)]
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        parts += scope.decorator_list
    if isinstance(scope, ast.ClassDef):
        parts += [*scope.bases, *(k.value for k in scope.keywords)]
    return parts


def _rename(scope: ast.AST, old: str, new: str) -> None:
    """Rename `old` to `new` in `scope` and in the nested scopes that read it from there."""
    if isinstance(scope, _FUNCTIONS):
        args = scope.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None and arg.arg == old:
                arg.arg = new
    pending = list(_body(scope))
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name) and node.id == old:
            node.id = new
        elif isinstance(node, ast.ExceptHandler) and node.name == old:
            node.name = new
        if isinstance(node, _SCOPES):
            pending.extend(_outer_parts(node))
            if old not in _locals(node):  # a nested scope reads ours unless it binds the name
                pending.extend(_body(node))
        else:
            pending.extend(ast.iter_child_nodes(node))
