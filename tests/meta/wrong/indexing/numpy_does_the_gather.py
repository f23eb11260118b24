"""Lets NumPy check and gather (np.take raises IndexError itself), then wraps the answer: right
values, but no MLX operation is left in the result."""

import numpy as np


def safe_take(x, indices):
    return mx.array(np.take(np.array(x), np.array(indices), axis=0))
