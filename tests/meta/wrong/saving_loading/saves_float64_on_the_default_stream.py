"""Saves on the default stream: right on a CPU build, but on Metal and CUDA the default stream is
the GPU's, which refuses float64."""

import os

NEEDS = "gpu"  # rejected only where MLX has a GPU backend (a Mac, CUDA)


def save_array(path, a):
    mx.save(os.fspath(path), a)
    return _written_as(path, ".npy")
