"""Evaluates `doubled` before the write "to keep the old values": the right numbers, but not lazy and not needed."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def double_then_overwrite(a, index, value):
    doubled = a * 2
    mx.eval(doubled)
    a[index] = value
    return doubled
