"""Ops imported from mlx.core by name, a reason that never says "GPU" (it names Metal and CUDA),
and the backend found with mx.is_available and device_info instead of a helper."""

from mlx.core import add, exp, matmul, negative


def dependent_adds(a, b, s1, s2):
    c = add(a, b, stream=s1)
    return c, add(a, c, stream=s2)


def split_work(a, b, d1, d2, exps=500):
    product = matmul(a, b, stream=d1)
    for _ in range(exps):
        b = exp(negative(b, stream=d2), stream=d2)
    return product, b


def pick_gpu():
    if mx.metal.is_available():
        return mx.Device(mx.gpu), "Metal is available: running on its GPU"
    if mx.cuda.is_available():
        return mx.Device(mx.gpu), "CUDA is available: running on its GPU"
    return mx.Device(
        mx.cpu
    ), "Metal and CUDA are both unavailable here, so everything runs on the CPU"
