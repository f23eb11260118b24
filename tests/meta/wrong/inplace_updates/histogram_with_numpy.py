"""Lets NumPy do the scatter-add: right counts, but it evaluates the indices and builds no MLX graph."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)

import numpy as np


def histogram(indices, num_bins):
    counts = np.zeros(num_bins, dtype=np.int32)
    np.add.at(counts, np.array(indices), 1)
    return mx.array(counts)
