"""Reads the format from NumPy's dtype code: it cannot describe bfloat16 and raises."""

import numpy as np


def buffer_info(a):
    view = np.asarray(a)
    return view.dtype.char, view.shape
