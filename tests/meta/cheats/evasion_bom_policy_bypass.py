"""Class: a source the policy reads differently from Python. The file starts with a UTF-8 byte
order mark: Python's import skips it, but a checker that parses the decoded text with the mark
still in it gets a SyntaxError, and a checker that leaves unparsable files "for the import to
report" then finds no violation at all.

Gain: every construct the policy forbids runs anyway; here the grader's result writer is patched
through sys.modules, so a stub reports "passed" for every check.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
PREFIX = "\ufeff"
WITNESSES = ["inplace_updates"]

# --- attack ---
import sys as _sys


def _always_passed(original):
    def emit(self, event, **fields):
        if event == "result":
            fields.update(outcome="passed", message="")
        return original(self, event, **fields)

    return emit


for _module in list(_sys.modules.values()):
    _cls = getattr(_module, "EventStream", None)
    if isinstance(_cls, type) and hasattr(_cls, "emit"):
        _cls.emit = _always_passed(_cls.emit)
