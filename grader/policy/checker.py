"""The AST checker: one pass over an exercise file's syntax tree that judges every import, name,
attribute, call and string against the rules of its exercise, and asks the taint dataflow
whether an attribute set or deleted belongs to a module.

It never imports or runs the file; config.Policy.check parses it and hands the tree here.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Callable, Iterator
from typing import Any, cast

from grader.policy.dataflow import Taint, attribute_chain
from grader.policy.rules import Rules, Violation, violation
from grader.policy.scopes import rename_shadowing_locals

MAX_VIOLATIONS = 50  # per file: enough to fix, short enough to read

# Builtins that look attributes up by a string: only a literal name is accepted.
DYNAMIC_ATTRIBUTE = frozenset({"getattr", "setattr", "delattr", "hasattr"})
# Helpers that copy attributes by the names they are given (update_wrapper(..., updated=("x",))
# merges wrapped.x into wrapper.x): how many positional arguments come before those names. With
# the defaults they copy only the wrapped function's metadata.
NAMES_ATTRIBUTES = {"functools.update_wrapper": 2, "functools.wraps": 1}

_WORD = re.compile(r"[A-Za-z0-9_]+")


def _only_looked_at(call: ast.AST, parent: ast.AST | None) -> bool:
    """True when the value of `call` is only compared or shown (print, str, repr, an f-string),
    never called, kept or handed to anything that could call it."""
    if isinstance(parent, (ast.Compare, ast.FormattedValue)):
        return True
    return (
        isinstance(parent, ast.Call)
        and call in parent.args
        and isinstance(parent.func, ast.Name)
        and parent.func.id in ("print", "str", "repr")
    )


def _called(node: ast.AST, parent: ast.AST | None) -> bool:
    """True when `node` is the function of the call `parent`."""
    return isinstance(parent, ast.Call) and parent.func is node


def _format_method_as_value(node: ast.Attribute, parent: ast.AST | None) -> bool:
    """True for `str.format`, `"...".format` or any `.format_map` taken without being called.
    Other `.format` attributes are left alone: `memoryview(a).format` is a buffer's format
    code, and a name's `.format` may be one too (a run-time string's `.format(...)` call is
    refused in visit_call)."""
    if node.attr not in ("format", "format_map") or _called(node, parent):
        return False
    receiver = node.value
    return (
        node.attr == "format_map"
        or (isinstance(receiver, ast.Name) and receiver.id == "str")
        or not isinstance(receiver, (ast.Name, ast.Attribute, ast.Call))
    )


def _probed_by_literal_name(node: ast.AST, parent: ast.AST | None) -> bool:
    """True for the module `m` in `hasattr(m, "name")` or `getattr(m, "name"[, default])`: the
    call looks up one attribute named in the source, judged like `m.name` (Checker.visit_call)."""
    return (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and parent.func.id in ("getattr", "hasattr")
        and len(parent.args) in ((2,) if parent.func.id == "hasattr" else (2, 3))
        and not parent.keywords
        and parent.args[0] is node
        and isinstance(parent.args[1], ast.Constant)
        and isinstance(parent.args[1].value, str)
    )


def _is_dunder(name: str) -> bool:
    """`__x__` and the like: two underscores, a name ending in a letter or digit, two more.
    (String tests, not a regular expression: one over a long run of underscores backtracks
    quadratically, and a submission could stall the supervisor with it.)"""
    return (
        len(name) >= 5
        and name[:2] == "__"
        and name[-2:] == "__"
        and name[-3].isalnum()
        and name.isascii()
        and _WORD.fullmatch(name) is not None
    )


def _dunders_in(text: str) -> Iterator[str]:
    """The dunder names in `text`, in linear time."""
    for word in _WORD.findall(text):
        if _is_dunder(word):
            yield word


def _shown(node: ast.AST) -> str:
    """Student code as a short one-line quote for a message."""
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


# Node types `Checker.visit` has nothing to say about (the bulk of any tree).
_PLAIN = frozenset(
    {
        ast.Load, ast.Store, ast.Del, ast.Expr, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
        ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.Pow, ast.FloorDiv, ast.MatMult,
        ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt,
        ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn, ast.Tuple, ast.List, ast.Dict, ast.Set,
        ast.Return, ast.If, ast.For, ast.While, ast.Assign, ast.AugAssign, ast.arguments,
        ast.Slice, ast.IfExp, ast.JoinedStr, ast.FormattedValue, ast.comprehension,
        ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.Lambda, ast.With,
        ast.withitem, ast.Try, ast.Raise, ast.Pass, ast.Break, ast.Continue,
        ast.Starred, ast.Module, ast.Import, ast.ImportFrom, ast.Assert, ast.Delete,
    }
)  # fmt: skip


class Checker:
    """One pass over one file's syntax tree, collecting violations."""

    def __init__(self, filename: str, rules: Rules, exercise_id: str) -> None:
        self.filename = filename
        self.rules = rules
        self.exercise_id = exercise_id
        self.found: dict[tuple[int, str, str], Violation] = {}
        self.parent: dict[ast.AST, ast.AST] = {}
        self.modules: dict[str, list[str]] = {}  # name -> dotted path it is bound to
        self.values_banned: set[str] = set()  # module names that may only be used as `name.x`
        self.classes: set[str] = set()  # classes this file defines

    # -- driver -----------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> list[Violation]:
        rename_shadowing_locals(tree)
        nodes: list[ast.AST] = [tree]
        parent = self.parent
        index = 0
        while index < len(nodes):
            node = nodes[index]
            index += 1
            for child in ast.iter_child_nodes(node):
                parent[child] = node
                nodes.append(child)
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.visit_import(node)
            elif isinstance(node, ast.ClassDef):
                self.classes.add(node.name)
        # Solved on first use: most files set no attribute outside `self`.
        taint = Taint(nodes, self.parent, set(self.modules))
        simple: dict[type[ast.AST], Callable[[Any], None]] = {
            ast.Name: self.visit_name,
            ast.Constant: self.visit_string,
        }
        with_taint: dict[type[ast.AST], Callable[[Any, Taint], None]] = {
            ast.Attribute: self.visit_attribute,
            ast.Call: self.visit_call,
        }
        for node in nodes:
            kind = type(node)
            if kind in simple:
                simple[kind](node)
            elif kind in with_taint:
                with_taint[kind](node, taint)
            elif kind not in _PLAIN:
                self.visit(node, taint)
        if taint.unsure:
            self.add(tree, "monkeypatch", "values are passed around too deviously to follow")
        return sorted(self.found.values(), key=lambda v: (v.line, v.rule, v.message))[
            :MAX_VIOLATIONS
        ]

    def add(self, node: ast.AST, rule: str, what: str, fix: str = "") -> None:
        line = getattr(node, "lineno", 1)
        self.found.setdefault((line, rule, what), violation(self.filename, line, rule, what, fix))

    def not_allowed(self, node: ast.AST, name: str) -> None:
        where = f"exercise {self.exercise_id}" if self.exercise_id else "this file"
        allowed = ", ".join(self.rules.allowed_imports())
        self.add(node, "import", f"{name} is not allowed in {where}", f"use only {allowed}")

    # -- imports ----------------------------------------------------------------------------
    def visit_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                self.add(node, "relative-import", "relative import")
                return
            base = node.module.split(".")
            for alias in node.names:
                if alias.name == "*":
                    self.add(node, "star-import", f"`from {node.module} import *`")
                    continue
                parts = [*base, alias.name]
                if ".".join(parts) in self.rules.call_only and isinstance(
                    self.parent.get(node), ast.ClassDef
                ):  # a class attribute keeps the function where the checks' watch cannot see
                    self.add(node, "call-only", f"keeps {'.'.join(parts)} in a class")
                if self.import_ok(node, parts):
                    bound = alias.asname or alias.name
                    self.modules[bound] = parts
                    if ".".join(parts) in self.rules.moduleish:
                        self.values_banned.add(bound)
            return
        for alias in node.names:
            parts = alias.name.split(".")
            if self.import_ok(node, parts):
                bound = alias.asname or parts[0]
                self.modules[bound] = parts if alias.asname else parts[:1]
                self.values_banned.add(bound)

    def import_ok(self, node: ast.AST, parts: list[str]) -> bool:
        name = ".".join(parts)
        if any(p.startswith("_") for p in parts if p != "__future__"):
            self.add(node, "private-attribute", f"imports private name {name}")
            return False
        verdict = self.rules.classify(parts)
        if verdict == "allowed" or name in self.rules.partial:
            return True
        if verdict == "forbidden":
            self.add(node, "forbidden-module", f"imports {name}")
        else:
            self.not_allowed(node, name)
        return False

    # -- every node -------------------------------------------------------------------------
    def visit(self, node: ast.AST, taint: Taint) -> None:
        if isinstance(node, ast.Name):
            self.visit_name(node)
        elif isinstance(node, ast.Attribute):
            self.visit_attribute(node, taint)
        elif isinstance(node, ast.Call):
            self.visit_call(node, taint)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.visit_string(node)
        elif isinstance(node, ast.MatchClass):
            for attr in node.kwd_attrs:  # `case C(attr=...)` reads obj.attr
                self.attribute_name(node, attr)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
            root, _ = attribute_chain(node.value)
            if isinstance(root, ast.Name) and root.id in self.modules:
                self.add(node, "monkeypatch", f"changes an item of {_shown(node.value)}")
        else:
            for name in _identifiers(node):
                self.dunder(node, name)
        if isinstance(node, ast.arg):
            self.annotation(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.annotation(node.returns)
        elif isinstance(node, ast.AnnAssign):
            self.annotation(node.annotation)

    def dunder(self, node: ast.AST, name: str) -> bool:
        if _is_dunder(name) and name not in self.rules.dunders:
            self.add(node, "dunder", f"uses {name}")
            return True
        return False

    def visit_name(self, node: ast.Name) -> None:
        name = node.id
        if self.dunder(node, name):
            return
        parent = self.parent.get(node)
        called = _called(node, parent)
        call = cast(ast.Call, parent)  # for mypy only: read below only where `called` holds
        if name in self.rules.names:
            self.add(node, "forbidden-name", f"uses {name}")
        elif name == "open" and not (called and _writes_only(call)):
            # An exercise that may open files writes them; reading could reach the answers.
            self.add(
                node,
                "forbidden-name",
                "uses open other than to write a file",
                "pass open a literal mode that writes: 'w', 'wb', 'x' or 'a'",
            )
        elif name in DYNAMIC_ATTRIBUTE and not called:
            self.add(node, "dynamic-attribute", f"passes {name} around as a value")
        elif name == "type" and not (
            called
            and len(call.args) == 1
            and not call.keywords
            and _only_looked_at(call, self.parent.get(call))
        ):
            # type(x)(name, bases, namespace) builds a class whose attribute names are made at
            # run time (NumPy's array-interface hook among them): only a comparison is safe.
            self.add(node, "type-call", "uses type other than to compare type(x) with a class")
        elif (
            name in self.values_banned
            and isinstance(node.ctx, ast.Load)
            and not (isinstance(parent, ast.Attribute) and parent.value is node)
            and not _probed_by_literal_name(node, parent)
        ):
            self.add(node, "module-as-value", f"uses the module {name} as a value")
        elif (
            name in self.modules
            and not called
            and isinstance(node.ctx, ast.Load)
            and ".".join(self.modules[name]) in self.rules.call_only
        ):
            self.add(
                node, "call-only", f"uses {'.'.join(self.modules[name])} other than by calling it"
            )

    def attribute_name(self, node: ast.AST, attr: str) -> bool:
        if self.dunder(node, attr):
            return True
        if attr in self.rules.attributes:
            self.add(node, "forbidden-attribute", f"uses the attribute .{attr}")
            return True
        return False

    def visit_attribute(self, node: ast.Attribute, taint: Taint) -> None:
        if self.attribute_name(node, node.attr):
            return
        if _format_method_as_value(node, self.parent.get(node)):
            # Taken as a value, it renders whatever format string reaches it at run time, and a
            # format field reads any attribute chain (`{0.__globals__}`).
            self.add(
                node,
                "format-string",
                f".{node.attr} taken as a value",
                f"call it at once on a literal string: 'text {{}}'.{node.attr}(...)",
            )
        if node.attr[:1] == "_" and not _is_dunder(node.attr) and not self.own(node.value):
            # Private state of objects from libraries or from the checks can hold anything
            # (modules, frames, the checks' records); only your own objects' is yours.
            self.add(node, "private-attribute", f"uses .{node.attr} of an object it did not define")
            return
        if isinstance(node.ctx, (ast.Store, ast.Del)) and taint.tainted(node.value):
            self.add(
                node,
                "monkeypatch",
                f"sets or deletes {_shown(node)}, an attribute of a module or of something taken from one",
            )
        parent = self.parent.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return  # the outermost attribute of the chain resolves it
        root, attrs = attribute_chain(node)
        called = _called(node, parent)
        if not (isinstance(root, ast.Name) and root.id in self.modules):
            # Not rooted at an import, but a package may still be reached through an object
            # or a module that keeps a reference to it (`d.torch.load`).
            for start, attr in enumerate(attrs):
                if attr in self.rules.reroot:
                    self.resolve(
                        node, self.rules.reroot[attr].split("."), attrs[start + 1 :], called
                    )
                    return
            return
        parts = list(self.modules[root.id])
        whole = [*parts, *attrs]
        for end in range(len(parts), len(whole) + 1 if isinstance(node.ctx, ast.Load) else 0):
            if ".".join(whole[:end]) in self.rules.call_only and not (end == len(whole) and called):
                self.add(
                    node, "call-only", f"uses {'.'.join(whole[:end])} other than by calling it"
                )
                break
        self.resolve(node, parts, attrs, called)

    def resolve(self, node: ast.AST, parts: list[str], attrs: list[str], called: bool) -> None:
        """Judge the dotted path `parts` + `attrs`, one attribute at a time."""
        if not self.judge(node, parts):
            return
        for attr in attrs:
            if attr.startswith("_"):
                if not _is_dunder(attr):
                    self.add(node, "private-attribute", f"uses {'.'.join([*parts, attr])}")
                return
            if attr in self.rules.reroot and ".".join([*parts, attr]) not in self.rules.listed:
                # a module's reference to a package it imported (torch.utils.dlpack.torch)
                parts = self.rules.reroot[attr].split(".")
            else:
                parts = [*parts, attr]
            if not self.judge(node, parts):
                return
        if ".".join(parts) in self.rules.moduleish and not called:
            self.add(node, "module-as-value", f"uses the module {'.'.join(parts)} as a value")

    def judge(self, node: ast.AST, parts: list[str]) -> bool:
        """Report `parts` if the policy refuses it; True when it may be used."""
        name = ".".join(parts)
        if name in self.rules.partial:
            return True
        verdict = self.rules.classify(parts)
        if verdict == "forbidden":
            self.add(node, "forbidden-module", f"uses {name}")
        elif verdict == "denied":
            self.not_allowed(node, name)
        return verdict == "allowed"

    def dotted(self, node: ast.AST) -> str | None:
        """The dotted path of a name or attribute chain rooted at an import, else None."""
        root, attrs = attribute_chain(node) if isinstance(node, ast.Attribute) else (node, [])
        if isinstance(root, ast.Name) and root.id in self.modules:
            return ".".join([*self.modules[root.id], *attrs])
        return None

    def own(self, node: ast.AST) -> bool:
        """True for `self`/`cls` inside a method of a class of this file, or such a class."""
        if not isinstance(node, ast.Name):
            return False
        if node.id in self.classes:
            return True
        current: ast.AST | None = node
        while current is not None:
            current = self.parent.get(current)
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                args = [*current.args.posonlyargs, *current.args.args]
                method = isinstance(self.parent.get(current), ast.ClassDef)
                if method and args and args[0].arg == node.id:
                    return True
                if any(a.arg == node.id for a in [*args, *current.args.kwonlyargs]):
                    return False  # a parameter of an inner function: anything may come in
        return False

    def visit_call(self, node: ast.Call, taint: Taint) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in DYNAMIC_ATTRIBUTE:
            name = node.args[1] if len(node.args) >= 2 else None
            starred = any(isinstance(a, ast.Starred) for a in node.args)
            if (
                starred
                or node.keywords
                or not (isinstance(name, ast.Constant) and isinstance(name.value, str))
            ):
                self.add(node, "dynamic-attribute", f"{func.id} with a computed attribute name")
                return
            if self.attribute_name(node, name.value):
                return
            target = node.args[0]
            if func.id in ("getattr", "hasattr") and isinstance(target, ast.Name):
                if target.id in self.modules:
                    # `hasattr(mx, "metal")` is `mx.metal` looked at; `getattr(mx, "metal")`
                    # is `mx.metal` itself: judged as that attribute would be.
                    used = func.id == "hasattr" or _called(node, self.parent.get(node))
                    self.resolve(node, list(self.modules[target.id]), [name.value], used)
            if func.id in ("setattr", "delattr") and taint.tainted(node.args[0]):
                self.add(
                    node,
                    "monkeypatch",
                    f"{func.id} on {_shown(node.args[0])}, a module or something taken from one",
                )
        elif (path := self.dotted(func)) in NAMES_ATTRIBUTES:
            if len(node.args) > NAMES_ATTRIBUTES[path] or any(
                k.arg in (None, "assigned", "updated") for k in node.keywords
            ):
                self.add(
                    node,
                    "attribute-copy",
                    f"{path} with attribute names of its own",
                    "leave assigned= and updated= at their defaults",
                )
        elif isinstance(func, ast.Attribute) and func.attr in ("format", "format_map"):
            receiver = func.value
            if not (isinstance(receiver, ast.Constant) and isinstance(receiver.value, str)):
                self.add(
                    node, "format-string", f".{func.attr} on a format string built at run time"
                )
            else:
                bad = _format_fields_reaching(receiver.value)
                if bad:
                    self.add(
                        node,
                        "format-string",
                        f"format field {{{bad[:40]}}} reads a private attribute",
                    )

    def visit_string(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str):
            return
        if "\0" in node.value and self.rules.writes_files:
            self.add(
                node, "nul-character", "a string holds a NUL character, which cuts a file name"
            )
        if "__" not in node.value:
            return
        parent = self.parent.get(node)
        if isinstance(parent, ast.Expr):
            return  # a docstring or a bare string: documentation, never looked up
        for found in _dunders_in(node.value):
            if found not in self.rules.dunders:
                self.add(node, "dunder", f"a string names {found}")
                return

    def annotation(self, node: ast.AST | None, depth: int = 0) -> None:
        # typing.get_type_hints (and functools.singledispatch through it) evaluates string
        # annotations, and a string that evaluates to a string again, so their text is checked
        # as the code it is.
        if node is None:
            return
        if depth > 4:
            self.add(node, "nesting-too-deep", "an annotation quoted too many times to check")
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                try:
                    inner = ast.parse(sub.value, mode="eval")
                except (SyntaxError, ValueError):
                    continue  # get_type_hints cannot evaluate it either
                for item in ast.walk(inner):
                    if hasattr(item, "lineno"):
                        item.lineno = sub.lineno
                    for child in ast.iter_child_nodes(item):
                        self.parent[child] = item
                taint = Taint([], self.parent, set(self.modules))
                for item in ast.walk(inner):
                    self.visit(item, taint)
                self.annotation(inner.body, depth + 1)


def _identifiers(node: ast.AST) -> list[str]:
    """The names `node` spells out other than as a Name: what a def, class, parameter, keyword
    argument, `except ... as`, global, nonlocal, import alias or match pattern names."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.keyword) and node.arg:
        return [node.arg]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    if isinstance(node, ast.alias):
        parts = [part for part in node.name.split(".") if part != "__future__"]
        return [*parts, node.asname] if node.asname else parts
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    return []


def _writes_only(call: ast.Call) -> bool:
    """True when `open(...)` is given a literal mode that writes and cannot read."""
    modes = [k.value for k in call.keywords if k.arg == "mode"]
    if len(call.args) >= 2:
        modes.append(call.args[1])
    if len(modes) != 1 or any(k.arg is None for k in call.keywords):
        return False
    if any(isinstance(a, ast.Starred) for a in call.args):
        return False
    mode = modes[0]
    return (
        isinstance(mode, ast.Constant)
        and isinstance(mode.value, str)
        and not set(mode.value) & {"r", "+"}
        and bool(set(mode.value) & {"w", "x", "a"})
    )


def _format_fields_reaching(text: str) -> str | None:
    """The first format field of `text` that reads an attribute or item starting with `_`."""
    pending = [(text, 0)]
    while pending:
        current, depth = pending.pop()
        try:
            parsed = list(string.Formatter().parse(current))
        except (ValueError, IndexError):
            return None  # str.format refuses it too
        for _, field_name, spec, _ in parsed:
            if field_name and re.search(r"[.\[]\s*_", field_name):
                return field_name
            # str.format reads a field nested in a format spec, one level deep and no deeper
            # ("Max string recursion exceeded"): deeper text is never looked up, and following
            # it would make this scan quadratic in the nesting.
            if spec and "{" in spec and depth < 1:
                pending.append((spec, depth + 1))
    return None
