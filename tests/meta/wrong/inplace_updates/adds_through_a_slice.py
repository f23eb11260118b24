"""Adds through slice assignment (a[:] = a + amount): the object is updated, but the write keeps
a's dtype, so an int32 array plus 0.25 stays int32 and the fractions are lost."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def add_in_place(a, amount):
    a[:] = a + amount
    return a
