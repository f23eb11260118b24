"""Exercise 9: conversions to other frameworks.

An MLX array can leave MLX through two standard doors, and each framework picks one of them.

1. The buffer protocol. `memoryview(a)` describes MLX's memory with a format code and a shape:
   `'i'` for int32, `'f'` for float32, `'q'` for int64, `'e'` for float16, `'?'` for bool. bfloat16
   has no code in that standard (PEP 3118), so MLX reports the format `'bfloat16'` and every reader
   of the buffer protocol (NumPy, `jnp.array`) refuses it with
   `ValueError: 'bfloat16' is not a valid PEP 3118 buffer format string`.
2. DLPack. `a.__dlpack__()` hands over a described tensor (dtype, shape, strides, device) and
   `a.__dlpack_device__()` says where the memory lives, as `(device type, device index)`: type 1 is
   the CPU, 2 a CUDA GPU, 8 Metal. MLX reports `(1, 0)` on a CPU build and `(8, 0)` on Apple
   silicon. `np.from_dlpack(a)` is a view of MLX's memory (NumPy marks it read-only), not a copy.

Copy or share? Converters fall in two groups, and only the copies "freeze" the values:
- share MLX's memory: `np.asarray(a)`, `np.array(a, copy=False)`, `np.from_dlpack(a)`,
  `torch.as_tensor(a)`, `torch.from_dlpack(a)` (on the CPU). A write through them changes `a`.
- copy: `np.array(a)`, `torch.tensor(a)`, `jnp.array(a)`, `tf.constant(a)`, and `mx.array(x)` for
  anything coming back into MLX. `jax.dlpack.from_dlpack(a)` copied too when measured on a CPU
  build of MLX 0.32.4 with JAX 0.10: DLPack allows sharing, it does not promise it.

PyTorch. Since MLX 0.32 MLX arrays speak DLPack to PyTorch: `torch.as_tensor(a)` and
`torch.from_dlpack(a)` are zero-copy on the CPU, `torch.tensor(a)` copies, and all of them keep the
dtype, bfloat16 included. Back to MLX with `mx.array(t)` (a copy, dtype kept; `mx.asarray(t)` shares
only with Metal tensors). The chapter advises `torch.tensor(memoryview(a))`: that is out of date.
PyTorch reads a memoryview as a plain Python sequence, element by element, so int32 and uint8
become int64, and a 2-D array, or a float16 one, fails with
`ValueError: could not determine the shape of object type 'memoryview'`. The chapter's own printed
output (`dtype=int64`) is that artefact, not a PyTorch rule.

JAX. The chapter says JAX is lazy by default and that `jit` makes it eager; it is the other way
round. JAX runs each operation eagerly, as soon as it is called (dispatched asynchronously, so
Python does not wait for the result), and `jax.jit` is the opt-in mode that traces a function
into a graph and compiles it. MLX is the framework that is lazy by default. `jnp.array(a)` copies
through the buffer protocol, which works for int32 or float32 but not for bfloat16; use
`jax.dlpack.from_dlpack(a)`, which keeps bfloat16 (it needs a compact array, not a strided slice).
Unless 64-bit mode is on, JAX turns int64 into int32 whichever way you convert.

TensorFlow. `tf.constant(a)` reads an MLX array directly and keeps its dtype; the chapter's
`tf.constant(memoryview(a))` detour is not needed, and it is harmful: TensorFlow also reads the
memoryview as a sequence, so int64 and uint8 become int32, and float16 or 2-D arrays fail. Back
with `mx.array(t)`. bfloat16 does not pass this way either: convert it with `astype` first.

All three frameworks are optional here: `pip install -e '.[frameworks]'` installs them. The checks
of a framework that is not installed are skipped; the other checks still grade.
"""

import mlx.core as mx
import numpy as np


def buffer_info(a: mx.array) -> tuple[str, tuple[int, ...]]:
    """Return `(format, shape)` of `a` as the buffer protocol describes it.

    `format` is the struct-style format string of the buffer (`'i'` for int32, `'bfloat16'` for
    bfloat16) and `shape` a tuple of ints. Read them from the buffer itself; a bfloat16 array
    must work too.
    """
    # TODO: ask the buffer protocol.
    raise NotImplementedError("TODO buffer_info: return the buffer's format and shape")


def share_with_numpy(a: mx.array) -> np.ndarray:
    """Return a NumPy array that SHARES `a`'s memory, obtained through DLPack.

    Same dtype and shape as `a`, no copy: a later write into `a`'s memory shows in the result.
    """
    # TODO: import `a` into NumPy through DLPack.
    raise NotImplementedError("TODO share_with_numpy: a zero-copy NumPy array via DLPack")


def dlpack_device(x) -> tuple[str, int]:
    """Return where the memory of the DLPack producer `x` lives, as `(kind, index)`.

    `x` is any object with a `__dlpack_device__()` method (an MLX array, a NumPy array, a torch
    tensor...). It returns `(device type, device index)`. Map device type 1 to `"cpu"`, 2 to
    `"cuda"` and 8 to `"metal"`; raise ValueError for any other type. `index` is the device index
    as a Python int.
    """
    # TODO: ask x for its DLPack device and translate the type code.
    raise NotImplementedError("TODO dlpack_device: read x.__dlpack_device__() and name the device")


def to_torch(a: mx.array, share: bool):
    """Return a torch.Tensor with `a`'s dtype (bfloat16 included), shape and values.

    share=True: the tensor shares `a`'s memory, so a write through it is seen by `a`.
    share=False: the tensor is an independent copy.
    Import torch inside the function: it is an optional dependency.
    """
    # TODO: convert with PyTorch's DLPack-aware functions.
    raise NotImplementedError("TODO to_torch: a shared tensor or a copy, dtype kept")


def to_jax(a: mx.array):
    """Return a JAX array with `a`'s dtype, shape and values; bfloat16 arrays must work too.

    `a` is contiguous and its dtype is one JAX keeps in 32-bit mode (not int64, uint64 or
    float64). Import jax inside the function: it is an optional dependency.
    """
    # TODO: pick a conversion that does not go through the buffer protocol.
    raise NotImplementedError("TODO to_jax: a JAX array with the same dtype")


def to_tensorflow(a: mx.array):
    """Return a tf.Tensor with `a`'s dtype, shape and values.

    `a` is one of int32, int64, uint8, float16, float32 or bool. Import tensorflow inside the
    function: it is an optional dependency.
    """
    # TODO: hand the MLX array to TensorFlow directly.
    raise NotImplementedError("TODO to_tensorflow: a TensorFlow tensor with the same dtype")
