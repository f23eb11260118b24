"""Swaps the two streams: c goes to s2 and d to s1; the matmul to d2 and the exps to d1."""


def dependent_adds(a, b, s1, s2):
    c = mx.add(a, b, stream=s2)
    return c, mx.add(a, c, stream=s1)


def split_work(a, b, d1, d2, exps=500):
    x = mx.matmul(a, b, stream=d2)
    for _ in range(exps):
        b = mx.exp(mx.negative(b, stream=d1), stream=d1)
    return x, b
