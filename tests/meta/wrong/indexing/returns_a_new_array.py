"""Builds the masked result as a new array bound to the local name: the caller's array is
unchanged. Also takes the last entry of axis 1 instead of the last axis, which only works for
2-D input."""


def set_masked(x, mask, value):
    x = mx.where(mask, value, x)


def last_entries(x):
    return x[:, -1]
