"""Takes the bytes through NumPy: NumPy cannot read a bfloat16 buffer, so bfloat16 arrays fail."""

import numpy as np


def snapshot(a):
    return np.asarray(a).tobytes()
