"""The chapter's loop: evaluates the loss and the parameters but not the optimizer state, whose
step counter (and Adam's moments) are left as graphs."""


def train_step(model, optimizer, x, y):
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    optimizer.update(model, grads)
    mx.eval(loss, model.parameters())
    return loss
