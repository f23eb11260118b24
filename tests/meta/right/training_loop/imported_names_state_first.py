"""value_and_grad and eval imported under other names, the optimizer state named first, the loss
written out with mx.square, and float() to read the evaluated loss."""

from mlx.core import eval as evaluate
from mlx.nn import value_and_grad


def loss_fn(model, x, y):
    return mx.mean(mx.square(model(x) - y))


def train_step(model, optimizer, x, y):
    loss_and_grads = value_and_grad(model, loss_fn)
    loss, grads = loss_and_grads(model, x, y)
    optimizer.update(model, grads)
    evaluate(optimizer.state, model.parameters(), loss)
    return loss


def train(model, optimizer, x, y, steps, on_step=None):
    losses = []
    for step in range(steps):
        loss = train_step(model, optimizer, x, y)
        losses.append(float(loss))
        if on_step:
            on_step(step, loss)
    return losses
