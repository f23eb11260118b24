"""Class: one exercise changing process-wide state to cost another exercise its points, using
only calls an honest exercise may make: MLX's default stream and device, memory and cache
limits, its random seed, NumPy's floating-point error mode and print options.

Gain: a rival's (or an instructor's batch) later exercises fail when graded in the same
process, and scores depend on --jobs. Held: every exercise is graded in its own process state.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "solution"
LOSES = []
KEEPS = True
WITNESSES = ["streams", "saving_loading", "inplace_updates"]

# --- attack ---
import numpy as _np

mx.set_default_stream(mx.new_stream(mx.cpu))
mx.set_cache_limit(0)
mx.set_memory_limit(1 << 20)
mx.random.seed(12345)
_np.seterr(all="raise")
_np.set_printoptions(threshold=1, precision=1)
