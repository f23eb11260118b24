"""Finds out whether there is a GPU by making a GPU stream, which raises ValueError on a CPU-only
build instead of falling back."""


def pick_gpu():
    mx.default_stream(mx.gpu)
    return mx.Device(mx.gpu), "using the GPU"
