"""Computes the loss and the gradients but never hands them to the optimizer, so the model never
learns (everything is still evaluated once per step)."""


def train_step(model, optimizer, x, y):
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    mx.eval(loss, grads, model.parameters(), optimizer.state)
    return loss
