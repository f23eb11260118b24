"""Never evaluates inside the loop and converts the losses at the end, so step k's graph holds
every step before it."""


def train(model, optimizer, x, y, steps, on_step=None):
    losses = []
    grad_fn = nn.value_and_grad(model, loss_fn)
    for step in range(steps):
        loss, grads = grad_fn(model, x, y)
        optimizer.update(model, grads)
        losses.append(loss)
        if on_step is not None:
            on_step(step, loss)
    mx.eval(losses, model.parameters(), optimizer.state)
    return [loss.item() for loss in losses]
