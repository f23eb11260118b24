"""Builds the "second derivative" by feeding the first derivative's value back into it, which
applies grad once (f'(f'(x))) instead of differentiating twice (grad of grad)."""


def derivatives(f):
    df = mx.grad(f)
    return df, lambda x: df(df(x))
