"""Passes d2 to mx.exp but negates with the operator `-b`, which takes no stream: half of every
round runs on the default stream."""


def split_work(a, b, d1, d2, exps=500):
    x = mx.matmul(a, b, stream=d1)
    for _ in range(exps):
        b = mx.exp(-b, stream=d2)
    return x, b
