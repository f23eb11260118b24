"""The first derivative as a vector-Jacobian product, the second as a Jacobian-vector product of
the first: other transforms, the same derivatives."""


def derivatives(f):
    def df(x):
        _, (grad,) = mx.vjp(f, [x], [mx.ones_like(x)])
        return grad

    def d2f(x):
        _, (curvature,) = mx.jvp(df, [x], [mx.ones_like(x)])
        return curvature

    return df, d2f
