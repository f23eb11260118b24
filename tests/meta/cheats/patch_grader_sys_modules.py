"""Class: patching the grader through sys.modules while the exercise module is imported.

Gain: every check of every exercise graded in the same process reports "passed", a stub
included, because the grading process's own result writer is rewritten before any check runs.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
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
    for _name in ("EventStream", "ResultWriter", "Channel"):
        _cls = getattr(_module, _name, None)
        if isinstance(_cls, type) and hasattr(_cls, "emit"):
            _cls.emit = _always_passed(_cls.emit)
    _explain = getattr(_module, "explain", None)
    if callable(_explain) and getattr(_module, "__name__", "") in (
        "__main__",
        "grader.engine.worker",
        "grader.engine.stream",
        "grader.engine.explain",
    ):
        _module.explain = lambda *args, **kwargs: ("passed", "")
