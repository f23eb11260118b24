"""Writes the step out in train and calls on_step before the step's evaluation, so the callback
sees a graph still pending."""


def train(model, optimizer, x, y, steps, on_step=None):
    grad_fn = nn.value_and_grad(model, loss_fn)
    losses = []
    for step in range(steps):
        loss, grads = grad_fn(model, x, y)
        optimizer.update(model, grads)
        if on_step is not None:
            on_step(step, loss)
        mx.eval(loss, model.parameters(), optimizer.state)
        losses.append(loss.item())
    return losses
