"""Evaluates right after loading: right values, but the load is no longer lazy."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def load_checkpoint(path):
    arrays, metadata = mx.load(os.fspath(path), return_metadata=True)
    mx.eval(arrays)
    return arrays, metadata


def round_trip(a, folder, fmt):
    path = os.fspath(Path(folder) / f"array.{fmt}")
    writers = {
        "npy": lambda: mx.save(path, a),
        "npz": lambda: mx.savez(path, array=a),
        "safetensors": lambda: mx.save_safetensors(path, {"array": a}),
        "gguf": lambda: mx.save_gguf(path, {"array": a}),
    }
    writers[fmt]()
    loaded = mx.load(path)
    loaded = loaded if fmt == "npy" else loaded["array"]
    mx.eval(loaded)
    return loaded
