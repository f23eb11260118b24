"""The preview through flatten() and a slice of the exact length; the metadata read one by one."""


def describe_without_evaluating(a):
    info = {"shape": a.shape, "dtype": a.dtype, "size": a.size}
    info["ndim"] = len(a.shape)
    info["nbytes"] = a.size * a.dtype.size
    info["preview"] = a.flatten()[: min(3, a.size)]
    return info
