"""Forgets that MLX appends the extension: returns the path it was given, not the file written."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def save_array(path, a):
    mx.save(os.fspath(path), a)
    return Path(path)


def save_npz(path, *arrays, compressed=False, **named):
    (mx.savez_compressed if compressed else mx.savez)(os.fspath(path), *arrays, **named)
    return Path(path)
