"""Selects by blending with 0/1 factors instead of mx.where (safe here: both candidates are finite),
and leaky_relu from the positive and negative parts."""


def check_and_process(x):
    processed = mx.multiply(x, 2)
    big = (processed.sum() > 10).astype(processed.dtype)
    return big * (processed * 3) + (1 - big) * (processed + 5)


def leaky_relu(x, slope):
    return mx.maximum(x, 0) + slope * mx.minimum(x, 0)
