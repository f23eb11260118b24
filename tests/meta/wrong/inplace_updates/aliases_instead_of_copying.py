"""Believes `b = a` makes a copy: `copy` is `a` itself, so writes through either name show in both."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def alias_and_copy(a):
    copy = a
    return a, copy
