"""Exercise 6: in-place updates and aliasing (reference solution)."""

import mlx.core as mx


def alias_and_copy(a: mx.array) -> tuple[mx.array, mx.array]:
    """Return `(alias, copy)` for the array `a`."""
    # Assignment only adds a name; slicing makes a new array object that behaves as a copy
    # under MLX's writes (it shares a's buffer, which only a write behind MLX's back reveals).
    return a, a[:]


def add_in_place(a: mx.array, amount: int | float) -> mx.array:
    """Add `amount` to every element of `a` in place and return `a` itself."""
    # `+=` updates this object, so every name for it (the caller's included) sees the result.
    # `a = a + amount` would only rebind the local name to a new array. MLX computes `a + amount`
    # with type promotion and repoints the object, so an int32 array plus 0.25 becomes float32.
    a += amount
    return a


def detached_copy(a: mx.array) -> mx.array:
    """Return a copy of `a` with memory of its own."""
    # mx.array(a) is a Copy operation: it gets a new buffer, but only when it is evaluated.
    # Lazy, it would read a's buffer later and see any write made there in between.
    copy = mx.array(a)
    mx.eval(copy)
    return copy


def clamp_negatives_in_place(x: mx.array) -> None:
    """Set every negative element of `x` to 0, in place."""
    # Boolean masks are allowed on the left of `=`; the write changes the caller's object.
    x[x < 0] = 0


def with_value(x: mx.array, index: int, value: int | float) -> mx.array:
    """Return a new 1-D array equal to `x` except at `index`."""
    # mx.where builds a new array and never writes into x. A weak Python int keeps x's dtype,
    # but a float meeting an integer array would promote it to float32: cast the value first,
    # as `x[index] = value` does.
    return mx.where(mx.arange(x.shape[0]) == index, mx.array(value, dtype=x.dtype), x)


def double_then_overwrite(a: mx.array, index: int, value: int | float) -> mx.array:
    """Build `a * 2`, then write `a[index] = value`; return the doubled array, unevaluated."""
    doubled = a * 2
    # The write records a new operation and repoints `a` at its result; `doubled` still reads
    # the array `a` referred to when it was built, so it keeps the old values without an eval.
    a[index] = value
    return doubled


def histogram(indices: mx.array, num_bins: int) -> mx.array:
    """Count how often each bin number appears in `indices`."""
    # `.at[...].add` is a scatter-add: every occurrence of a repeated index adds its 1.
    # `counts[indices] += 1` would count each distinct index only once.
    return mx.zeros(num_bins, dtype=mx.int32).at[indices].add(1)
