"""fit_line with value_and_grad imported from mlx.core and one evaluation of a tuple per step;
can_add asks mx.broadcast_shapes, which raises the same ValueError and builds nothing."""

from mlx.core import value_and_grad


def fit_line(x, y, steps, lr, on_step=None):
    def loss(params):
        w, b = params
        return mx.mean(mx.square(w * x + b - y))

    loss_and_grad = value_and_grad(loss)
    params = (mx.array(0.0), mx.array(0.0))
    for step in range(steps):
        _, (dw, db) = loss_and_grad(params)
        params = (params[0] - lr * dw, params[1] - lr * db)
        mx.eval(params)
        if on_step is not None:
            on_step(step, *params)
    return params


def can_add(a, b):
    try:
        mx.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return False
    return True
