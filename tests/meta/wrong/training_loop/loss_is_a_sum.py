"""Sums the squared errors instead of averaging them."""


def loss_fn(model, x, y):
    return mx.sum((model(x) - y) ** 2)
