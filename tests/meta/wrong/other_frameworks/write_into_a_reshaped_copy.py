"""Flattens with reshape and updates the result: reshape returns a new array object, so the
update never reaches the caller's `a`."""


def write_into_buffer(a, index, value):
    flat = a.reshape(-1)
    flat[index] = value
