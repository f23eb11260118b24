"""Copies with a[:]: a new object, but it shares a's buffer, so a write behind MLX's back shows."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def detached_copy(a):
    return a[:]
