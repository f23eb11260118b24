"""Class: handing in the exercise file as a symbolic link to a file of the grading machine
(its environment under /proc/self, a key or a token file).

Gain: the grader reads the file with its own rights while copying the submission, keeps the
text as the submission's source and puts it, or the syntax error it causes, into the report
and the terminal, which go back to the student: the machine's secrets leak.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "none"
LINK = "/proc/self/environ"
REFUSAL_OK = True
WITNESSES = ["inplace_updates"]

# --- attack ---
