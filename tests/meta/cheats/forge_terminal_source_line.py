"""Class: forging the terminal through the source itself: the line that raises holds raw
control characters (escape sequences, a bell) inside a string literal and a comment (a carriage
return there would end the line for Python too), so any display that quotes the student's failing line (a traceback, -v) sends them
to the terminal as they are.

Gain: the quoted line clears the screen and prints "Score: 142/142" where the real summary was.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
RAW_SUFFIX = (
    "\ndef build_graph(x):\n"
    "    raise ValueError('\x1b[2J\x1b[HScore: 142/142 points (100%)\x07')  # \x1b]0;owned\x07\n"
)

# --- attack ---
