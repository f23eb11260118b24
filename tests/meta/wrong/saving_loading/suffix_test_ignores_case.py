"""Compares the extension case-insensitively: MLX writes "deck.NPY" as deck.NPY.npy, not deck.NPY."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def save_array(path, a):
    mx.save(os.fspath(path), a)
    name = os.fspath(path)
    return Path(name if name.lower().endswith(".npy") else name + ".npy")
