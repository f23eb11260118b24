"""Class: raising KeyboardInterrupt (and, caught nowhere, a BaseException subclass) while the
exercise module is imported, before any check of it has run.

Gain: `grade` takes it for the user's Ctrl-C and stops: no report is written ("Interrupted:
nothing was written"), the terminal shows no score, and the other exercises are not graded at
all. Held: the exercise's own checks are lost, every other exercise is graded as usual.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "solution"
LOSES = ["*"]
WITNESSES = ["inplace_updates", "indexing"]

# --- attack ---
raise KeyboardInterrupt
