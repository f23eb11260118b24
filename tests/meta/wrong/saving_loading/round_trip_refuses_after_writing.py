"""Lets mx.load refuse an unknown format: ValueError comes, but only after a file was written."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def round_trip(a, folder, fmt):
    path = os.fspath(Path(folder) / f"array.{fmt}")
    writers = {
        "npz": lambda: mx.savez(path, array=a),
        "safetensors": lambda: mx.save_safetensors(path, {"array": a}),
        "gguf": lambda: mx.save_gguf(path, {"array": a}),
    }
    writers.get(fmt, lambda: mx.save(path, a))()
    loaded = mx.load(path, stream=mx.cpu)
    return loaded if fmt == "npy" else loaded["array"]
