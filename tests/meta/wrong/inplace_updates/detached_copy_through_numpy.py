"""Copies through NumPy: memory of its own, but NumPy cannot hold bfloat16, so bfloat16 fails."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)

import numpy as np


def detached_copy(a):
    return mx.array(np.array(a))
