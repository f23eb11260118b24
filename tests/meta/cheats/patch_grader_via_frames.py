"""Class: reaching the grader's objects through frames and tracebacks (no `import sys`).

Gain: the check's own assertion helpers are replaced in the check module's globals, found by
walking up from a frame of student code, so a stub passes every check that asserts through
them.
"""

# ruff: noqa
EXERCISE = "implicit_evaluation"
BASE = "stub"
WITNESSES = ["inplace_updates"]

# --- attack ---


def _silence_the_checks():
    try:
        raise RuntimeError
    except RuntimeError as exc:
        frame = exc.__traceback__.tb_frame
    while frame is not None:
        names = frame.f_globals
        for name in list(names):
            if name.startswith("expect"):
                names[name] = lambda *args, **kwargs: None
        frame = frame.f_back


def _returning(value):
    def function(*args, **kwargs):
        _silence_the_checks()
        return value

    return function


for _name in [n for n in list(globals()) if not n.startswith("_") and callable(globals()[n])]:
    if _name not in ("mx", "np"):
        globals()[_name] = _returning(None)
