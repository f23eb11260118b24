"""Exercise 10: a training loop (reference solution)."""

from collections.abc import Callable
from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim


def make_model(in_dims: int, hidden_dims: int, out_dims: int) -> nn.Module:
    """Return a two-layer perceptron: Linear, ReLU, Linear."""
    # nn.Linear draws its initial weights lazily: nothing is computed until something needs them.
    return nn.Sequential(
        nn.Linear(in_dims, hidden_dims), nn.ReLU(), nn.Linear(hidden_dims, out_dims)
    )


def loss_fn(model: nn.Module, x: mx.array, y: mx.array) -> mx.array:
    """Mean squared error of `model(x)` against `y`, as a lazy scalar."""
    # The model comes first: nn.value_and_grad swaps its parameters in before calling this.
    return nn.losses.mse_loss(model(x), y)


def train_step(model: nn.Module, optimizer: optim.Optimizer, x: mx.array, y: mx.array) -> mx.array:
    """One step of training; returns the loss, evaluated together with everything else."""
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    optimizer.update(model, grads)
    # One evaluation for the whole step: the loss, the new parameters and the optimizer's state
    # (its step counter and moments are separate graphs that the parameters do not all need).
    mx.eval(loss, model.parameters(), optimizer.state)
    return loss


def train(
    model: nn.Module,
    optimizer: optim.Optimizer,
    x: mx.array,
    y: mx.array,
    steps: int,
    on_step: Callable[[int, mx.array], None] | None = None,
) -> list[float]:
    """Run `steps` training steps and return each step's loss as a Python float."""
    losses = []
    for step in range(steps):
        loss = train_step(model, optimizer, x, y)
        # The loss was evaluated inside the step, so .item() only reads a number.
        losses.append(loss.item())
        if on_step is not None:
            on_step(step, loss)
    return losses


def save_model(model: nn.Module, path: str | Path) -> None:
    """Write the model's weights to `path`, in the format its extension names."""
    # save_weights picks safetensors or npz from the extension and refuses anything else.
    model.save_weights(str(path))


def load_into(model: nn.Module, path: str | Path) -> nn.Module:
    """Load weights saved by `save_model` into `model`, lazily, and return the model."""
    # The file's header is read now (names and shapes are checked); the numbers are read when the
    # weights are first used, and the model's own random initial weights are never computed.
    return model.load_weights(str(path))
