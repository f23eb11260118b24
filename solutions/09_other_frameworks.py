"""Exercise 9: conversions to other frameworks (reference solution)."""

import mlx.core as mx
import numpy as np

# DLPack device type codes (DLDeviceType in dlpack.h) that this exercise names.
_DEVICE_KINDS = {1: "cpu", 2: "cuda", 8: "metal"}


def buffer_info(a: mx.array) -> tuple[str, tuple[int, ...]]:
    """Return `(format, shape)` of `a` as the buffer protocol describes it."""
    # memoryview asks MLX for its buffer description; no NumPy involved, so bfloat16 works.
    view = memoryview(a)
    return view.format, tuple(view.shape)


def share_with_numpy(a: mx.array) -> np.ndarray:
    """Return a NumPy array that SHARES `a`'s memory, obtained through DLPack."""
    # from_dlpack wraps the producer's buffer: zero copy (NumPy marks it read-only).
    return np.from_dlpack(a)


def dlpack_device(x) -> tuple[str, int]:
    """Return where the memory of the DLPack producer `x` lives, as `(kind, index)`."""
    kind, index = x.__dlpack_device__()
    # Producers may return IntEnum members (PyTorch does); int() makes plain codes of them.
    name = _DEVICE_KINDS.get(int(kind))
    if name is None:
        raise ValueError(f"unsupported DLPack device type {int(kind)}")
    return name, int(index)


def to_torch(a: mx.array, share: bool):
    """Return a torch.Tensor with `a`'s dtype, shape and values, shared or copied."""
    import torch

    # Both go through DLPack, which carries the dtype (bfloat16 too) and the shape; as_tensor
    # wraps MLX's buffer, tensor() makes a copy of it.
    return torch.as_tensor(a) if share else torch.tensor(a)


def to_jax(a: mx.array):
    """Return a JAX array with `a`'s dtype, shape and values; bfloat16 arrays must work too."""
    import jax

    # The buffer protocol (jnp.array) has no bfloat16 format; DLPack does.
    return jax.dlpack.from_dlpack(a)


def to_tensorflow(a: mx.array):
    """Return a tf.Tensor with `a`'s dtype, shape and values."""
    import tensorflow as tf

    # TensorFlow reads the MLX array's buffer directly; no memoryview detour.
    return tf.constant(a)
