"""Evaluates only the loss at the end of the step, so the parameters and the optimizer state stay
graphs that the next step builds on."""


def train_step(model, optimizer, x, y):
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    optimizer.update(model, grads)
    mx.eval(loss)
    return loss
