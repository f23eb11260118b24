"""Class: reaching the checks' frames with no dunder and no import: a running generator's
frame (gi_frame) leads through f_back to the check that called the student's function, whose
f_globals can be edited.

Gain: the assertion helpers of the check module are silenced; a stub that returns placeholders
passes most checks.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"

# --- attack ---


def _silence():
    def walk():
        frame = walker.gi_frame.f_back
        while frame is not None:
            names = frame.f_globals
            for name in list(names):
                if name.startswith("expect") or name in ("is_evaluated", "graph_primitives"):
                    names[name] = lambda *args, **kwargs: None
            frame = frame.f_back
        yield

    walker = walk()
    next(walker)


def _placeholder(*args, **kwargs):
    _silence()
    return mx.zeros((1,)), mx.zeros((1,))


def can_add(a, b):
    _silence()
    return True


build_graph = split_work = fit_line = materialize = _placeholder
