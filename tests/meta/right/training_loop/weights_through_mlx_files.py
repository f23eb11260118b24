"""Writes the flattened parameters with mx.save_safetensors or mx.savez by hand, refusing other
extensions, and loads them through mx.load and load_weights's list form (still lazy, still
checked)."""

from pathlib import Path

from mlx.utils import tree_flatten


def save_model(model, path):
    path = Path(path)
    weights = dict(tree_flatten(model.parameters()))
    if path.suffix == ".safetensors":
        mx.save_safetensors(str(path), weights)
    elif path.suffix == ".npz":
        mx.savez(str(path), **weights)
    else:
        raise ValueError(f"cannot save weights as {path.name}: use .safetensors or .npz")


def load_into(model, path):
    model.load_weights(list(mx.load(str(path)).items()))
    return model
