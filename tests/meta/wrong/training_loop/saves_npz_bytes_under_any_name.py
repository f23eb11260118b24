"""Writes npz bytes into whatever file it is given, so a `.safetensors` file is really a zip,
and an unknown extension is accepted."""

from mlx.utils import tree_flatten


def save_model(model, path):
    with open(path, "wb") as file:
        mx.savez(file, **dict(tree_flatten(model.parameters())))
