"""Calls np.from_dlpack(a) without asking for the CPU: right where MLX reports the CPU, but on
Apple silicon MLX exports Metal memory, which NumPy refuses."""

import numpy as np


def share_with_numpy(a):
    return np.from_dlpack(a)
