"""The same behaviour in other idioms: an alias plus an mx.array copy, the sum written over the
whole array with `...`, a copy rebuilt from Python values, `.at[].add` with ones, and a doubling
written as a sum."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def alias_and_copy(a):
    return a, mx.array(a)


def add_in_place(a, amount):
    a[...] = a + amount
    return a


def detached_copy(a):
    return mx.array(a.tolist(), dtype=a.dtype)


def histogram(indices, num_bins):
    return mx.zeros((num_bins,), mx.int32).at[indices].add(mx.ones(indices.shape, mx.int32))


def double_then_overwrite(a, index, value):
    doubled = a + a
    a[index] = value
    return doubled
