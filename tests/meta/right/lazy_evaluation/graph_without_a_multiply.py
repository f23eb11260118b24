"""Doubles by adding exp(x) to itself: no Multiply node, the same numbers."""


def build_graph(x):
    e = mx.exp(x)
    return e + e + 1
