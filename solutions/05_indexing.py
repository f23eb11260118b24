"""Exercise 5: indexing (reference solution)."""

import mlx.core as mx


def cards_between(deck: mx.array, first: int, last: int, step: int = 1) -> mx.array:
    """Every `step`-th card from the `first`-th to the `last`-th (1-based, inclusive)."""
    # Card k sits at position k - 1; the stop is exclusive, so position last - 1 needs stop=last.
    return deck[first - 1 : last : step]


def last_entries(x: mx.array) -> mx.array:
    """The last entry along the last axis, for any rank."""
    # `...` expands to as many full slices as needed, so one expression fits every rank.
    return x[..., -1]


def pairwise_differences(x: mx.array) -> mx.array:
    """`d[i, j] = x[i] - x[j]` with one broadcasted subtraction."""
    # (n, 1) - (1, n) broadcasts to (n, n); the new axes cost nothing (they are views).
    return x[:, None] - x[None, :]


def safe_take(x: mx.array, indices: mx.array) -> mx.array:
    """Gather `x[indices]` along axis 0 with Python's bounds rules."""
    n = x.shape[0]
    # A Python int meets an MLX array in the array's dtype: `uint8_indices < -n` raises
    # (-n does not fit a uint8) and int8 overflows at n >= 128. int64 holds every index of
    # every integer dtype but uint64's top half, so compare there.
    wide = indices.astype(mx.int64)
    bad = (wide < -n) | (wide >= n)
    # MLX never checks bounds (an out-of-bounds read is garbage or a segfault), so we must,
    # and only values can tell: this evaluates the small boolean array, not x.
    if mx.any(bad).item():
        flat = indices.reshape(-1)
        first_bad = flat[mx.argmax(bad.reshape(-1))].item()
        raise IndexError(f"index {first_bad} is out of bounds for axis 0 with size {n}")
    # Every index is now in [-n, n). MLX's gather kernels add n to a negative index themselves,
    # so x[indices] is right as it is; what they never do is check the range.
    return x[indices]


def keep_where(x: mx.array, mask: mx.array, fill: float) -> mx.array:
    """`x` where `mask`, `fill` elsewhere, keeping the shape."""
    # Reading x[mask] would need a data-dependent shape, which MLX does not allow; where() keeps
    # the shape and never multiplies the dropped values, so inf and nan cannot leak.
    return mx.where(mask, x, fill)


def set_masked(x: mx.array, mask: mx.array, value: float) -> None:
    """Assign `value` where `mask`, in place."""
    # Boolean-mask assignment (MLX >= 0.30) updates the array object the caller holds.
    x[mask] = value
