"""dependent_adds and split_work written with `with mx.stream(...)` blocks and operators instead
of stream= arguments. On a build with a GPU each block leaves its CPU stream as the CPU's default
stream; the checks must not hold that against the answer, or against the next check."""


def dependent_adds(a, b, s1, s2):
    with mx.stream(s1):
        c = a + b
    with mx.stream(s2):
        d = a + c
    return c, d


def split_work(a, b, d1, d2, exps=500):
    with mx.stream(d1):
        x = a @ b
    with mx.stream(d2):
        for _ in range(exps):
            b = mx.exp(-b)
    return x, b
