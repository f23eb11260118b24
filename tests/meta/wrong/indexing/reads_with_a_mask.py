"""Reads with a boolean mask as in NumPy (`x[mask]`), which MLX refuses with ValueError."""


def keep_where(x, mask, fill):
    out = mx.full(x.shape, fill, dtype=x.dtype)
    out[mask] = x[mask]
    return out
