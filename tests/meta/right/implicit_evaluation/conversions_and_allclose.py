"""float() of the method-style mean, and mx.allclose with rtol=0 as the tolerance test (it tests
|a - b| <= atol + rtol * |b|)."""


def mean_as_float(x):
    return float(x.mean())


def all_within(a, b, tol):
    return mx.allclose(a, b, rtol=0.0, atol=tol).item()
