"""Class: writing files outside the submission with the array writers an exercise is allowed
to call (np.save, ndarray.tofile, np.savez, mx.save), aimed at the course checkout and at an
unrelated folder.

Gain: files planted in the checkout (a conftest.py that later runs load, litter that
changes what the next student is graded against) or anywhere on the grader's disk.
"""

# ruff: noqa
EXERCISE = "saving_loading"
BASE = "solution"
LOSES = []
WITNESSES = ["inplace_updates"]

# --- attack ---
import numpy as _np

for _attempt in (
    lambda: _np.save("@ROOT@/tests/planted.npy", _np.arange(3)),
    lambda: _np.arange(3).tofile("@ROOT@/tests/conftest_planted.py"),
    lambda: _np.savez("@OUTSIDE@/planted.npz", a=_np.arange(3)),
    lambda: _np.frombuffer(b"import sys\n", dtype=_np.uint8).tofile("@ROOT@/grader/planted.py"),
    lambda: mx.save("@ROOT@/grader/planted.npy", mx.arange(3)),
    lambda: mx.save("@OUTSIDE@/planted_by_mlx.npy", mx.arange(3)),
    lambda: mx.save("../../../planted_relative.npy", mx.arange(3)),
):
    try:
        _attempt()
    except Exception:
        pass
