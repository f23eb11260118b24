"""Exercise 8: NumPy interop (reference solution)."""

import mlx.core as mx
import numpy as np


def to_numpy_copy(a: mx.array) -> np.ndarray:
    """Return a NumPy array with `a`'s values, dtype and shape that OWNS its data."""
    # np.array copies by default; the result owns a fresh buffer.
    return np.array(a)


def to_numpy_view(a: mx.array) -> np.ndarray:
    """Return a writable NumPy VIEW of `a`'s memory, without copying."""
    # asarray goes through the buffer protocol and keeps MLX's buffer (so does copy=False).
    return np.asarray(a)


def holds_view(np_arr: np.ndarray, mx_arr: mx.array) -> bool:
    """Return True if `np_arr` shares memory with `mx_arr`'s buffer."""
    # np.asarray(mx_arr) exposes MLX's own buffer without copying, so NumPy can compare the
    # memory ranges; owndata alone cannot say WHOSE memory a view points to.
    return bool(np.shares_memory(np_arr, np.asarray(mx_arr)))


def bf16_to_numpy(a: mx.array) -> np.ndarray:
    """Return a NumPy float32 array holding exactly the values of the bfloat16 array `a`."""
    # NumPy has no bfloat16; float32 has the same exponent range and more mantissa bits, so the
    # conversion is exact (float16 would overflow large values).
    return np.array(a.astype(mx.float32))


def keep_float64(np_arr: np.ndarray) -> mx.array:
    """Return an MLX copy of the NumPy float64 array `np_arr` that stays float64."""
    # Without dtype=, mx.array narrows float64 to float32. mx.array copies the data.
    return mx.array(np_arr, dtype=mx.float64)


def square_sum_and_grad(x: mx.array) -> tuple[mx.array, mx.array]:
    """Return `(value, grad)` of `f(x) = sum(x ** 2)` at `x`."""

    # value_and_grad returns f's value and its gradient from one graph.
    def f(y):
        # Only MLX operations: the graph records the square, so its derivative 2y is found.
        return mx.sum(y * y)

    return mx.value_and_grad(f)(x)
