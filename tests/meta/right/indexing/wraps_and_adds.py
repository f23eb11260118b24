"""Maps negative indices to positions before gathering (harmless, the kernels would too), builds
the differences as a column plus a negated row, and keeps the masked-out entries with a full array
and mx.where."""


def safe_take(x, indices):
    n = x.shape[0]
    indices = indices.astype(mx.int64)  # wide enough for n, -n and any index of any dtype
    out_of_range = mx.logical_or(indices < -n, indices >= n)
    if out_of_range.any().item():
        position = mx.argmax(out_of_range.flatten()).item()
        raise IndexError(
            f"index {indices.flatten()[position].item()} is out of bounds for axis 0 with size {n}"
        )
    return x[mx.where(indices < 0, indices + n, indices)]


def pairwise_differences(x):
    return x[:, mx.newaxis] + (-x)[mx.newaxis, :]


def keep_where(x, mask, fill):
    return mx.where(mask, x, mx.full(x.shape, fill, dtype=x.dtype))


def cards_between(deck, first, last, step=1):
    return deck[slice(first - 1, last, step)]
