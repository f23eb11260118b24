"""Names every device type it does not know "cpu" instead of raising ValueError."""


def dlpack_device(x):
    kind, index = x.__dlpack_device__()
    return {2: "cuda", 8: "metal"}.get(int(kind), "cpu"), int(index)
