"""Writes any format it does not know as .npy instead of refusing it."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def round_trip(a, folder, fmt):
    path = os.fspath(Path(folder) / f"array.{fmt}")
    if fmt == "npz":
        mx.savez(path, array=a)
    elif fmt == "safetensors":
        mx.save_safetensors(path, {"array": a})
    elif fmt == "gguf":
        mx.save_gguf(path, {"array": a})
    else:
        mx.save(path, a)
        return mx.load(path if fmt == "npy" else path + ".npy", stream=mx.cpu)
    return mx.load(path, stream=mx.cpu)["array"]
