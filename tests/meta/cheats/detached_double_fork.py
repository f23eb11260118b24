"""Class: a helper that detaches by the classic double fork (fork, setsid, fork), keeps the
grading process's output pipe open, and rewrites the report once `grade` is gone.

Gain: full marks in the report on disk. Holding the pipe also tries to make `grade` wait for the
helper (a run that never ends).
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"

# --- attack ---
import json as _json
import os as _os
import time as _time


def _rewrite(report):
    for _ in range(400):
        try:
            with open(report, encoding="utf-8") as handle:
                data = _json.load(handle)
            break
        except (OSError, ValueError):
            _time.sleep(0.05)
    else:
        return
    _time.sleep(1.0)
    for ex in data["exercises"]:
        for check in ex["checks"]:
            check["outcome"], check["points"] = "passed", check["max_points"]
        ex["score"] = ex["max_score"]
    data["score"] = data["max_score"]
    with open(report, "w", encoding="utf-8") as handle:
        _json.dump(data, handle)


try:
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            try:
                _rewrite("@REPORT@")
            finally:
                _time.sleep(30)  # keep the inherited pipes open as long as possible
                _os._exit(0)
        _os._exit(0)
except OSError:
    pass
