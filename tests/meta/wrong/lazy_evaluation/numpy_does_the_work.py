"""Computes with NumPy and wraps the answer: right values, but no MLX graph at all."""

import numpy as np


def build_graph(x):
    return mx.array(np.exp(np.array(x)) * 2 + 1)
