"""Returns the lazy arrays from mx.load: they read the file only when evaluated, so an overwrite changes them."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def load_now(path):
    return mx.load(os.fspath(path))
