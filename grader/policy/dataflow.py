"""The taint dataflow: which names and attributes of a file may hold a module, or something
taken from one, wherever the code hands it on (assignments, calls, returns, containers, class
fields, `raise`, `setattr`). The checker asks it before it lets an attribute be set or deleted.

It reads the syntax tree only, and knows nothing of the policy's configuration.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# Rounds of taint spreading before a file counts as too devious to follow (honest code: < 5).
_MAX_ROUNDS = 40
# Methods that put their argument into the container they are called on.
_STORING_METHODS = frozenset(
    {"append", "extend", "insert", "add", "update", "setdefault", "appendleft", "extendleft"}
)

_Function: TypeAlias = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
# (scope the targets bind in, targets, value, bound in a class body)
_Binding: TypeAlias = tuple[ast.AST | None, list[ast.expr], ast.expr, bool]
# (what it does once it may carry a module, the fact it stands for, the expressions that decide)
_Item: TypeAlias = tuple[str, Any, Sequence[ast.AST]]


def attribute_chain(node: ast.expr) -> tuple[ast.expr, list[str]]:
    """The root of an attribute chain and its attribute names: `a.b.c` -> (a, [b, c])."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    attrs.reverse()
    return node, attrs


@dataclass
class _Facts:
    """Where values may flow in one file, gathered in one pass before the taint is spread."""

    bindings: list[_Binding] = field(default_factory=list)
    returns: list[tuple[str, ast.AST]] = field(default_factory=list)  # (function, what it gives)
    calls: list[ast.Call] = field(default_factory=list)
    defs: dict[str, list[tuple[_Function, bool]]] = field(default_factory=dict)  # bool: a method
    classes: dict[str, list[ast.ClassDef]] = field(default_factory=dict)
    lambdas: list[ast.Lambda] = field(default_factory=list)
    raises: list[ast.AST] = field(default_factory=list)
    handlers: list[tuple[ast.AST | None, str]] = field(default_factory=list)  # `except E as e`
    setattrs: list[tuple[str, ast.AST]] = field(default_factory=list)  # setattr(o, "name", value)
    escaped: set[str] = field(default_factory=set)  # names used other than by calling them
    escapes_tainted: bool = False  # the parameters of escaped functions and lambdas are tainted

    def items(self) -> list[_Item]:
        """Every fact as an item of the spreading rounds, in a fixed order."""
        return [
            *(("bind", b, [b[2]]) for b in self.bindings),
            *(("return", r, [r[1]]) for r in self.returns),
            *(("call", c, [*c.args, *(k.value for k in c.keywords)]) for c in self.calls),
            *(("raise", None, [e]) for e in self.raises),
            *(("setattr", name, [value]) for name, value in self.setattrs),
        ]


def _mentions(items: list[_Item]) -> dict[str, list[int]]:
    """Which items (by number) mention each name, attribute, or (as "<sent>") a `yield`."""
    index: dict[str, list[int]] = {}
    for number, (_, _, exprs) in enumerate(items):
        seen: set[str] = set()
        for expr in exprs:
            for node in ast.walk(expr):
                if isinstance(node, ast.Name):
                    seen.add(node.id)
                elif isinstance(node, ast.Attribute):
                    seen.add(node.attr)
                elif isinstance(node, (ast.Yield, ast.YieldFrom)):
                    seen.add("<sent>")
        for ident in seen:
            index.setdefault(ident, []).append(number)
    return index


