"""Exercise 1: lazy evaluation.

An MLX operation does not compute anything when you call it. `y = mx.exp(x) * 2` records three
nodes in a computation graph (Exp; Broadcast, which stretches the scalar 2 to the shape of x;
and Multiply; a 0-d x needs no Broadcast) and returns at once. The numbers are produced only when something needs them: an
explicit `mx.eval(y)`, or an implicit evaluation such as `print(y)` (exercise 2).

What follows from that:
- Only what is used gets computed. If a function returns two results and you evaluate one,
  the graph of the other is built but never run. One exception: the outputs of a single
  operation are computed together, so evaluating one piece of `mx.split(a, 2)`, or the quotient
  of `mx.divmod(a, b)`, computes its siblings as well.
- Shapes and dtypes are NOT deferred. MLX works them out while it builds the graph, so
  `mx.ones(3) + mx.ones(4)` raises a broadcast error on that very line, before any `mx.eval`.
- A loop that updates an array keeps extending its graph until it is evaluated. In a training
  loop, evaluate once per iteration (the "natural breakpoint"), or the graph, and the memory
  it holds, grows with every step.
- `mx.eval` takes any number of arrays or nested lists/dicts of arrays, computes them in place
  and returns None.

Implement the functions below. None of them may call `mx.eval` unless its docstring says so.
"""

import mlx.core as mx


def build_graph(x: mx.array) -> mx.array:
    """Return `exp(x) * 2 + 1` as a lazy array: build the graph, compute nothing.

    The result must be built from `x` with MLX operations: when `x` is itself unevaluated, it
    stays unevaluated after the call, and evaluating the result computes it. A value computed
    elsewhere (NumPy, Python floats) needs the numbers of `x` now, so it does not count. Any
    spelling that computes the right thing is fine.
    """
    # TODO: build the expression with MLX operations and return it without evaluating.
    raise NotImplementedError("TODO build_graph: return mx.exp(x) * 2 + 1, unevaluated")


def split_work(x: mx.array) -> tuple[mx.array, mx.array]:
    """Return `(basic, costly)`, both lazy.

    basic  = x + 1
    costly = start from the outer product `m = basic[:, None] * basic[None, :]`, repeat
             `m = m + mx.tanh((m @ m) / m.shape[0])` ten times, then sum every element of `m`.

    A caller that only evaluates `basic` must never pay for `costly`: evaluating `basic` must
    leave `costly` unevaluated.
    """
    # TODO: build both results lazily; do not evaluate either of them.
    raise NotImplementedError("TODO split_work: return (basic, costly) without evaluating")


def fit_line(
    x: mx.array, y: mx.array, steps: int, lr: float, on_step=None
) -> tuple[mx.array, mx.array]:
    """Fit `y ≈ w * x + b` by gradient descent on the mean squared error; return `(w, b)`.

    Start from w = 0.0 and b = 0.0 (float32 scalars). Each step computes the gradients of
    `mean((w * x + b - y) ** 2)` with respect to w and b (`mx.grad` with `argnums=(0, 1)`, or
    by hand), then updates `w = w - lr * dw` and `b = b - lr * db`.

    Evaluate at the natural breakpoint: once per step, after the update, so the graph does not
    grow from one step to the next. After evaluating, call `on_step(step, w, b)` if it is given.
    """
    # TODO: write the loop; call mx.eval(w, b) once per step, then on_step.
    raise NotImplementedError("TODO fit_line: gradient descent with one mx.eval per step")


def can_add(a: mx.array, b: mx.array) -> bool:
    """Return True if `a + b` is a valid MLX operation, False if the shapes cannot broadcast.

    Let MLX decide: building `a + b` raises ValueError at once when the shapes do not broadcast,
    because shapes are computed eagerly. Do not evaluate anything: `a` and `b` may be huge,
    unevaluated arrays.
    """
    # TODO: try to build a + b and catch the ValueError; never evaluate.
    raise NotImplementedError("TODO can_add: build a + b inside try/except ValueError")


def materialize(params: dict) -> dict:
    """Evaluate every array in a nested dict of parameters with ONE call to `mx.eval`; return the
    same dict object.

    `mx.eval` accepts nested lists, tuples and dicts (a "tree") and evaluates every array in it in
    place, skipping leaves that are not arrays (numbers, strings, None), so there is no need to
    loop, copy or rebuild the dict. One call also lets MLX schedule all the work at once.
    """
    # TODO: one mx.eval over the whole tree, then return params itself.
    raise NotImplementedError("TODO materialize: call mx.eval on the whole tree")
