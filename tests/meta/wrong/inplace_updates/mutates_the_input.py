"""Writes into its argument where a pure update was asked: the caller's x changes too."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def with_value(x, index, value):
    x[index] = value
    return x
