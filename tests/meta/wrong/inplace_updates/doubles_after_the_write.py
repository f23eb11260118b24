"""Builds `doubled` after the write, so it doubles the NEW values."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def double_then_overwrite(a, index, value):
    a[index] = value
    return a * 2
