"""Converts bfloat16 to float32 before saving "to be safe": the dtype does not survive the round trip."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def save_checkpoint(path, params, metadata):
    params = {k: v.astype(mx.float32) if v.dtype == mx.bfloat16 else v for k, v in params.items()}
    mx.save_safetensors(os.fspath(path), params, metadata=metadata)
    return _written_as(path, ".safetensors")
