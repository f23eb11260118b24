"""Evaluates the loss inside loss_fn (to print it), which nn.value_and_grad then traces through
an evaluation."""


def loss_fn(model, x, y):
    loss = mx.mean((model(x) - y) ** 2)
    mx.eval(loss)
    return loss
