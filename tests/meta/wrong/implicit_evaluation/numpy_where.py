"""Uses NumPy's np.where: it needs NumPy arrays, so it evaluates, and it cannot be compiled."""

import numpy as np


def check_and_process(x):
    processed = np.array(x) * 2
    return mx.array(np.where(processed.sum() > 10, processed * 3, processed + 5))


def leaky_relu(x, slope):
    values = np.array(x)
    return mx.array(np.where(values > 0, values, slope * values))
