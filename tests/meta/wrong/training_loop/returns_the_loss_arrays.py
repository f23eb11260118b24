"""Returns the losses as the evaluated mx.array scalars instead of Python floats."""


def train(model, optimizer, x, y, steps, on_step=None):
    losses = []
    for step in range(steps):
        losses.append(train_step(model, optimizer, x, y))
        if on_step is not None:
            on_step(step, losses[-1])
    return losses
