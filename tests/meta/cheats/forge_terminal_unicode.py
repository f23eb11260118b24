"""Class: forging terminal lines with Unicode rather than ASCII controls: NEL (U+0085), the line
and paragraph separators (U+2028, U+2029), which many tools and some terminals break lines on,
and a right-to-left override (U+202E) that makes text read backwards.

Gain: a failure message that shows up as its own "Score: 142/142" line, or a score that reads
differently from the one printed.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"

# --- attack ---
_FAKE = "Score: 142/142 points (100%), 10 of 10 exercises complete."


def _forge(*args, **kwargs):
    text = "".join(f"{sep}{_FAKE}" for sep in ("\x85", "\u2028", "\u2029", "\x1c", "\x1e"))
    print(text + "\u202e.etelpmoc sesicrexe 01 fo 01")
    raise ValueError(text)


build_graph = split_work = fit_line = can_add = materialize = _forge
