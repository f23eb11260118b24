"""The submission policy: a deny-by-default check of an exercise file, run before any of its code.

The policy lives in course.toml: the `[policy]` table names the modules every exercise may import,
the modules, builtins and attributes no exercise needs, and the few dunder names honest code
uses; an `[[exercises]]` table may add `allowed_imports` (and `allowed_names`) of its own.

The check reads the file's syntax tree only. Anything it cannot prove harmless is refused:
an import nobody allowed, a reflective builtin, a dunder, an attribute looked up by a computed
name, a module handed around as a value, an attribute written on a module or on anything taken
from one. Each refusal is a `Violation` that names the file, the line, the rule and the fix.

    python -m grader.policy FILE_OR_DIR...   # prints violations, exit 1 if there are any
"""

from __future__ import annotations

import ast
import codecs
import re
import string
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

from grader.errors import CourseError, GraderError, UsageError
from grader.manifest import MANIFEST_NAME, find_root, load_course, read_manifest

DEFAULT_MAX_BYTES = 256 * 1024
MAX_VIOLATIONS = 50  # per file: enough to fix, short enough to read

POLICY_KEYS = {
    "max_bytes": "the largest exercise file accepted, in bytes",
    "allowed_imports": "modules (or module.attribute) every exercise may import and use",
    "forbidden_imports": "modules and module attributes no exercise may reach, even below an allowed one",
    "forbidden_names": "builtins no exercise may name",
    "forbidden_attributes": "attribute names no exercise may use on any object",
    "allowed_dunders": "the only __dunder__ names an exercise may use",
    "call_only": "module functions the checks observe: called directly, never aliased or passed",
}

# Writers that take a file name. Where an exercise may use one, a NUL in a string is refused:
# native writers stop the name at the NUL and so drop the extension they append.
FILE_WRITERS = (
    "mlx.core.save", "mlx.core.savez", "mlx.core.savez_compressed", "mlx.core.save_safetensors",
    "mlx.core.save_gguf", "mlx.core.export_function", "mlx.core.export_to_dot", "mlx.nn",
    "numpy.save", "numpy.savez", "numpy.savez_compressed", "numpy.savetxt", "torch.save",
)  # fmt: skip

# The names libraries usually give the packages they import (`import numpy as np`).
ALIASES = {"np": "numpy", "mx": "mlx.core", "tf": "tensorflow", "jnp": "jax.numpy"}

# Builtins that look attributes up by a string: only a literal name is accepted.
DYNAMIC_ATTRIBUTE = frozenset({"getattr", "setattr", "delattr", "hasattr"})

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WORD = re.compile(r"[A-Za-z0-9_]+")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_FIX = {
    "file-too-large": "hand in the exercise file only, well under the size cap",
    "nesting-too-deep": "write the code with less nesting",
    "source-encoding": "save the file as UTF-8 and delete the coding line",
    "import": "import only what the course.toml [policy] allows this exercise",
    "forbidden-module": "remove it; this exercise does not need it",
    "star-import": "import the names you use one by one",
    "relative-import": "use an absolute import of an allowed module",
    "private-attribute": "use the public API; a _name is only for self inside your own class",
    "forbidden-name": "remove it; this exercise does not need it",
    "dunder": "use the public API instead of a __dunder__ name",
    "forbidden-attribute": "remove it; this exercise does not need it",
    "dynamic-attribute": "write the attribute out (obj.name) instead",
    "module-as-value": "use the module only as `module.name`",
    "monkeypatch": "leave modules as they are; set attributes only on objects you build",
    "format-string": "use an f-string, or a literal format string without private attributes",
    "type-call": "compare it with a class (type(x) is mx.array), or use isinstance",
    "call-only": "call it directly where you need it (module.function(...))",
    "nul-character": "file names and text never need a NUL character",
    "checker-error": "simplify the code around it, and tell the course staff",
}


@dataclass(frozen=True)
class Violation:
    """One breach of the policy; `message` is one line naming the file, line, rule and fix."""

    file: str
    line: int
    rule: str
    message: str

    def describe(self) -> str:
        """The violation as one line: `FILE:LINE: policy RULE: what was found; how to fix it`."""
        return self.message


