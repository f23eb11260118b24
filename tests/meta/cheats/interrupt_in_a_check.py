"""Class: raising KeyboardInterrupt from student code during a check.

Gain: pytest would end the whole session, so every later check (of this exercise and of the
others graded in the same process) would be lost or reported as an engine error instead of a
failure; an instructor can then not tell a bad submission from a broken grader. Held: the
interrupt costs only the check that was running.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "solution"
LOSES = ["test_can_add_*"]
KEEPS = True
WITNESSES = ["inplace_updates", "saving_loading"]

# --- attack ---


def can_add(a, b):
    raise KeyboardInterrupt
