"""Decides holds_view from flags.owndata (any NumPy view counts) and compares values instead."""

import numpy as np


def holds_view(np_arr, mx_arr):
    return not np_arr.flags.owndata and np.array_equal(np_arr, np.array(mx_arr))
