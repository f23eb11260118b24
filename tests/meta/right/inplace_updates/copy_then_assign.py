"""Copies x with mx.array (a new, lazy array) and assigns into the copy: an indexed assignment
casts the value to the array's dtype, as `with_value` must, and x keeps its values."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def with_value(x, index, value):
    updated = mx.array(x)
    updated[index] = value
    return updated
