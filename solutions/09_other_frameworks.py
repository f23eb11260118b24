"""Exercise 9: conversions to other frameworks (reference solution)."""

import mlx.core as mx
import numpy as np

# DLPack device type codes (DLDeviceType in dlpack.h) that this exercise names.
_DEVICE_KINDS = {1: "cpu", 2: "cuda", 8: "metal"}
_CPU = (1, 0)


def buffer_info(a: mx.array) -> tuple[str, tuple[int, ...]]:
    """Return `(format, shape)` of `a` as the buffer protocol describes it."""
    # memoryview asks MLX for its buffer description; no NumPy involved, so bfloat16 works.
    view = memoryview(a)
    return view.format, tuple(view.shape)


def snapshot(a: mx.array) -> bytes:
    """Return the raw bytes of `a`'s memory as an independent `bytes` object."""
    # bytes() copies what the live memoryview shows; raw bytes need no format, so bfloat16 works.
    return bytes(memoryview(a))


def write_into_buffer(a: mx.array, index: int, value: int | float) -> None:
    """Write `value` at flat position `index` of `a`'s memory, in place."""
    view = memoryview(a)
    # A memoryview takes one index per dimension; casting through bytes makes it flat.
    view.cast("B").cast(view.format)[index] = value


def share_with_numpy(a: mx.array) -> np.ndarray:
    """Return a read-only NumPy array that shares `a`'s memory, obtained through DLPack."""
    # device="cpu" makes NumPy pass dl_device=(1, 0): on Apple silicon MLX's default DLPack
    # device is Metal, which NumPy cannot import. NumPy marks DLPack imports read-only.
    return np.from_dlpack(a, device="cpu")


def dlpack_device(x) -> tuple[str, int]:
    """Return where the memory of the DLPack producer `x` lives, as `(kind, index)`."""
    kind, index = x.__dlpack_device__()
    # Producers may return IntEnum members (PyTorch does); int() makes plain codes of them.
    name = _DEVICE_KINDS.get(int(kind))
    if name is None:
        raise ValueError(f"unsupported DLPack device type {int(kind)}")
    return name, int(index)


class CpuExport:
    """A DLPack producer that hands out `array`'s memory as CPU memory, on every platform."""

    def __init__(self, array: mx.array) -> None:
        self.array = array

    def __dlpack_device__(self) -> tuple[int, int]:
        """Report the CPU, `(1, 0)`."""
        return _CPU

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """Return `array`'s DLPack capsule for the CPU device."""
        if dl_device is not None and tuple(dl_device) != _CPU:
            raise BufferError(f"CpuExport exports to the CPU only, not to {tuple(dl_device)}")
        # Metal buffers are unified memory: MLX can hand out the same bytes as a CPU pointer.
        return self.array.__dlpack__(dl_device=_CPU, copy=copy)


def to_torch(a: mx.array, share: bool):
    """Return a CPU torch.Tensor with `a`'s dtype, shape and values, shared or copied."""
    import torch

    # Both go through DLPack, which carries the dtype (bfloat16 too). CpuExport keeps the tensor
    # on the CPU on Apple silicon, where MLX alone would export Metal memory (an MPS tensor).
    cpu = CpuExport(a)
    return torch.as_tensor(cpu) if share else torch.tensor(cpu)


def to_jax(a: mx.array):
    """Return a JAX array with `a`'s dtype, shape and values; bfloat16 arrays must work too."""
    import jax

    # The buffer protocol (jnp.array) has no bfloat16 format; DLPack does. JAX has no Metal
    # device type, so it gets a CPU export.
    return jax.dlpack.from_dlpack(CpuExport(a))


def to_tensorflow(a: mx.array):
    """Return a tf.Tensor with `a`'s dtype, shape and values."""
    import tensorflow as tf

    # TensorFlow reads the MLX array's memory directly; no memoryview detour.
    return tf.constant(a)
