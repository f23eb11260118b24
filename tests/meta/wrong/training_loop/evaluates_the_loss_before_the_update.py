"""Evaluates the loss first, to read it, then the update: two evaluations per step."""


def train_step(model, optimizer, x, y):
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    mx.eval(loss)
    optimizer.update(model, grads)
    mx.eval(model.parameters(), optimizer.state)
    return loss