@dataclass(frozen=True)
class _Rules:
    """The policy as it applies to one exercise, indexed for the checker."""

    allowed: frozenset[str]  # course-wide allowed imports
    own: frozenset[str]  # the exercise's own allowed imports (beat a forbidden entry)
    forbidden: frozenset[str]
    partial: frozenset[str]  # proper prefixes of allowed entries: importable, not usable whole
    moduleish: frozenset[str]  # proper prefixes of any entry: never handed around as a value
    names: frozenset[str]  # forbidden builtins
    attributes: frozenset[str]  # forbidden attribute names
    dunders: frozenset[str]  # allowed dunders
    call_only: frozenset[str]  # functions that may only be called directly
    writes_files: bool = False  # the exercise may hand a file name to a writer
    listed: frozenset[str] = frozenset()  # every entry and every prefix of one
    reroot: dict = field(default_factory=dict)  # attribute name -> the package it names

    def classify(self, parts: list[str]) -> str:
        """'allowed', 'forbidden' or 'denied' for a dotted path: its longest listed prefix decides."""
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            if prefix in self.own:
                return "allowed"
            if prefix in self.forbidden:
                return "forbidden"
            if prefix in self.allowed:
                return "allowed"
        return "denied"


def _prefixes(entries: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for entry in entries:
        parts = entry.split(".")
        out.update(".".join(parts[:end]) for end in range(1, len(parts)))
    return frozenset(out)


@dataclass(frozen=True)
class Policy:
    """The course's submission policy, read from the `[policy]` table of course.toml."""

    max_bytes: int
    allowed_imports: tuple[str, ...]
    forbidden_imports: tuple[str, ...]
    forbidden_names: tuple[str, ...]
    forbidden_attributes: tuple[str, ...]
    allowed_dunders: tuple[str, ...]
    call_only: tuple[str, ...] = ()
    # (exercise id, its extra allowed imports, its allowed names), in course order
    exercises: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_manifest(cls, data: dict, source: str = MANIFEST_NAME) -> Policy:
        """Build the policy from the parsed course.toml; a damaged table raises CourseError."""
        where = f"{source} [policy]"
        table = data.get("policy") if isinstance(data, dict) else None
        if not isinstance(table, dict):
            raise CourseError(
                f"{source} has no [policy] table; restore it with `git checkout {MANIFEST_NAME}`"
            )
        unknown = sorted(set(table) - set(POLICY_KEYS))
        if unknown:
            raise CourseError(
                f"{where}: unknown key {unknown[0]!r}; the known keys are {', '.join(POLICY_KEYS)}"
            )
        missing = [key for key in POLICY_KEYS if key != "max_bytes" and key not in table]
        if missing:
            raise CourseError(f"{where}: missing key {missing[0]!r} ({POLICY_KEYS[missing[0]]})")
        max_bytes = table.get("max_bytes", DEFAULT_MAX_BYTES)
        if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1024:
            raise CourseError(f"{where}: max_bytes must be a whole number of bytes, at least 1024")
        allowed = _strings(table, "allowed_imports", where, _DOTTED)
        forbidden = _strings(table, "forbidden_imports", where, _DOTTED)
        both = sorted(set(allowed) & set(forbidden))
        if both:
            raise CourseError(f"{where}: {both[0]!r} is both allowed and forbidden; keep one")
        dunders = _strings(table, "allowed_dunders", where, _IDENT)
        bad = [d for d in dunders if not (d.startswith("__") and d.endswith("__"))]
        if bad:
            raise CourseError(f"{where}: allowed_dunders lists {bad[0]!r}, which is no __dunder__")
        exercises = []
        for index, raw in enumerate(data.get("exercises") or ()):
            if not isinstance(raw, dict):
                raise CourseError(f"{source}: [[exercises]] entry {index + 1} is not a table")
            ident = str(raw.get("id", index + 1))
            here = f"{source} [[exercises]] {ident!r}"
            exercises.append(
                (
                    ident,
                    _strings(raw, "allowed_imports", here, _DOTTED, required=False),
                    _strings(raw, "allowed_names", here, _IDENT, required=False),
                )
            )
        return cls(
            max_bytes=max_bytes,
            allowed_imports=allowed,
            forbidden_imports=forbidden,
            forbidden_names=_strings(table, "forbidden_names", where, _IDENT),
            forbidden_attributes=_strings(table, "forbidden_attributes", where, _IDENT),
            allowed_dunders=dunders,
            call_only=_strings(table, "call_only", where, _DOTTED),
            exercises=tuple(exercises),
        )

    def rules(self, exercise_id: str) -> _Rules:
        """The policy as it applies to `exercise_id` (course-wide only for an unknown id)."""
        cached = self._cache.get(exercise_id)
        if cached is None:
            own_imports: tuple[str, ...] = ()
            own_names: tuple[str, ...] = ()
            for ident, imports, names in self.exercises:
                if ident == exercise_id:
                    own_imports, own_names = imports, names
            allowed = frozenset(self.allowed_imports)
            own = frozenset(own_imports)
            forbidden = frozenset(self.forbidden_imports)
            cached = _Rules(
                allowed=allowed,
                own=own,
                forbidden=forbidden,
                partial=_prefixes(allowed | own),
                moduleish=_prefixes(allowed | own | forbidden),
                names=frozenset(self.forbidden_names) - set(own_names),
                attributes=frozenset(self.forbidden_attributes) - set(own_names),
                dunders=frozenset(self.allowed_dunders),
                call_only=frozenset(self.call_only),
            )
            writes = "open" not in cached.names or any(
                cached.classify(w.split(".")) == "allowed" for w in FILE_WRITERS
            )
            entries = cached.allowed | cached.own | cached.forbidden
            # Packages with forbidden corners, by name and by their usual alias: reached through
            # any attribute of that name, they are judged as themselves.
            roots = {e.split(".")[0] for e in cached.forbidden if "." in e} - cached.forbidden
            reroot = {name: name for name in roots} | {
                alias: target for alias, target in ALIASES.items() if alias not in entries
            }
            cached = replace(
                cached,
                writes_files=writes,
                listed=frozenset(entries) | _prefixes(entries),
                reroot=reroot,
            )
            self._cache[exercise_id] = cached
        return cached

    def allowed_for(self, exercise_id: str) -> list[str]:
        """The imports `exercise_id` may use, sorted (for messages and the docs)."""
        rules = self.rules(exercise_id)
        return sorted(rules.allowed | rules.own)

    def check(self, source: str, filename: str, exercise_id: str) -> list[Violation]:
        """The violations in `source` (shown as `filename`); [] when it is clean or does not parse.

        Never raises: a file that does not parse is left for the import to report.
        """
        # Characters first: a huge text is refused without encoding (or parsing) any of it.
        size = len(source) if len(source) > self.max_bytes else len(_encode(source))
        if size > self.max_bytes:
            return [
                _violation(
                    filename,
                    1,
                    "file-too-large",
                    f"file too large ({size} bytes or more; at most {self.max_bytes})",
                )
            ]
        cookie = _coding_violation(_encode(source), filename)
        if cookie:
            return [cookie]
        if source.startswith("\ufeff"):
            source = source[1:]  # Python imports a file that starts with a UTF-8 BOM; ast does not
        try:
            tree = ast.parse(source, filename=filename)
        except (SyntaxError, ValueError, OverflowError):
            return []
        except (RecursionError, MemoryError):
            return [_violation(filename, 1, "nesting-too-deep", "code nested too deeply to check")]
        try:
            return _Checker(filename, self.rules(exercise_id), exercise_id, self).run(tree)
        except (RecursionError, MemoryError):
            return [_violation(filename, 1, "nesting-too-deep", "code nested too deeply to check")]
        except Exception as exc:  # deny by default: a file the checker cannot judge is refused
            return [
                _violation(
                    filename, 1, "checker-error", f"the policy check failed ({type(exc).__name__})"
                )
            ]

    def check_file(
        self, path: Path, exercise_id: str, display: str | None = None
    ) -> list[Violation]:
        """Check the file at `path` without reading more than the size cap of it."""
        shown = display or str(path)
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                return [
                    _violation(
                        shown,
                        1,
                        "file-too-large",
                        f"file too large ({size} bytes; at most {self.max_bytes})",
                    )
                ]
            with path.open("rb") as handle:
                data = handle.read(self.max_bytes + 1)
        except OSError:
            return []  # the import reports a missing or unreadable file
        cookie = _coding_violation(data, shown)
        if cookie:
            return [cookie]
        try:
            source = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return []  # not valid Python source: the import reports it
        return self.check(source, shown, exercise_id)


def load_policy(root: Path) -> Policy:
    """Read the policy of the course at `root` from its course.toml; raises CourseError."""
    return Policy.from_manifest(read_manifest(root), source=str(root / MANIFEST_NAME))


def _strings(
    table: dict, key: str, where: str, pattern: re.Pattern, required: bool = True
) -> tuple[str, ...]:
    if key not in table and not required:
        return ()
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CourseError(f"{where}: {key} must be a list of strings")
    for item in value:
        if not pattern.match(item):
            raise CourseError(f"{where}: {key} has {item!r}, which is not a Python name")
    return tuple(value)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


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


def _violation(filename: str, line: int, rule: str, what: str, fix: str = "") -> Violation:
    message = f"{filename}:{line}: policy {rule}: {what}; {fix or _FIX[rule]}"
    # One printable line whatever the student wrote: no control character, no lone surrogate.
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    message = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", message)
    return Violation(file=filename, line=line, rule=rule, message=message)


def _shown(node: ast.AST) -> str:
    """Student code as a short one-line quote for a message."""
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _coding_violation(head: bytes, filename: str) -> Violation | None:
    # Python decodes a file by its coding line, so a file in another encoding (utf-7, say) is
    # not the text this check reads.
    for number, line in enumerate(_LINE_BREAK.split(head, 2)[:2], start=1):
        found = _CODING.match(line)
        if found:
            name = found.group(1).decode("ascii", "replace")
            try:
                canonical = codecs.lookup(name).name
            except LookupError:
                canonical = name
            if canonical != "utf-8":
                return _violation(
                    filename, number, "source-encoding", f"the file declares coding {name!r}"
                )
    return None


# Node types `_Checker.visit` has nothing to say about (the bulk of any tree).
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


class _Checker:
    """One pass over one file's syntax tree, collecting violations."""

    def __init__(self, filename: str, rules: _Rules, exercise_id: str, policy: Policy) -> None:
        self.filename = filename
        self.rules = rules
        self.exercise_id = exercise_id
        self.policy = policy
        self.found: dict[tuple[int, str, str], Violation] = {}
        self.parent: dict[ast.AST, ast.AST] = {}
        self.modules: dict[str, list[str]] = {}  # name -> dotted path it is bound to
        self.values_banned: set[str] = set()  # module names that may only be used as `name.x`
        self.classes: set[str] = set()  # classes this file defines

    # -- driver -----------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> list[Violation]:
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
        taint = _Taint(nodes, self.parent, set(self.modules))
        simple: dict[type[ast.AST], Callable[[Any], None]] = {
            ast.Name: self.visit_name,
            ast.Constant: self.visit_string,
        }
        with_taint: dict[type[ast.AST], Callable[[Any, _Taint], None]] = {
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
        self.found.setdefault((line, rule, what), _violation(self.filename, line, rule, what, fix))

    def not_allowed(self, node: ast.AST, name: str) -> None:
        where = f"exercise {self.exercise_id}" if self.exercise_id else "this file"
        allowed = ", ".join(self.policy.allowed_for(self.exercise_id))
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
    def visit(self, node: ast.AST, taint: _Taint) -> None:
        if isinstance(node, ast.Name):
            self.visit_name(node)
        elif isinstance(node, ast.Attribute):
            self.visit_attribute(node, taint)
        elif isinstance(node, ast.Call):
            self.visit_call(node, taint)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.visit_string(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.dunder(node, node.name)
        elif isinstance(node, ast.arg):
            self.dunder(node, node.arg)
            self.annotation(node.annotation)
        elif isinstance(node, ast.keyword) and node.arg:
            self.dunder(node, node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self.dunder(node, node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                self.dunder(node, name)
        elif isinstance(node, ast.alias):
            for part in node.name.split("."):
                if part != "__future__":
                    self.dunder(node, part)
            if node.asname:
                self.dunder(node, node.asname)
        elif isinstance(node, ast.MatchClass):
            for attr in node.kwd_attrs:  # `case C(attr=...)` reads obj.attr
                self.attribute_name(node, attr)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            self.dunder(node, node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self.dunder(node, node.rest)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
            root, _ = _chain(node.value)
            if isinstance(root, ast.Name) and root.id in self.modules:
                self.add(node, "monkeypatch", f"changes an item of {_shown(node.value)}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
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
        called = isinstance(parent, ast.Call) and parent.func is node
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

    def visit_attribute(self, node: ast.Attribute, taint: _Taint) -> None:
        if self.attribute_name(node, node.attr):
            return
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
        root, attrs = _chain(node)
        called = isinstance(parent, ast.Call) and parent.func is node
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

    def visit_call(self, node: ast.Call, taint: _Taint) -> None:
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
            self.attribute_name(node, name.value)
            if func.id in ("setattr", "delattr") and taint.tainted(node.args[0]):
                self.add(
                    node,
                    "monkeypatch",
                    f"{func.id} on {_shown(node.args[0])}, a module or something taken from one",
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
                taint = _Taint([], self.parent, set(self.modules))
                for item in ast.walk(inner):
                    self.visit(item, taint)
                self.annotation(inner.body, depth + 1)


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


def _chain(node: ast.expr) -> tuple[ast.expr, list[str]]:
    """The root of an attribute chain and its attribute names: `a.b.c` -> (a, [b, c])."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    attrs.reverse()
    return node, attrs


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


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# Rounds of taint spreading before a file counts as too devious to follow (honest code: < 5).
_MAX_ROUNDS = 40
# Methods that put their argument into the container they are called on.
_STORING_METHODS = frozenset(
    {"append", "extend", "insert", "add", "update", "setdefault", "appendleft", "extendleft"}
)


class _Taint:
    """Which names and attributes may hold a module or something taken from one.

    Names are tracked per function scope (a closure sees its enclosing scopes); attribute
    names are tracked file-wide. Honest code sets attributes on `self` and on objects it
    builds, which stay clean.
    """

    def __init__(self, nodes: list[ast.AST], parent: dict, modules: set[str]) -> None:
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
        # (scope the targets bind in, targets, value, bound in a class body)
        bindings: list[tuple[ast.AST | None, list[ast.expr], ast.expr, bool]] = []
        returns: list[tuple[str, ast.AST]] = []
        calls: list[ast.Call] = []
        defs: dict[str, list[tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, bool]]] = {}
        classes: dict[str, list[ast.ClassDef]] = {}
        lambdas: list[ast.Lambda] = []
        raises: list[ast.AST] = []
        handlers: list[tuple[ast.AST | None, str]] = []
        setattrs: list[tuple[str, ast.AST]] = []
        escaped: set[str] = set()
        for node in nodes:
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                scope = self.scope(node)
                if scope is not None:
                    declared = self.globals if isinstance(node, ast.Global) else self.nonlocals
                    declared.update((scope, name) for name in node.names)
            elif isinstance(node, ast.ClassDef):
                classes.setdefault(node.name, []).append(node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)) and isinstance(
                self.parent.get(node), ast.ClassDef
            ):
                for alias in node.names:  # a module kept as a class attribute
                    self.add_attr(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.Raise):
                raises.extend(e for e in (node.exc, node.cause) if e is not None)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                handlers.append((self.scope(node), node.name))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "setattr"
                and len(node.args) == 3
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                setattrs.append((node.args[1].value, node.args[2]))
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and node.value:
                targets, value = [node.target], node.value
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                targets, value = [node.target], node.iter
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                targets, value = [node.optional_vars], node.context_expr
            else:
                targets = []
            if targets:
                in_class = isinstance(self.parent.get(node), ast.ClassDef)
                bindings.append((self.scope(targets[0]), targets, value, in_class))
                if isinstance(node, ast.Assign) and isinstance(value, ast.Lambda):
                    returns.extend((t.id, value.body) for t in targets if isinstance(t, ast.Name))
                if isinstance(node, ast.Assign) and isinstance(value, ast.Name):
                    returns.extend(  # `g = get`: g returns what get returns
                        (t.id, ast.Call(func=value, args=[], keywords=[]))
                        for t in targets
                        if isinstance(t, ast.Name)
                    )
            if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value:
                owner = self.owner(node)
                if owner is not None:
                    returns.append((owner, node.value))
            elif isinstance(node, ast.Call):
                calls.append(node)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                if isinstance(node, ast.Lambda):
                    lambdas.append(node)
                else:
                    method = isinstance(self.parent.get(node), ast.ClassDef)
                    defs.setdefault(node.name, []).append((node, method))
                args = node.args
                positional = [*args.posonlyargs, *args.args]
                default: ast.expr | None  # for mypy only: both loops below bind it
                for arg, default in zip(positional[::-1], args.defaults[::-1], strict=False):
                    bindings.append((node, [ast.Name(id=arg.arg, ctx=ast.Store())], default, False))
                for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                    if default is not None:
                        bindings.append(
                            (node, [ast.Name(id=arg.arg, ctx=ast.Store())], default, False)
                        )
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                parent = self.parent.get(node)
                if not (isinstance(parent, ast.Call) and parent.func is node):
                    escaped.add(node.id)
        # Spread the taint round by round. The first round looks at everything; each later
        # round only at what mentions a name, attribute or function newly tainted before it.
        items: list[tuple[str, Any, Sequence[ast.AST]]] = [
            *(("bind", b, [b[2]]) for b in bindings),
            *(("return", r, [r[1]]) for r in returns),
            *(("call", c, [*c.args, *(k.value for k in c.keywords)]) for c in calls),
            *(("raise", None, [e]) for e in raises),
            *(("setattr", name, [value]) for name, value in setattrs),
        ]
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
        budget = _MAX_ROUNDS * (len(items) + 1)
        todo: Iterable[int] = range(len(items))
        escapes_done = False
        while todo:
            self.memo.clear()
            self.fresh = set()
            for number in todo:
                kind, item, exprs = items[number]
                budget -= 1
                if not any(self.may_hold_module(e) for e in exprs):
                    continue
                if kind == "bind":
                    scope, targets, _, in_class = item
                    for target in targets:
                        self.bind(scope, target, in_class)
                elif kind == "return":
                    self.add_func(item[0])
                elif kind == "raise":  # `except E as e` may catch it
                    for scope, name in handlers:
                        self.add_name(scope, name)
                elif kind == "setattr":
                    self.add_attr(item)
                else:
                    func = item.func
                    callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                    if isinstance(func, ast.Attribute) and func.attr in _STORING_METHODS:
                        self.bind_container(self.scope(item), func.value)  # box.append(module)
                    if callee in defs:
                        self.taint_params(defs[callee])
                    for cls in classes.get(callee, ()):  # type: ignore[arg-type]  # None: a miss
                        self.taint_class(cls)
                    if not escapes_done:
                        # A function handed around, a lambda, or a generator's `yield` may
                        # be given anything.
                        escapes_done = True
                        for name in escaped & set(defs):
                            self.taint_params(defs[name])
                        for lam in lambdas:
                            self.taint_params([(lam, False)])
                        self.sent = True
                        self.fresh.add("<sent>")
            if budget < 0:
                self.unsure = True  # still spreading: values passed around too deviously
                break
            todo = sorted({n for ident in self.fresh for n in index.get(ident, ())})
        self.memo.clear()

    def owner(self, node: ast.AST) -> str | None:
        scope = self.scope(node)
        return scope.name if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) else None

    def taint_params(
        self, signatures: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, bool]]
    ) -> None:
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
        root, attrs = _chain(node)
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


def _check_path(path: Path, policy: Policy, root: Path, files: dict[str, str]) -> list[Violation]:
    """Check one file as the course uses it: an answer under tests/meta/wrong/ or right/ is
    appended to its reference solution (tests/meta/wrong_answers.py), so it is checked so."""
    ident = path.parent.name
    known = {ex_id: name for name, ex_id in files.items()}
    if ident in known and path.parent.parent.name in ("wrong", "right"):
        solution = root / "solutions" / known[ident]
        try:
            base = solution.read_text(encoding="utf-8")
            own = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return policy.check_file(path, ident)
        base += "" if base.endswith("\n") else "\n"
        offset = base.count("\n")
        found = policy.check(base + own, str(path), ident)
        return [_relocated(v, path, solution, offset) for v in found]
    return policy.check_file(path, files.get(path.name, ""))


def _relocated(violation: Violation, path: Path, solution: Path, offset: int) -> Violation:
    # Lines past the solution are the answer's own; the others are the solution's.
    if violation.line > offset:
        file, line = str(path), violation.line - offset
    else:
        file, line = str(solution), violation.line
    old = f"{violation.file}:{violation.line}: "
    message = f"{file}:{line}: " + violation.message.removeprefix(old)
    return replace(violation, file=file, line=line, message=message)


def _paths(args: list[str]) -> Iterator[Path]:
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
        elif path.is_file():
            yield path
        else:
            raise UsageError(f"no such file or folder: {arg}")


def main(argv: list[str] | None = None) -> int:
    """`python -m grader.policy FILE_OR_DIR...`: print each violation; exit 1 if any."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        usage = (
            "usage: python -m grader.policy FILE_OR_DIR...  (prints each violation; exit 1 if any)"
        )
        print(usage, file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    try:
        root = find_root()
        policy = load_policy(root)
        files = {ex.file: ex.id for ex in load_course(root).exercises}
        count = 0
        for path in _paths(args):
            for violation in _check_path(path, policy, root, files):
                print(violation.describe())
                count += 1
    except GraderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main())
