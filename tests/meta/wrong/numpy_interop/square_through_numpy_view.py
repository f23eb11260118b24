"""The chapter's view-based square: writes x**2 through a NumPy view, so the gradient is 1, not 2x,
and the caller's x is overwritten."""

import mlx.core as mx
import numpy as np


def square_sum_and_grad(x):
    def f(y):
        view = np.array(y, copy=False)
        view[:] *= view
        return y.sum()

    return mx.value_and_grad(f)(x)
