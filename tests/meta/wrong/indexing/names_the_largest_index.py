"""Reports the largest index when several are out of bounds, instead of the first one."""


def safe_take(x, indices):
    n = x.shape[0]
    if mx.any((indices < -n) | (indices >= n)).item():
        raise IndexError(
            f"index {mx.max(indices).item()} is out of bounds for axis 0 with size {n}"
        )
    return x[indices]
