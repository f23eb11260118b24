"""The policy's configuration: the `[policy]` table of course.toml (and each exercise's own
`allowed_imports` and `allowed_names`) read into a `Policy`, which turns it into the rules of one
exercise and checks a file against them: the size cap and the coding line here, the syntax tree
in checker.py.
"""

from __future__ import annotations

import ast
import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.errors import CourseError
from grader.manifest import MANIFEST_NAME, read_manifest
from grader.policy.checker import Checker
from grader.policy.rules import Rules, Violation, violation

DEFAULT_MAX_BYTES = 256 * 1024

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

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


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
    _cache: dict[str, Rules] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_manifest(cls, data: dict[str, Any], source: str = MANIFEST_NAME) -> Policy:
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

    def rules(self, exercise_id: str) -> Rules:
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
            cached = Rules(
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
        return self.rules(exercise_id).allowed_imports()

    def check(self, source: str, filename: str, exercise_id: str) -> list[Violation]:
        """The violations in `source` (shown as `filename`); [] when it is clean or does not parse.

        Never raises: a file that does not parse is left for the import to report.
        """
        # Characters first: a huge text is refused without encoding (or parsing) any of it.
        size = len(source) if len(source) > self.max_bytes else len(_encode(source))
        if size > self.max_bytes:
            return [
                violation(
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
            return [violation(filename, 1, "nesting-too-deep", "code nested too deeply to check")]
        try:
            return Checker(filename, self.rules(exercise_id), exercise_id).run(tree)
        except (RecursionError, MemoryError):
            return [violation(filename, 1, "nesting-too-deep", "code nested too deeply to check")]
        except Exception as exc:  # deny by default: a file the checker cannot judge is refused
            return [
                violation(
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
                    violation(
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
    table: dict[str, Any], key: str, where: str, pattern: re.Pattern[str], required: bool = True
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
                return violation(
                    filename, number, "source-encoding", f"the file declares coding {name!r}"
                )
    return None
