"""Uses `a = a + amount` and `x = mx.maximum(x, 0)`: only the local name is rebound, the caller's array never changes."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def add_in_place(a, amount):
    a = a + amount
    return a


def clamp_negatives_in_place(x):
    x = mx.maximum(x, 0)
