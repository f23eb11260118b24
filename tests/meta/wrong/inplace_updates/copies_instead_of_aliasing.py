"""Returns a copy where an alias was asked: `alias` is a new array, so writes through it never reach `a`."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def alias_and_copy(a):
    return mx.array(a), a[:]
