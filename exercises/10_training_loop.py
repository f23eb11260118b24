"""Exercise 10: a training loop with mlx.nn and mlx.optimizers.

This exercise puts the chapter's lazy-evaluation advice to work where it matters most: training a
model. The pieces come from two packages.

- `mlx.nn` holds layers and models. A model is a subclass of `nn.Module` (or an `nn.Sequential` of
  layers). Its parameters live in a nested dict: `model.parameters()` returns it, for example
  `{"layers": [{"weight": ..., "bias": ...}, {}, {"weight": ..., "bias": ...}]}`.
- `nn.value_and_grad(model, fn)` is the training form of `mx.value_and_grad` (exercise 3). It
  returns a function that takes the same arguments as `fn` (by convention the model first) and
  returns `(value, grads)`, where `grads` is a dict shaped like `model.trainable_parameters()`.
  There is no `.backward()`, `zero_grad()` or `requires_grad` in MLX: gradients are plain return
  values.
- `mlx.optimizers` holds optimizers (`optim.SGD`, `optim.Adam`, ...). `optimizer.update(model,
  grads)` computes new parameters and puts them into the model. Most optimizers keep STATE
  (a step counter, Adam's moment estimates, momentum buffers) in `optimizer.state`, a dict of
  arrays that every update replaces.

Everything above is lazy. After `optimizer.update(model, grads)` the new parameters and the new
optimizer state are graphs that have not run. If nothing evaluates them, the next step builds on
top of those graphs, and step k's graph holds every step before it: memory and time grow with k.
So a training step ends at a natural breakpoint with ONE evaluation of everything the next step
needs and everything you want to read:

    mx.eval(loss, model.parameters(), optimizer.state)

Each part matters. Evaluating only the loss leaves the parameters as graphs; evaluating only the
parameters leaves parts of the optimizer state (at least its step counter) as graphs that keep
growing; and evaluating the pieces in separate calls, or reading `loss.item()` when the loss was
not part of that call, runs the graph evaluator twice per step. The chapter's first loop calls
`mx.eval(loss, model.parameters())` and leaves out the state. Even plain `optim.SGD` keeps a
step counter there, updated as `step + 1` at every update: measured on MLX 0.32.4, after five
steps of that loop the counter is a chain of five unevaluated additions, one more per step.
Add `optimizer.state`. Its second loop has the other flaw: it evaluates
`model.parameters(), optimizer.state` but not the loss, then reads `loss.item()`, so every
printed step runs the evaluator a second time.

Saving and loading weights is lazy on the way in, as `mx.load` is (exercise 7):
- `model.save_weights(path)` writes every parameter, under its dotted name ("layers.0.weight"),
  as safetensors or npz, chosen by the extension; any other extension raises ValueError. Saving
  evaluates what it writes.
- `model.load_weights(path)` reads only the file's header: it checks that the names and shapes
  match the model (ValueError otherwise) and puts UNEVALUATED arrays into the model. The numbers
  are read from the file when the weights are first used. A freshly built model's random initial
  weights are lazy too, so building a model and loading its weights never computes the random
  ones: this is the chapter's "load weights without consuming memory yet". The flip side, as in
  exercise 7: weights loaded from a .safetensors file that is overwritten before they are used
  read the new file (measured on MLX 0.32.4). From an overwritten .npz it is worse: a tiny file
  happened to keep the old values, a larger one raised BadZipFile or aborted the process.
  Evaluate them first if the file may change.

Implement the functions below. Only `train_step` needs `mx.eval`; `train` reuses it.
"""

from collections.abc import Callable
from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim


def make_model(in_dims: int, hidden_dims: int, out_dims: int) -> nn.Module:
    """Return a small multi-layer perceptron: `nn.Linear(in_dims, hidden_dims)`, a ReLU, then
    `nn.Linear(hidden_dims, out_dims)`.

    An `nn.Sequential` of the three, or your own `nn.Module` subclass whose `__call__` chains
    them, both work. Calling the model on a batch `x` of shape `(n, in_dims)` returns shape
    `(n, out_dims)`. Do not evaluate anything: the initial weights stay lazy until used.
    """
    # TODO: build the layers; keep the weights lazy.
    raise NotImplementedError("TODO make_model: Linear, ReLU, Linear")


def loss_fn(model: nn.Module, x: mx.array, y: mx.array) -> mx.array:
    """Return the mean squared error of `model(x)` against `y`: a lazy scalar (shape `()`).

    This is the function `nn.value_and_grad(model, loss_fn)` differentiates, so it must be built
    from MLX operations on `model(x)` and must not evaluate anything (`nn.losses` has a ready-made
    mean squared error).
    """
    # TODO: compare the model's predictions with y; return the mean of the squared differences.
    raise NotImplementedError("TODO loss_fn: mean squared error of model(x) against y")


def train_step(model: nn.Module, optimizer: optim.Optimizer, x: mx.array, y: mx.array) -> mx.array:
    """Run one training step on `(x, y)` and return the loss of the model BEFORE the update.

    1. Compute the loss and the gradients of `loss_fn` with respect to the model's parameters,
       with `nn.value_and_grad`.
    2. Let the optimizer update the model with those gradients.
    3. Evaluate the step once, at the end: the loss, the model's parameters and the optimizer's
       state, together in one `mx.eval` call.

    Nothing may be evaluated before step 3 (the update is built lazily on top of the lazy
    gradients), and nothing after it: one evaluation per step. The returned loss is evaluated.
    """
    # TODO: value and gradients, optimizer update, then one mx.eval of loss, parameters and state.
    raise NotImplementedError("TODO train_step: value_and_grad, update, one mx.eval")


def train(
    model: nn.Module,
    optimizer: optim.Optimizer,
    x: mx.array,
    y: mx.array,
    steps: int,
    on_step: Callable[[int, mx.array], None] | None = None,
) -> list[float]:
    """Train `model` for `steps` steps on the same batch `(x, y)`; return the loss of every step,
    in order, as Python floats.

    Use `train_step`. After each step call `on_step(step, loss)` if it is given, with `step`
    counting from 0 and `loss` the array that step returned. The graph must not grow from one
    step to the next, and each step evaluates once: turning the loss into a float must not start
    another evaluation (so the loss has to be part of the step's one `mx.eval`).
    """
    # TODO: loop over the steps with train_step; collect the losses as floats; call on_step.
    raise NotImplementedError("TODO train: call train_step `steps` times")


def save_model(model: nn.Module, path: str | Path) -> None:
    """Write the model's weights to `path` (a `str` or a `Path`) so that `load_into` can read
    them back.

    The extension picks the format: `.safetensors` or `.npz`, written at exactly `path`. Any
    other extension raises ValueError. Use the model's own method for this.
    """
    # TODO: save the weights in the format the extension names.
    raise NotImplementedError("TODO save_model: write the weights to path")


def load_into(model: nn.Module, path: str | Path) -> nn.Module:
    """Load the weights that `save_model` wrote at `path` into `model` and return `model`.

    Loading must stay lazy: right after `load_into` returns, the model's weights are unevaluated
    arrays that read the file when first used, and the model's random initial weights have never
    been computed. A file whose parameter names or shapes do not match the model raises
    ValueError (the model's loading method does that check for you).
    """
    # TODO: load the weights into the model without evaluating anything.
    raise NotImplementedError("TODO load_into: load the weights lazily")
