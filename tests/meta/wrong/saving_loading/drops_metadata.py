"""Saves the safetensors file without its metadata."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def save_checkpoint(path, params, metadata):
    mx.save_safetensors(os.fspath(path), params)
    return _written_as(path, ".safetensors")
