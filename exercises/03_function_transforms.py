"""Exercise 3: function transforms.

A function transform takes a Python function and returns a new function. MLX has the same
family as JAX:

- `mx.grad(f)` returns a function that computes the gradient of `f` (which must return a scalar)
  with respect to its first argument. `argnums=1` differentiates with respect to the second
  argument, `argnums=(0, 1)` with respect to both: the result is then a tuple of gradients.
- `mx.value_and_grad(f)` returns a function that gives `(f(...), gradient)` in one pass, so the
  loss you log and the gradient you step with come from the same computation.
- The argument you differentiate may be a "pytree": a dict, list or tuple of arrays, such as the
  parameters of a model. The gradient has the same structure: a dict in, a dict out.
- `mx.vmap(f, in_axes=..., out_axes=...)` vectorises `f`: you write `f` for one example and call
  it on a batch. `in_axes` says which axis of each argument is the batch axis (`None` means
  "shared, not batched"); `out_axes` says where the batch axis goes in the result. `vmap` traces
  `f` once with the unbatched shapes and builds one batched graph; it does not loop.
- `mx.stop_gradient(a)` returns `a` unchanged but tells `grad` to treat it as a constant: no
  gradient flows back through it.

Coming from PyTorch, note what does not exist: there is no `.backward()`, no `requires_grad`, no
`.grad` attribute and no `zero_grad()`. Gradients are not stored on arrays; they are what the
transformed function returns. There is no `detach()` either; `mx.stop_gradient` plays its role.

Transforms compose because each returns an ordinary function. `mx.grad(mx.grad(f))` is the
second derivative. `mx.vmap(mx.grad(loss), in_axes=(None, 0, 0))` gives one gradient per example
(shared parameters, batched inputs and targets): the basis of per-example clipping and of
differential privacy, which a single batched `grad` of the mean loss cannot give you.

What a transformed function returns is lazy like any other array: the chapter's "before eval"
print of a gradient shows the number only because printing evaluates it.

The chapter lists `simplify()` next to `grad()` and `vmap()`. It no longer exists: v0.0.11 was
the last release that had it, and it went with v0.1.0, tagged on 1 February 2024
(`hasattr(mx, "simplify")` is False). Graph optimisation is done by `mx.compile` today. Besides `grad`, `value_and_grad` and `vmap`, MLX offers `vjp`, `jvp`,
`compile`, `checkpoint` and `custom_function`.

Implement the functions below with MLX's transforms. Do not approximate derivatives with finite
differences and do not evaluate anything: return lazy arrays. The functions you return are
transformed again by the checks (`mx.vmap`, `mx.compile`), as any MLX function can be.
"""

from collections.abc import Callable

import mlx.core as mx


def derivatives(f: Callable[[mx.array], mx.array]) -> tuple[Callable, Callable]:
    """Return `(df, d2f)`: the first and the second derivative of `f`, as functions.

    `f` maps a scalar (0-d float32 array) to a scalar. `df(x)` must return f'(x) and `d2f(x)`
    must return f''(x), both as 0-d float32 arrays, exact up to float32 rounding, for any `f`.
    """
    # TODO: build both functions with transforms.
    raise NotImplementedError("TODO derivatives: return (df, d2f) built with mx.grad")


def value_and_partials(f: Callable[[mx.array, mx.array], mx.array]) -> Callable:
    """Return a function `g` with `g(x, y) == (f(x, y), (df/dx, df/dy))`.

    `f` takes two arrays and returns a scalar. The value and both partial derivatives must come
    from one transformed function.
    """
    # TODO: one transform that returns the value and the gradients for both arguments.
    raise NotImplementedError("TODO value_and_partials: value and gradients for arguments 0 and 1")


def loss_and_grads(loss: Callable, params: dict, x: mx.array, y: mx.array) -> tuple[mx.array, dict]:
    """Return `(loss(params, x, y), grads)`, where `grads` is the gradient of the loss with respect
    to `params` only.

    `params` is a dict of arrays (it may nest lists and dicts, like a model's parameters). `grads`
    must have the same structure, keys and shapes. `x` and `y` are data: no gradient for them.
    Both results stay lazy.
    """
    # TODO: one transform that gives the value and the gradient with respect to the dict.
    raise NotImplementedError("TODO loss_and_grads: value and gradient with respect to params")


def per_example_grads(loss: Callable, params: dict, xs: mx.array, ys: mx.array) -> dict:
    """Return the gradient of `loss` with respect to `params` for every example, separately.

    `loss(params, x, y)` computes the scalar loss of ONE example (`x = xs[i]`, `y = ys[i]`).
    Return a dict with the keys of `params`; entry `k` has shape `(batch,) + params[k].shape` and
    row `i` equal to `mx.grad(loss)(params, xs[i], ys[i])[k]`.

    The parameters are shared by all examples; only `xs` and `ys` are batched. Build it with
    transforms, not a Python loop over the examples: the size of the graph must not depend on
    the batch size.
    """
    # TODO: compose vmap and grad, with the right in_axes.
    raise NotImplementedError("TODO per_example_grads: vmap of grad, params not batched")


def target_loss(w: mx.array, x: mx.array, y: mx.array) -> mx.array:
    """Return the loss of a prediction against a "soft" target that is treated as a constant.

    prediction p = w * x
    target     t = (y + p) / 2, a constant for differentiation: no gradient may flow through it
    loss         = mean((p - t) ** 2)

    `mx.grad(target_loss)(w, x, y)` must therefore equal `mean((p - y) * x)`, not half of it.
    Return the loss as a lazy scalar.
    """
    # TODO: block the gradient through the target.
    raise NotImplementedError("TODO target_loss: mx.stop_gradient on the target")


def map_columns(f: Callable[[mx.array], mx.array], m: mx.array) -> mx.array:
    """Apply `f` to every column of the 2-D array `m` and return the results as columns.

    `f` takes a 1-D array (one column, of length `m.shape[0]`) and returns a 1-D array of some
    length k. Return an array of shape `(k, m.shape[1])` whose column `j` is `f(m[:, j])`.

    Vectorise `f` instead of looping: `f` must be called once, not once per column.
    """
    # TODO: vmap with the batch axis on the columns, in and out.
    raise NotImplementedError("TODO map_columns: mx.vmap with in_axes and out_axes")
