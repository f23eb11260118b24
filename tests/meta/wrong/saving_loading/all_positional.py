"""Passes every array positionally to savez: the keyword names are lost (arr_0, arr_1, arr_2)."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def save_npz(path, *arrays, compressed=False, **named):
    (mx.savez_compressed if compressed else mx.savez)(os.fspath(path), *arrays, *named.values())
    return _written_as(path, ".npz")
