"""The submission policy: a deny-by-default check of an exercise file, run before any of its code.

The policy lives in course.toml: the `[policy]` table names the modules every exercise may import,
the modules, builtins and attributes no exercise needs, and the few dunder names honest code
uses; an `[[exercises]]` table may add `allowed_imports` (and `allowed_names`) of its own.

The check reads the file's syntax tree only. Anything it cannot prove harmless is refused:
an import nobody allowed, a reflective builtin, a dunder, an attribute looked up by a computed
name, a module handed around as a value, an attribute written on a module or on anything taken
from one. Each refusal is a `Violation` that names the file, the line, the rule and the fix.

The package, each module importing only those above it in this list:
    rules.py     the rules one exercise is held to, and `Violation`
    dataflow.py  the taint dataflow: what may hold a module, however it is handed on
    checker.py   the AST checker: every node of the file judged against the rules
    config.py    `Policy` and `load_policy`: course.toml read, and a file checked

    grade dev policy FILE_OR_DIR...   # prints violations, exit 1 if there are any
"""

from __future__ import annotations

from grader.policy.config import Policy, load_policy
from grader.policy.rules import Violation

__all__ = ["Policy", "Violation", "load_policy"]
