"""Evaluates the parameters, then the optimizer state and the loss in a second call: two
evaluations per step, both after the update."""

from mlx.core import eval as evaluate


def train_step(model, optimizer, x, y):
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    optimizer.update(model, grads)
    evaluate(model.parameters())
    evaluate(optimizer.state, loss)
    return loss
