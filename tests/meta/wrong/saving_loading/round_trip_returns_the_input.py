"""Writes the file but returns `a` itself instead of what was loaded back."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def round_trip(a, folder, fmt):
    path = os.fspath(Path(folder) / f"array.{fmt}")
    if fmt == "npy":
        mx.save(path, a)
    elif fmt == "npz":
        mx.savez(path, array=a)
    elif fmt == "safetensors":
        mx.save_safetensors(path, {"array": a})
    else:
        mx.save_gguf(path, {"array": a})
    return a
