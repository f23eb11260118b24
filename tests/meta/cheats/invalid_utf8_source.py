"""Class: a source file that is not valid UTF-8 (stray bytes, an encoded lone surrogate, a
terminal escape) handed in as the exercise.

Gain: the grader crashes on the bytes while keeping, scanning, hashing or writing the source
into the report (a traceback, no report), so a batch regrade loses the submission or records an
engine failure instead of a clear 0; or the escape reaches the terminal raw.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
RAW_SUFFIX = "\n# \xff\xfe \xed\xb3\xbf \x1b[2J\x1b]0;owned\x07 \x80\n"
WITNESSES = ["inplace_updates"]

# --- attack ---
