"""Copies through NumPy to update: fails on bfloat16 and evaluates the input."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)

import numpy as np


def with_value(x, index, value):
    copy = np.array(x)
    copy[index] = value
    return mx.array(copy)
