"""Compares the indices with -n and n in their own dtype: uint8 indices raise ValueError (-n does
not fit a uint8), and int8 indices overflow once the axis has 128 entries or more."""


def safe_take(x, indices):
    n = x.shape[0]
    bad = (indices < -n) | (indices >= n)
    if mx.any(bad).item():
        first_bad = indices.reshape(-1)[mx.argmax(bad.reshape(-1))].item()
        raise IndexError(f"index {first_bad} is out of bounds for axis 0 with size {n}")
    return x[indices]
