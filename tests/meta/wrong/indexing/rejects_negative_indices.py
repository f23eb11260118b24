"""Treats every negative index as out of bounds, although Python (and MLX) accept -n..-1."""


def safe_take(x, indices):
    n = x.shape[0]
    bad = (indices < 0) | (indices >= n)
    if mx.any(bad).item():
        first = indices.reshape(-1)[mx.argmax(bad.reshape(-1))].item()
        raise IndexError(f"index {first} is out of bounds for axis 0 with size {n}")
    return x[indices]
