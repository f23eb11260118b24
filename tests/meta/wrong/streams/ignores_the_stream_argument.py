"""Ignores the stream arguments: every op goes to the default stream, so the values are right
but nothing runs where the caller asked."""


def dependent_adds(a, b, s1, s2):
    c = a + b
    return c, a + c


def split_work(a, b, d1, d2, exps=500):
    x = a @ b
    for _ in range(exps):
        b = mx.exp(-b)
    return x, b
