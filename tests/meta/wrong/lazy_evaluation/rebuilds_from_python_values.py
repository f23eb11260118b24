"""Reads x's numbers into Python and builds the graph from a fresh constant: the operations are all
there and the result is lazy, but x had to be evaluated, so the graph is not built from x."""


def build_graph(x):
    constant = mx.array(x.tolist())
    return mx.exp(constant) * 2 + 1
