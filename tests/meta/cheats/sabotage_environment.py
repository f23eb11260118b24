"""Class: one exercise changing the environment, working directory and temp folder of the
process (os.environ['TMPDIR'], os.chdir, tempfile.tempdir) to cost another exercise its points.

Gain: later exercises that write files (saving and loading) error out instead of passing.
Held: every exercise is graded in its own process, which starts clean.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "solution"
LOSES = []
KEEPS = True
WITNESSES = ["saving_loading", "indexing", "streams"]

# --- attack ---
import os as _os
import tempfile as _tempfile

_os.environ["TMPDIR"] = "/nonexistent/tmp"
_os.environ["PYTHONPATH"] = "/nonexistent"
_os.environ["PATH"] = "/nonexistent"
_tempfile.tempdir = "/nonexistent/tmp"
try:
    _os.chdir("/")
except OSError:
    pass
