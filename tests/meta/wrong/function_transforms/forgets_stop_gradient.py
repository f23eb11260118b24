"""Forgets mx.stop_gradient: the gradient also flows through the target, which halves it."""


def target_loss(w, x, y):
    p = w * x
    t = (y + p) / 2
    return mx.mean((p - t) ** 2)
