"""Evaluates every second step only, to save time, so the graph doubles in between."""


def train(model, optimizer, x, y, steps, on_step=None):
    losses = []
    grad_fn = nn.value_and_grad(model, loss_fn)
    for step in range(steps):
        loss, grads = grad_fn(model, x, y)
        optimizer.update(model, grads)
        if step % 2 == 1 or step == steps - 1:
            mx.eval(loss, model.parameters(), optimizer.state)
        losses.append(loss)
        if on_step is not None:
            on_step(step, loss)
    mx.eval(losses)
    return [loss.item() for loss in losses]
