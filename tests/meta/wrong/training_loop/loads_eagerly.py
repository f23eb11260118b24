"""Evaluates the weights right after loading them, so the whole file is read at once."""


def load_into(model, path):
    model.load_weights(str(path))
    mx.eval(model.parameters())
    return model
