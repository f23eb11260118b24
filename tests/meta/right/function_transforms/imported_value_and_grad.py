"""value_and_grad imported from mlx.core under its own name."""

from mlx.core import value_and_grad


def value_and_partials(f):
    return value_and_grad(f, argnums=[0, 1])


def loss_and_grads(loss, params, x, y):
    return value_and_grad(loss, argnums=0)(params, x, y)
