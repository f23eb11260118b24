"""Class: gigantic output. Each check of build_graph prints megabytes to stdout and stderr and raises
an exception whose message is megabytes long, with hundreds of thousands of lines.

Gain: the supervisor or the report grows without bound (memory exhaustion of the grading
machine, a report too large to upload or read), or grading times out for everyone.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"

# --- attack ---
_LINE = "Score: 142/142 " * 6 + "\n"


def _flood(*args, **kwargs):
    chunk = _LINE * 20000
    for _ in range(3):
        print(chunk, end="")
    raise ValueError("\n" * 200_000 + "x" * 2_000_000)


build_graph = _flood
