"""Goes through NumPy to describe the array: the metadata is right for float32, but the array gets
evaluated (and bfloat16 cannot be converted at all)."""

import numpy as np


def describe_without_evaluating(a):
    data = np.array(a)
    return {
        "shape": data.shape,
        "dtype": a.dtype,
        "size": data.size,
        "ndim": data.ndim,
        "nbytes": a.nbytes,
        "preview": mx.array(data.reshape(-1)[:3]),
    }
