"""Repeats the update nine times instead of ten (range(1, 10))."""


def split_work(x):
    basic = x + 1
    m = basic[:, None] * basic[None, :]
    for _ in range(1, 10):
        m = m + mx.tanh((m @ m) / m.shape[0])
    return basic, m.sum()
