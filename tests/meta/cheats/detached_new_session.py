"""Class: rewriting the report after `grade` exits, from a helper that starts its own session
(subprocess with start_new_session), so killing the grading process group misses it.

Gain: the terminal says 0, but the report on disk, which is what gets uploaded, says full marks.
The helper finds `grade` and its --out path in the process table, waits for `grade` to exit,
then rewrites every check as passed.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
WITNESSES = ["inplace_updates"]

# --- attack ---
import subprocess as _subprocess
import sys as _sys

_HELPER = r"""
import json, os, sys, time
report = sys.argv[1]
for _ in range(600):
    try:
        with open(report, encoding="utf-8") as handle:
            data = json.load(handle)
        break
    except (OSError, ValueError):
        time.sleep(0.05)
time.sleep(1.0)
for ex in data["exercises"]:
    for check in ex["checks"]:
        check["outcome"], check["points"] = "passed", check["max_points"]
    ex["score"] = ex["max_score"]
data["score"] = data["max_score"]
with open(report, "w", encoding="utf-8") as handle:
    json.dump(data, handle)
"""

try:
    _subprocess.Popen(
        [_sys.executable, "-c", _HELPER, "@REPORT@"],
        start_new_session=True,
        stdin=_subprocess.DEVNULL,
        stdout=_subprocess.DEVNULL,
        stderr=_subprocess.DEVNULL,
        close_fds=True,
    )
except Exception:
    pass
