"""Class: forging what the terminal shows. Exception messages and printed output carry
newlines, carriage returns and ANSI escape sequences (cursor moves, line erase, colours) that
draw a fake "Score: 142/142" summary over the real one.

Gain: a screenshot or a teaching assistant glancing at the terminal sees full marks for a stub.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"

# --- attack ---
_FAKE = (
    "\r\x1b[2K\x1b[1A\x1b[2K\x1b[32m"
    "\nDone 01 lazy_evaluation          14/14  .........\n\n"
    "Score: 142/142 points (100%), 9 of 9 exercises complete.\x1b[0m\n"
    "\x1b]0;Score: 142/142\x07\x9b2J\x08\x08\x00"
)


def _forge(*args, **kwargs):
    print(_FAKE)
    raise ValueError(_FAKE)


build_graph = split_work = fit_line = can_add = materialize = _forge
