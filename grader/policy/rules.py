"""What the checker is given and what it gives back: the rules one exercise is held to (`Rules`,
built by config.Policy.rules) and a breach of one (`Violation`, with the fix each rule suggests).

It sits below both the configuration and the checker, so neither imports the other back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


def violation(filename: str, line: int, rule: str, what: str, fix: str = "") -> Violation:
    """A Violation of `rule` at `filename:line`: `what` was found; `fix` (or the rule's usual fix)."""
    message = f"{filename}:{line}: policy {rule}: {what}; {fix or _FIX[rule]}"
    # One printable line whatever the student wrote: no control character, no lone surrogate.
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    message = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", message)
    return Violation(file=filename, line=line, rule=rule, message=message)


@dataclass(frozen=True)
class Rules:
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
    reroot: dict[str, str] = field(default_factory=dict)  # attribute name -> the package it names

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

    def allowed_imports(self) -> list[str]:
        """The imports the exercise may use, sorted (for messages and the docs)."""
        return sorted(self.allowed | self.own)
