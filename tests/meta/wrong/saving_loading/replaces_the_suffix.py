"""Assumes the extension replaces the old suffix (`with_suffix`): "deck.txt" is written as deck.txt.npy, not deck.npy."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def save_array(path, a):
    target = Path(path).with_suffix(".npy")
    mx.save(os.fspath(path), a)
    return target
