"""Uses np.array(a, copy=False) for the copy and np.array(a) for the view: the two swapped."""

import numpy as np


def to_numpy_copy(a):
    return np.array(a, copy=False)


def to_numpy_view(a):
    return np.array(a)
