"""The gradient taken with mx.value_and_grad over the parameters (swapped into the model, as
nn.value_and_grad does), the step evaluated with one mx.async_eval of the model itself and the
state, and the losses read after the loop."""


def train_step(model, optimizer, x, y):
    def loss_of(params):
        model.update(params)
        return loss_fn(model, x, y)

    loss, grads = mx.value_and_grad(loss_of)(model.trainable_parameters())
    optimizer.update(model, grads)
    mx.async_eval(loss, model, optimizer.state)
    return loss


def train(model, optimizer, x, y, steps, on_step=None):
    losses = []
    for step in range(steps):
        losses.append(train_step(model, optimizer, x, y))
        if on_step is not None:
            on_step(step, losses[-1])
    return [loss.item() for loss in losses]
