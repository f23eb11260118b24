"""Ignores `compressed`: always writes an uncompressed archive with mx.savez."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def save_npz(path, *arrays, compressed=False, **named):
    mx.savez(os.fspath(path), *arrays, **named)
    return _written_as(path, ".npz")
