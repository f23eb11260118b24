"""Exercise 2: implicit evaluation (reference solution)."""

import mlx.core as mx


def describe_without_evaluating(a: mx.array) -> dict:
    """Describe `a` without computing it."""
    # Shapes and dtypes are worked out while the graph is built, so reading them is free.
    return {
        "shape": tuple(a.shape),
        "dtype": a.dtype,
        "size": a.size,
        "ndim": a.ndim,
        "nbytes": a.nbytes,
        # Reshape and slicing only add nodes to the graph; nothing is computed here.
        "preview": a.reshape(-1)[:3],
    }


def mean_as_float(x: mx.array) -> float:
    """Return the mean of all elements of `x` as a Python float."""
    # .item() needs the number, so it runs the graph of the mean (and of x behind it).
    return mx.mean(x).item()


def all_within(a: mx.array, b: mx.array, tol: float) -> bool:
    """Return True when `|a - b| <= tol` holds for every element."""
    # bool() of a many-element array raises ValueError; mx.all reduces it to one element first.
    return bool(mx.all(mx.abs(a - b) <= tol))


def check_and_process(x: mx.array) -> mx.array:
    """The chapter's check_and_process without the Python `if`."""
    processed = x * 2
    # A 0-d condition broadcasts: mx.where picks one candidate for the whole array, in the graph.
    return mx.where(mx.sum(processed) > 10, processed * 3, processed + 5)


def leaky_relu(x: mx.array, slope: float) -> mx.array:
    """Element-wise: x where x > 0, slope * x elsewhere."""
    # An element-wise condition: each element picks its own branch.
    return mx.where(x > 0, x, slope * x)
