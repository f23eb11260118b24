"""Exercise 6: in-place updates and aliasing.

MLX arrays can be changed in place: `a[2] = 0`, `a[mask] = 0`, `a += 1`. To use that safely you
need to know which Python NAME points to which array OBJECT.

Names and objects:
- `b = a` does not copy anything. It gives the one array object a second name (`b is a`), so
  `b[2] = 0` changes what you see through `a` as well.
- `b = a[:]` makes a new array object that is logically a copy: `b is not a`, and an MLX write
  into `b` leaves `a` alone (and the other way round). It does not copy memory: `a[:]`, like
  `copy.copy(a)`, `a.reshape(...)`, `a.T` or `a.astype(a.dtype)`, shares `a`'s buffer. MLX never
  overwrites a buffer in place when you write `b[i] = v` (see below), so through MLX you cannot
  tell. A write that goes behind MLX's back can tell: after `np.asarray(a)[0] = 99` (a NumPy view
  writes straight into the buffer, exercise 8), `a[:]` shows 99 too. An array with memory of its
  own comes from an operation that computes new values, `mx.array(a)` or `a + 0`, once it has
  been EVALUATED: until then it has no memory at all and reads `a`'s buffer when it is computed.
- `a += 1` updates the object in place: its `id` stays the same and every alias sees the new
  values. `a = a + 1` builds a NEW array and rebinds the name `a` to it; any other name for the
  old object keeps the old values. Inside a function this is the difference between changing
  the caller's array and changing nothing the caller can see.
- `+=` is not NumPy's in-place ufunc: MLX computes `a + v` with the usual type promotion and
  points the object at the result. So an int32 array `a += 0.25` keeps its identity but BECOMES
  float32 (`[1, 2]` turns into `[1.25, 2.25]`), where NumPy raises `UFuncTypeError` and PyTorch
  `RuntimeError`. A slice assignment is different again: `a[:] = a + 0.25` writes into `a`'s
  dtype and keeps int32 (`[1, 2]`).
- So a function that runs `x[i] = v` (or `x += ...`) on its argument mutates the caller's array.
  Sometimes that is what you want; when it is not, build the result from MLX operations that
  return new arrays (`mx.where`, arithmetic, `.at[...]`) or write into a copy.

Updates are functional under the hood:
- `a[i] = v` does not overwrite memory that other arrays still depend on. It records a new
  operation and points `a` at its result. Any array built from `a` BEFORE the write, even one
  that has not been evaluated yet, keeps computing with the old values. You do not need to
  evaluate or copy anything to preserve them. The write itself evaluates nothing either.

Repeated indices:
- `a[mx.array([0, 0])] = mx.array([4, 5])` writes two values to one slot; which one wins is not
  specified (it can differ from run to run or between devices).
- `a[idx] += 1` is `a[idx] = a[idx] + 1`: it reads every slot once and writes once, so an index
  that appears three times in `idx` is counted ONCE. To accumulate, use the `.at` property:
  `a.at[idx].add(values)` adds every occurrence (a scatter-add) and returns a NEW array, leaving
  `a` untouched. `.at[...]` also has `subtract`, `multiply`, `divide`, `maximum` and `minimum`.

Where the chapter falls short: its summary script claims to show linked arrays (`b = a`,
`b[2] = 0`), but it then rebinds `b = mx.array([2.0])` before printing "Linked Array b", so the
output shows `array([2])` and never the link. The chapter also does not mention that `a[:]` is a
logical copy that shares memory, that `a = a + 1` breaks the link, that `+=` can change the dtype,
or the repeated-index rules above.

Implement the functions below with MLX operations (no NumPy).
"""

import mlx.core as mx


def alias_and_copy(a: mx.array) -> tuple[mx.array, mx.array]:
    """Return `(alias, copy)` for the array `a`.

    alias: another name for the very same array object, so that `alias[i] = v` is seen through
           `a` (and the other way round).
    copy:  a new, independent array object with the same values, so that writing into `copy`
           leaves `a` alone, and writing into `a` leaves `copy` alone.
    """
    # TODO: return the same object for alias and a logical copy for copy.
    raise NotImplementedError("TODO alias_and_copy: return an alias and an independent copy")


def add_in_place(a: mx.array, amount: int | float) -> mx.array:
    """Add `amount` to every element of `a` IN PLACE and return `a` itself.

    The caller's array object must be updated: any other name the caller holds for it sees the
    new values, and the returned array is that same object (`result is a`). The new values are
    the exact sums, with MLX's type promotion: a float `amount` added to an integer array gives
    float32 values (`[1, 2]` plus 0.25 is `[1.25, 2.25]`), not truncated integers.
    """
    # TODO: update the object a, do not rebind the name to a new array.
    raise NotImplementedError("TODO add_in_place: update a in place and return it")


def detached_copy(a: mx.array) -> mx.array:
    """Return a copy of `a` (same dtype, bfloat16 included, shape and values) with memory of its own.

    Even a write that bypasses MLX, into `a`'s memory through a NumPy view or a memoryview, made
    after `detached_copy` returns, must not show in the result. The result is a new object.
    """
    # TODO: compute new values into a new buffer, and make sure that buffer exists now.
    raise NotImplementedError("TODO detached_copy: a copy with its own memory, made now")


def clamp_negatives_in_place(x: mx.array) -> None:
    """Set every negative element of `x` to 0, in place; return None.

    `x` may have any shape. The caller's array object is the one that must change (this
    function's whole effect is that mutation), so write into `x` itself, for example through a
    boolean mask (masks work for assignment since MLX 0.30, though not for reading).
    """
    # TODO: write zeros into x where x < 0.
    raise NotImplementedError("TODO clamp_negatives_in_place: write 0 into x where x < 0")


def with_value(x: mx.array, index: int, value: int | float) -> mx.array:
    """Return a NEW 1-D array equal to `x` except that position `index` holds `value`.

    `x` must be left untouched: after the call the caller's array still holds its old values, and
    the result is a different object. Keep `x`'s dtype (bfloat16 included, and an integer dtype
    even when `value` is a float such as 2.5, which then becomes 2, as `x[index] = 2.5` would
    write) and stay lazy: build the result from MLX operations and do not evaluate anything.
    """
    # TODO: build a new array (an MLX operation, or a copy that you then update).
    raise NotImplementedError("TODO with_value: return an updated copy, leave x alone")


def double_then_overwrite(a: mx.array, index: int, value: int | float) -> mx.array:
    """Build `doubled = a * 2`, then write `a[index] = value` into the caller's array; return
    `doubled`.

    `doubled` must hold twice the values `a` had BEFORE the write, and it must be returned
    unevaluated: do not evaluate or copy anything to protect the old values, since the write
    does not change what `doubled` computes. The caller's `a` must show the new value.
    """
    # TODO: build doubled first, then do the in-place write, and return doubled as it is.
    raise NotImplementedError(
        "TODO double_then_overwrite: build a * 2, then write a[index] = value"
    )


def histogram(indices: mx.array, num_bins: int) -> mx.array:
    """Count how often each bin number appears in the 1-D int array `indices`.

    Return an int32 array of length `num_bins` whose entry `k` is the number of times `k`
    occurs in `indices` (all entries are in `range(num_bins)`). Repeated indices must all be
    counted. Build it with MLX operations and keep it lazy (no NumPy, no evaluation).
    """
    # TODO: start from zeros and accumulate one per occurrence.
    raise NotImplementedError("TODO histogram: count every occurrence, duplicates included")
