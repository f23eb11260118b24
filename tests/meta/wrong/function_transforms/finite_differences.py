"""Approximates the derivatives with central finite differences instead of mx.grad: close, but
off by float32 cancellation error, and the graph never differentiates anything."""


def derivatives(f):
    h = 1e-3

    def df(x):
        return (f(x + h) - f(x - h)) / (2 * h)

    def d2f(x):
        return (f(x + h) - 2 * f(x) + f(x - h)) / (h * h)

    return df, d2f