def _literal_setattr(node: ast.AST) -> tuple[str, ast.expr] | None:
    """(name, value) for `setattr(obj, "name", value)` with a literal name; else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "setattr"
        and len(node.args) == 3
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        return node.args[1].value, node.args[2]
    return None


def _assignment(node: ast.AST) -> tuple[list[ast.expr], ast.expr] | None:
    """(targets, value) for a node that binds names to a value; else None."""
    if isinstance(node, ast.Assign):
        return node.targets, node.value
    if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and node.value:
        return [node.target], node.value
    if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        return [node.target], node.iter
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars], node.context_expr
    return None


class Taint:
    """Which names and attributes may hold a module or something taken from one.

    Names are tracked per function scope (a closure sees its enclosing scopes); attribute
    names are tracked file-wide. Honest code sets attributes on `self` and on objects it
    builds, which stay clean.
    """

    def __init__(
        self, nodes: list[ast.AST], parent: dict[ast.AST, ast.AST], modules: set[str]
    ) -> None:
        self.modules = modules
        self.parent = parent
        self.names: set[tuple[ast.AST | None, str]] = set()
        self.attrs: set[str] = set()
        self.funcs: set[str] = set()  # functions (by name) that may return a module
        self.scopes: dict[ast.AST, ast.AST | None] = {}
        self.globals: set[tuple[ast.AST, str]] = set()
        self.memo: dict[ast.AST, bool] = {}
        self.pending: list[ast.AST] | None = nodes
        self.unsure = False
        self.fresh: set[str] = set()  # what became tainted in the current round
        self.nonlocals: set[tuple[ast.AST, str]] = set()
        self.sent = False  # a generator may have been sent a module

    def tainted(self, expr: ast.AST) -> bool:
        """True when `expr` may evaluate to a module or to something taken from one."""
        if self.pending is not None:
            nodes, self.pending = self.pending, None
            self.solve(nodes)
        return self.may_hold_module(expr)

    def scope(self, node: ast.AST) -> ast.AST | None:
        """The function or lambda whose local `node` is (None: the module)."""
        if node in self.scopes:
            return self.scopes[node]
        chain = []
        current = node
        found: ast.AST | None = None
        while current in self.parent:
            chain.append(current)
            current = self.parent[current]
            if isinstance(current, _SCOPES):
                found = current
                break
            if current in self.scopes:
                found = self.scopes[current]
                break
        for item in chain:
            self.scopes[item] = found
        return found

    def has(self, node: ast.Name) -> bool:
        scope = self.scope(node)
        while True:
            if (scope, node.id) in self.names:
                return True
            if scope is None:
                return False
            scope = self.scope(scope)

    def add_name(self, scope: ast.AST | None, name: str) -> None:
        if scope is not None and (scope, name) in self.globals:
            scope = None
        if scope is not None and (scope, name) in self.nonlocals:
            self.add_name(self.scope(scope), name)  # it lives in an enclosing function
        if (scope, name) not in self.names:
            self.names.add((scope, name))
            self.fresh.add(name)

    def add_attr(self, attr: str) -> None:
        if attr not in self.attrs:
            self.attrs.add(attr)
            self.fresh.add(attr)

    def add_func(self, name: str) -> None:
        if name not in self.funcs:
            self.funcs.add(name)
            self.fresh.add(name)

    def solve(self, nodes: list[ast.AST]) -> None:
        """Gather where values flow among `nodes` (the whole file), then spread the taint."""
        facts = _Facts()
        for node in nodes:
            self.note_declaration(node, facts)
            self.note_binding(node, facts)
            self.note_flow(node, facts)
        self.spread(facts)
        self.memo.clear()

    # -- gathering ----------------------------------------------------------------------------
    def note_declaration(self, node: ast.AST, facts: _Facts) -> None:
        """Global and nonlocal names, classes, a module kept in a class, raised values and the
        names that catch them, and attributes set by `setattr` with a literal name."""
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            scope = self.scope(node)
            if scope is not None:
                declared = self.globals if isinstance(node, ast.Global) else self.nonlocals
                declared.update((scope, name) for name in node.names)
        elif isinstance(node, ast.ClassDef):
            facts.classes.setdefault(node.name, []).append(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and isinstance(
            self.parent.get(node), ast.ClassDef
        ):
            for alias in node.names:  # a module kept as a class attribute
                self.add_attr(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.Raise):
            facts.raises.extend(e for e in (node.exc, node.cause) if e is not None)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            facts.handlers.append((self.scope(node), node.name))
        else:
            found = _literal_setattr(node)
            if found is not None:
                facts.setattrs.append(found)

    def note_binding(self, node: ast.AST, facts: _Facts) -> None:
        """An assignment (`=`, `:=`, `+=`, `for`, `with ... as`); a name assigned a lambda or
        another function returns what that returns."""
        assigned = _assignment(node)
        if assigned is None or not assigned[0]:
            return
        targets, value = assigned
        in_class = isinstance(self.parent.get(node), ast.ClassDef)
        facts.bindings.append((self.scope(targets[0]), targets, value, in_class))
        if isinstance(node, ast.Assign) and isinstance(value, ast.Lambda):
            facts.returns.extend((t.id, value.body) for t in targets if isinstance(t, ast.Name))
        if isinstance(node, ast.Assign) and isinstance(value, ast.Name):
            facts.returns.extend(  # `g = get`: g returns what get returns
                (t.id, ast.Call(func=value, args=[], keywords=[]))
                for t in targets
                if isinstance(t, ast.Name)
            )

    def note_flow(self, node: ast.AST, facts: _Facts) -> None:
        """What a function returns or yields, a call, a function or lambda, and a name used
        other than by calling it."""
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value:
            owner = self.owner(node)
            if owner is not None:
                facts.returns.append((owner, node.value))
        elif isinstance(node, ast.Call):
            facts.calls.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            self.note_function(node, facts)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            parent = self.parent.get(node)
            if not (isinstance(parent, ast.Call) and parent.func is node):
                facts.escaped.add(node.id)

    def note_function(self, node: _Function, facts: _Facts) -> None:
        """A function or lambda; each parameter with a default is bound to it."""
        if isinstance(node, ast.Lambda):
            facts.lambdas.append(node)
        else:
            method = isinstance(self.parent.get(node), ast.ClassDef)
            facts.defs.setdefault(node.name, []).append((node, method))
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        default: ast.expr | None  # for mypy only: both loops below bind it
        for arg, default in zip(positional[::-1], args.defaults[::-1], strict=False):
            facts.bindings.append((node, [ast.Name(id=arg.arg, ctx=ast.Store())], default, False))
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if default is not None:
                facts.bindings.append(
                    (node, [ast.Name(id=arg.arg, ctx=ast.Store())], default, False)
                )

    # -- spreading ----------------------------------------------------------------------------
    def spread(self, facts: _Facts) -> None:
        """Spread the taint round by round. The first round looks at everything; each later
        round only at what mentions a name, attribute or function newly tainted before it."""
        items = facts.items()
        index = _mentions(items)
        budget = _MAX_ROUNDS * (len(items) + 1)
        todo: Iterable[int] = range(len(items))
        while todo:
            self.memo.clear()
            self.fresh = set()
            for number in todo:
                kind, item, exprs = items[number]
                budget -= 1
                if any(self.may_hold_module(e) for e in exprs):
                    self.carry(kind, item, facts)
            if budget < 0:
                self.unsure = True  # still spreading: values passed around too deviously
                break
            todo = sorted({n for ident in self.fresh for n in index.get(ident, ())})

    def carry(self, kind: str, item: Any, facts: _Facts) -> None:
        """Taint what an item hands its value on to, now that the value may hold a module."""
        if kind == "bind":
            scope, targets, _, in_class = item
            for target in targets:
                self.bind(scope, target, in_class)
        elif kind == "return":
            self.add_func(item[0])
        elif kind == "raise":  # `except E as e` may catch it
            for scope, name in facts.handlers:
                self.add_name(scope, name)
        elif kind == "setattr":
            self.add_attr(item)
        else:
            self.carry_call(item, facts)

    def carry_call(self, call: ast.Call, facts: _Facts) -> None:
        """A call given a module: the container it stores into, the parameters of the function
        or class it calls, and (the first time) whatever may be given anything."""
        func = call.func
        callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if isinstance(func, ast.Attribute) and func.attr in _STORING_METHODS:
            self.bind_container(self.scope(call), func.value)  # box.append(module)
        if callee in facts.defs:
            self.taint_params(facts.defs[callee])
        for cls in facts.classes.get(callee, ()):  # type: ignore[arg-type]  # None: a miss
            self.taint_class(cls)
        if not facts.escapes_tainted:
            facts.escapes_tainted = True
            self.taint_escapes(facts)

    def taint_escapes(self, facts: _Facts) -> None:
        """A function handed around, a lambda, or a generator's `yield` may be given anything."""
        for name in facts.escaped & set(facts.defs):
            self.taint_params(facts.defs[name])
        for lam in facts.lambdas:
            self.taint_params([(lam, False)])
        self.sent = True
        self.fresh.add("<sent>")

    def owner(self, node: ast.AST) -> str | None:
        scope = self.scope(node)
        return scope.name if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) else None

    def taint_params(self, signatures: list[tuple[_Function, bool]]) -> None:
        for node, method in signatures:
            args = node.args
            params = [*args.posonlyargs, *args.args]
            if method:
                params = params[1:]  # self or cls: the object being built, not an argument
            params += [*args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a)]
            for param in params:
                self.add_name(node, param.arg)

    def taint_class(self, node: ast.ClassDef) -> None:
        # A class called with a module may keep it in a field or through its constructor.
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                self.add_attr(item.target.id)  # a dataclass or NamedTuple field
            elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in (
                "__init__",
                "__post_init__",
            ):
                self.taint_params([(item, True)])

    def bind(self, scope: ast.AST | None, target: ast.AST, in_class: bool) -> None:
        pending = [target]
        while pending:
            node = pending.pop()
            if isinstance(node, (ast.Tuple, ast.List)):
                pending.extend(node.elts)
            elif isinstance(node, ast.Starred):
                pending.append(node.value)
            elif isinstance(node, ast.Name):
                self.add_name(scope, node.id)
                if in_class:  # a class attribute: reachable as C.name and self.name
                    self.add_attr(node.id)
            elif isinstance(node, ast.Attribute):
                self.add_attr(node.attr)
            elif isinstance(node, ast.Subscript):
                self.bind_container(scope, node.value)

    def bind_container(self, scope: ast.AST | None, node: ast.expr) -> None:
        root, attrs = attribute_chain(node)
        if attrs:
            self.add_attr(attrs[-1])
        elif isinstance(root, ast.Name) and root.id not in self.modules:
            self.add_name(self.scope(root) if root in self.parent else scope, root.id)

    def may_hold_module(self, expr: ast.AST) -> bool:
        if expr in self.memo:
            return self.memo[expr]
        result = False
        for node in ast.walk(expr):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id in self.modules:
                    if not self.called_through_module(node):
                        result = True
                        break
                elif self.has(node) and not self.called(node):
                    result = True
                    break
            elif isinstance(node, ast.Attribute) and node.attr in self.attrs:
                if not self.called(node):
                    result = True
                    break
            elif isinstance(node, (ast.Yield, ast.YieldFrom)) and self.sent:
                result = True
                break
            elif isinstance(node, ast.Call):
                func = node.func
                callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if callee in self.funcs or callee == "type":  # type(x): a class others share
                    result = True
                    break
        self.memo[expr] = result
        return result

    def called(self, node: ast.AST) -> bool:
        # Calling a function taken from a module (`act = nn.relu; act(x)`) gives a value, not
        # the module; a function that returns a module is caught through `funcs`.
        parent = self.parent.get(node)
        return isinstance(parent, ast.Call) and parent.func is node

    def called_through_module(self, node: ast.Name) -> bool:
        # `mx.zeros(3)` returns an array, not the module: a call through a module is clean.
        current: ast.AST = node
        parent = self.parent.get(current)
        while isinstance(parent, ast.Attribute) and parent.value is current:
            current, parent = parent, self.parent.get(parent)
        return isinstance(parent, ast.Call) and parent.func is current
