"""Class: an exception whose text is hostile to the code that reports it: str() and repr() of
the exception raise KeyboardInterrupt. Nothing goes wrong while the check runs; it goes wrong
while the grader writes up the failure, outside the protection around the check itself.

Gain: the grading process's reporting breaks, so the checks after the one that failed are lost
as engine errors (an honest-looking "the grader crashed" instead of a failure), or the failure
is never recorded. Held: only the checks whose code raised are lost.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "solution"
LOSES = ["test_can_add_*"]
KEEPS = True
WITNESSES = ["inplace_updates"]

# --- attack ---


class _Loud(ValueError):
    def __str__(self):
        raise KeyboardInterrupt

    def __repr__(self):
        raise KeyboardInterrupt


def can_add(a, b):
    raise _Loud()
