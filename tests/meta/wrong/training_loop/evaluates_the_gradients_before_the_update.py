"""Evaluates the loss and the gradients (to look at them) before the update, then the update:
two evaluations per step."""


def train_step(model, optimizer, x, y):
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    mx.eval(loss, grads)
    optimizer.update(model, grads)
    mx.eval(model.parameters(), optimizer.state)
    return loss
