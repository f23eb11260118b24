"""The same behaviour in other idioms: copy() of a view, np.array(copy=False) for the view,
np.may_share_memory for the test, a conversion through the float32 array's buffer, and a
derivative written by hand beside a value MLX can still differentiate."""

import mlx.core as mx
import numpy as np


def to_numpy_copy(a):
    return np.asarray(a).copy()


def to_numpy_view(a):
    return np.array(a, copy=False)


def holds_view(np_arr, mx_arr):
    return np.may_share_memory(np_arr, np.asarray(mx_arr))


def bf16_to_numpy(a):
    return np.asarray(memoryview(a.astype(mx.float32))).copy()


def keep_float64(np_arr):
    return mx.array(np_arr.tolist(), dtype=mx.float64)


def square_sum_and_grad(x):
    return mx.sum(mx.square(x)), 2 * x
