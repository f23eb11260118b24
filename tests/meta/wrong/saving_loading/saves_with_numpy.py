"""Saves through NumPy (`np.save(path, np.array(a))`): bfloat16 cannot be converted, so it fails."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)

import numpy as np


def save_array(path, a):
    np.save(os.fspath(path), np.array(a))
    return _written_as(path, ".npy")
