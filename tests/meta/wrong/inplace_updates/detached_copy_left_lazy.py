"""Returns mx.array(a) unevaluated: it has no memory yet and reads a's buffer when computed, so a
write made in between shows in it."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def detached_copy(a):
    return mx.array(a)
