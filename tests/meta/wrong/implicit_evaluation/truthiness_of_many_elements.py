"""Asks Python for the truth of a many-element array (ValueError unless it has one element), and
returns the lazy 0-d mean instead of a Python float."""


def all_within(a, b, tol):
    return bool(mx.abs(a - b) <= tol)


def mean_as_float(x):
    return mx.mean(x)
