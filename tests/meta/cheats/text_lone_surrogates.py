"""Class: text that cannot be encoded: lone surrogates and stray bytes in exception messages,
and printed output.

Gain: the grader crashes while writing the report (no report, a traceback, exit 1), so a
batch regrade loses the grade or a wrapper script records an engine failure instead of 0.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"

# --- attack ---
_BAD = "\udcff\ud800 lone \udfff surrogates \x00 and \ufffe"


def _fail(*args, **kwargs):
    try:
        print(_BAD)
    except UnicodeEncodeError:
        pass
    raise ValueError(_BAD)


build_graph = split_work = fit_line = can_add = materialize = _fail
