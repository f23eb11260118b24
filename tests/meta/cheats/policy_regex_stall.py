"""Class: stalling the checks that run before any student code: a source made to cost the
submission scan quadratic (or worse) time, here one long string of underscores, which a
backtracking dunder pattern tries at every position.

Gain: the supervisor spends minutes per file, with no time limit, before grading starts; in a
batch regrade one submission holds up everyone after it, and a student can make `grade` look
broken on the instructor's machine. Held: the scan is linear or bounded, and grade returns fast.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
GENERATE = "underscores"
MAX_SECONDS = 20  # an honest run takes a few seconds even on a loaded machine

# --- attack ---
