"""split_work spelled with mx.add, mx.outer and mx.matmul instead of operators."""


def split_work(x):
    basic = mx.add(x, 1)
    m = mx.outer(basic, basic)
    for _ in range(10):
        m = mx.add(m, mx.tanh(mx.divide(mx.matmul(m, m), m.shape[0])))
    return basic, mx.sum(m)
