"""Leaves the loss out of the step's mx.eval, so turning it into a float in train starts a second
evaluation every step."""


def train_step(model, optimizer, x, y):
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    optimizer.update(model, grads)
    mx.eval(model.parameters(), optimizer.state)
    return loss


def train(model, optimizer, x, y, steps, on_step=None):
    losses = []
    for step in range(steps):
        loss = train_step(model, optimizer, x, y)
        losses.append(float(loss))
        if on_step is not None:
            on_step(step, loss)
    return losses
