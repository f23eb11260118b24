"""Turns off the shape and name checks when loading, so weights of another model load silently."""


def load_into(model, path):
    return model.load_weights(str(path), strict=False)
