"""Branches on `.item()` of the sum (an explicit conversion is still an evaluation), and decides
leaky_relu in Python element by element through .tolist()."""


def check_and_process(x):
    processed = x * 2
    total = mx.sum(processed).item()
    return processed * 3 if total > 10 else processed + 5


def leaky_relu(x, slope):
    values = [v if v > 0 else slope * v for v in x.reshape(-1).tolist()]
    return mx.array(values, dtype=x.dtype).reshape(x.shape)
