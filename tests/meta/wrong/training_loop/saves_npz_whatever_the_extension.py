"""Always writes an .npz archive, so a `.safetensors` path gets `weights.safetensors.npz`."""

from mlx.utils import tree_flatten


def save_model(model, path):
    mx.savez(str(path), **dict(tree_flatten(model.parameters())))
