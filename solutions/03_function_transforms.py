"""Exercise 3: function transforms (reference solution)."""

from collections.abc import Callable

import mlx.core as mx


def derivatives(f: Callable[[mx.array], mx.array]) -> tuple[Callable, Callable]:
    """Return `(df, d2f)`: the first and the second derivative of `f`."""
    df = mx.grad(f)
    # grad returns an ordinary function, so it can be differentiated again.
    return df, mx.grad(df)


def value_and_partials(f: Callable[[mx.array, mx.array], mx.array]) -> Callable:
    """Return `g` with `g(x, y) == (f(x, y), (df/dx, df/dy))`."""
    # argnums=(0, 1) makes the gradient a tuple, one entry per argument.
    return mx.value_and_grad(f, argnums=(0, 1))


def loss_and_grads(loss: Callable, params: dict, x: mx.array, y: mx.array) -> tuple[mx.array, dict]:
    """Return `(loss(params, x, y), grads with respect to params)`."""
    # argnums defaults to 0: only params is differentiated, and a dict in gives a dict out.
    return mx.value_and_grad(loss)(params, x, y)


def per_example_grads(loss: Callable, params: dict, xs: mx.array, ys: mx.array) -> dict:
    """Return the gradient of `loss` for every example separately."""
    # None: the parameters are shared; 0: the examples are stacked along axis 0 of xs and ys.
    return mx.vmap(mx.grad(loss), in_axes=(None, 0, 0))(params, xs, ys)


def target_loss(w: mx.array, x: mx.array, y: mx.array) -> mx.array:
    """Loss against a target that grad treats as a constant."""
    p = w * x
    # stop_gradient keeps the value but cuts the target out of the backward pass.
    t = mx.stop_gradient((y + p) / 2)
    return mx.mean((p - t) ** 2)


def map_columns(f: Callable[[mx.array], mx.array], m: mx.array) -> mx.array:
    """Apply `f` to every column of `m`; results as columns."""
    # in_axes=1: each call of f sees one column; out_axes=1: results are stacked as columns.
    return mx.vmap(f, in_axes=1, out_axes=1)(m)
