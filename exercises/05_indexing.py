"""Exercise 5: indexing.

MLX indexes like NumPy, with a few sharp differences.

What works as in NumPy
- Integers count from 0, and negative integers count from the end: `x[-1]` is the last entry.
- Slices `x[start:stop:step]` stop BEFORE `stop`. Picking "every second card from the 3rd to the
  8th" of `mx.arange(10)` is `x[2:8:2]`: the 3rd card sits at position 2, the 8th at position 7,
  and the stop 8 is excluded, so you get positions 2, 4 and 6. Slices past the end are clipped
  (`mx.arange(10)[20:30]` is empty), exactly as in NumPy.
- `...` (Ellipsis) stands for "all the axes I did not write": `x[..., 0]` takes entry 0 of the
  last axis whatever the rank of `x`.
- `None` (also spelled `mx.newaxis`) inserts an axis of length 1: `x[None]` has shape `(1, n)`
  for a vector, and `x[:, None]` turns it into a column that broadcasts against a row.
- An integer array (or list) as an index gathers entries: `x[mx.array([5, 7])]`. Negative
  entries count from the end here too: the gather kernels add the axis length to them, so
  `x[mx.array([-1, -3])]` works without any help.
- Indexing builds a lazy operation like any other (Slice, Gather, ...); nothing is copied or
  computed until the result is evaluated.

Where MLX differs
- NO BOUNDS CHECKS. Checking every index would slow the GPU down, and an error raised inside a
  GPU kernel cannot reach Python, so MLX does not check. The chapter makes this sound harmless;
  it is not. An out-of-bounds read is undefined behaviour. Measured with MLX 0.32.4 on the CPU
  backend, `mx.arange(10)[10]` returned a garbage number, and `mx.arange(10)[-11]` or
  `x[mx.array([1000000])]` killed the Python interpreter with a segmentation fault. On a GPU
  (Metal on a Mac, or CUDA) the kernel reads whatever lies at that address and reports nothing,
  or the GPU's work fails as a whole (a Metal command buffer, a CUDA launch), never with an error
  that names the index. When indices come from data, check them yourself first
  (`safe_take`).
- Boolean masks. The chapter says there are none; that is out of date for ASSIGNMENT: since MLX
  0.30, `x[mask] = value` works (mask: a boolean array of x's shape). READING with a mask still
  fails: `x[mask]` raises `ValueError: boolean indices are not yet supported`. The reason is that
  its result's length would depend on the data, and MLX needs every shape to be known while it
  builds the graph (there is also no `nonzero`). Keep the shape and choose values instead:
  `mx.where(mask, x, fill)`.

Implement the functions below with MLX indexing and MLX operations (no NumPy).
"""

import mlx.core as mx


def cards_between(deck: mx.array, first: int, last: int, step: int = 1) -> mx.array:
    """Return every `step`-th card from the `first`-th to the `last`-th card of `deck`.

    Cards are counted the way people count them: the first card is card 1, and both the
    `first`-th and the `last`-th cards are included when the step lands on them.
    `cards_between(mx.arange(10), 3, 8, 2)` is `[2, 4, 6]`. Assume `1 <= first <= last <= len(deck)`.

    Use one slice of `deck`; return it lazy.
    """
    # TODO: turn the 1-based, inclusive positions into a 0-based slice with an exclusive stop.
    raise NotImplementedError("TODO cards_between: one slice of deck")


def last_entries(x: mx.array) -> mx.array:
    """Return the last entry along the last axis of `x`, for an `x` of any rank >= 1.

    A vector gives a scalar, a `(2, 3)` array gives shape `(2,)`, a `(2, 3, 4)` array gives shape
    `(2, 3)`. Use one indexing expression that works for every rank.
    """
    # TODO: an Ellipsis and a negative index.
    raise NotImplementedError("TODO last_entries: the last entry of the last axis, any rank")


def pairwise_differences(x: mx.array) -> mx.array:
    """Return the `(n, n)` array `d` with `d[i, j] = x[i] - x[j]` for a vector `x` of length `n`.

    Build it with one broadcasted subtraction between a column view and a row view of `x`
    (insert axes with `None` / `mx.newaxis` and let broadcasting do the rest): no Python loop and
    no stacking, so the graph is the same size for every length of `x`.
    """
    # TODO: a column minus a row.
    raise NotImplementedError("TODO pairwise_differences: x as a column minus x as a row")


def safe_take(x: mx.array, indices: mx.array) -> mx.array:
    """Gather `x[indices]` along axis 0, raising IndexError for an index that is out of bounds.

    `indices` is an array of any shape and any integer dtype (int8, uint8, int32, uint32,
    int64, ...); the result has shape
    `indices.shape + x.shape[1:]`, as `x[indices]` would. Indices follow Python's rules: with
    `n = x.shape[0]`, every index `i` with `-n <= i < n` is valid and a negative `i` means
    `i + n`. Any other index must raise `IndexError` BEFORE MLX indexes anything, with a
    message that gives the offending index and the size `n`, e.g.
    `"index 10 is out of bounds for axis 0 with size 10"` (name the first bad one if there
    are several).

    Checking needs the values of `indices` (ask MLX, e.g. with `mx.any(...).item()`), but not
    those of `x`: leave `x` unevaluated, and return the gather as a lazy MLX operation on it.
    Mind the dtype: a Python int compared with an MLX array is converted to the array's dtype,
    so `n` or `-n` may not fit (try `mx.array([1], dtype=mx.uint8) < -3`).
    """
    # TODO: find bad indices with array comparisons, raise, else index x.
    raise NotImplementedError("TODO safe_take: bounds-check the indices, then x[indices]")


def keep_where(x: mx.array, mask: mx.array, fill: float) -> mx.array:
    """Return an array of `x`'s shape holding `x` where `mask` is True and `fill` elsewhere.

    `mask` is a boolean array of `x`'s shape. Reading `x[mask]` raises ValueError in MLX, so select
    with an MLX operation that keeps the shape. Entries that are masked out must not leak into
    the result, even when they are `inf` or `nan` (arithmetic tricks such as
    `x * mask + fill * (1 - mask)` fail there: `inf * 0` is `nan`).
    """
    # TODO: one selection operation.
    raise NotImplementedError("TODO keep_where: x where mask, fill elsewhere, same shape")


def set_masked(x: mx.array, mask: mx.array, value: float) -> None:
    """Set the entries of `x` where `mask` is True to `value`, IN PLACE; return None.

    `mask` is a boolean array of `x`'s shape. The caller's array object must see the change
    (boolean-mask assignment works since MLX 0.30); building a new array does not count.
    """
    # TODO: a boolean-mask assignment.
    raise NotImplementedError("TODO set_masked: assign value to x where mask, in place")
