"""Exercise 9: conversions to other frameworks.

An MLX array leaves MLX through two standard doors. Which door you take, and what you ask for at
the door, decides whether the other side SHARES MLX's memory or gets a COPY, and whether the
conversion works on a Mac at all.

1. The buffer protocol. `memoryview(a)` is a live, writable window on MLX's memory (it evaluates a
   lazy `a` first). It describes the memory with a struct-style format code and a shape: `'i'` for
   int32, `'f'` for float32, `'q'` for int64, `'e'` for float16, `'B'` for uint8, `'?'` for bool.
   bfloat16 has no code in that standard (PEP 3118), so MLX reports the format `'bfloat16'`, and
   readers that need a standard code (NumPy, `jnp.array`) refuse it with `ValueError: 'bfloat16'
   is not a valid PEP 3118 buffer format string`. Raw bytes are fine: `bytes(memoryview(a))` is a
   COPY of the bytes of any dtype, while a write through the memoryview itself changes `a`.
   A memoryview takes exactly one index per dimension; `mv.cast("B").cast(mv.format)` gives a
   flat view of a contiguous buffer (for the formats `cast` knows, such as 'i', 'q', 'B', 'f';
   not 'e').

2. DLPack. `a.__dlpack__()` hands a consumer a described tensor (dtype, shape, strides, device),
   and `a.__dlpack_device__()` says where the memory lives, as `(device type, device index)`: type
   1 is the CPU, 2 a CUDA GPU, 8 Metal. Consumers (`np.from_dlpack`, `torch.from_dlpack`,
   `jax.dlpack.from_dlpack`) call `__dlpack__` for you, and PyTorch and JAX ask
   `__dlpack_device__` first (NumPy never does); they share memory when they can.
   `__dlpack__` takes keyword options a consumer may pass: `dl_device=(type, index)` asks for the
   memory on that device, and `copy=True` asks for a copy, `copy=False` for no copy (None: share if
   possible).

Apple silicon. MLX reports `(1, 0)` on a CPU-only build, but `(8, 0)` (Metal) whenever Metal is
available, and without `dl_device` it then exports a Metal buffer handle, not a CPU pointer.
NumPy accepts only CPU memory ("Unsupported device in DLTensor.", a BufferError from NumPy 2.5, a
RuntimeError before), JAX has no Metal entry at all (`TypeError: ... unsupported device type`),
and PyTorch 2.12+ makes an MPS tensor of it. Metal buffers are unified memory, so MLX can also export the very same bytes as CPU
memory; ask for that with `dl_device=(1, 0)`:
- `np.from_dlpack(a, device="cpu")` passes `dl_device=(1, 0)` for you (NumPy 2.1 and later).
- JAX and PyTorch cannot ask MLX for it: they read `__dlpack_device__()` first. JAX then refuses
  Metal; PyTorch imports it as an MPS tensor, and with `device="cpu"` copies that to the CPU.
  Hand them a small producer that reports the CPU and exports with `dl_device=(1, 0)` (MLX's own
  test suite does exactly this). You write one below: `CpuExport`.

Copy or share? Only the copies "freeze" the values:
- share MLX's memory: `memoryview(a)`, `np.asarray(a)`, `np.from_dlpack(a, device="cpu")` (read-
  only: MLX hands NumPy an unversioned capsule, which NumPy marks read-only; a versioned one can
  say writable), `torch.as_tensor(...)` and `torch.from_dlpack(...)` of a CPU export.
  A write into `a`'s memory shows through them.
- copy: `bytes(memoryview(a))`, `np.array(a)`, `torch.tensor(...)`, `jnp.array(a)`, `tf.constant(a)`
  and anything made with `copy=True`. `jax.dlpack.from_dlpack` may share or copy: DLPack allows
  sharing, it does not promise it.
- back into MLX: `mx.array(x)` always copies. `mx.asarray(x)` and `mx.from_dlpack(x)` share
  when they can: on Apple silicon that includes CPU memory (a NumPy array or a CPU torch tensor)
  whose address Metal can wrap, and PyTorch MPS tensors; on Linux they copy CPU memory. Pass
  `copy=True` to be sure of a copy; `copy=False` raises ValueError where sharing is impossible.

Writes through a shared window go behind MLX's back. MLX's graph does not record them: an array
built lazily from `a` before the write, and evaluated after it, computes with the NEW bytes. An
MLX update such as `a[i] = v` is the opposite: it records an operation, and arrays built before it
keep the old values (exercise 6).

PyTorch. The chapter's `torch.tensor(memoryview(a))` is out of date: PyTorch reads a memoryview as
a Python sequence, element by element, so int32 becomes int64, and a 2-D or float16 array fails
with `ValueError: could not determine the shape of object type 'memoryview'`. PyTorch speaks
DLPack: `torch.as_tensor(x)` and `torch.from_dlpack(x)` share, `torch.tensor(x)` copies, and all
keep the dtype, bfloat16 included.

JAX. The chapter says JAX is lazy by default and that `jit` makes it eager; it is the other way
round. JAX runs each operation eagerly (dispatched asynchronously), and `jax.jit` is the opt-in
mode that traces a function into a graph and compiles it. `jnp.array(a)` goes through the buffer
protocol, so it cannot take bfloat16; `jax.dlpack.from_dlpack(x)` can. Unless 64-bit mode is on,
JAX turns int64 into int32 whichever way you convert.

TensorFlow. `tf.constant(a)` reads an MLX array directly (MLX hands it CPU memory) and keeps its
dtype; the chapter's `tf.constant(memoryview(a))` detour reads a sequence, so int64 and uint8 become
int32 and float16 or 2-D arrays fail. bfloat16 does not pass this way: `astype` it first.

The core of this exercise needs only NumPy. PyTorch, JAX and TensorFlow are optional: `pip install
-e '.[frameworks]'` installs them, and the checks of a framework that is not installed are skipped.
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


def snapshot(a: mx.array) -> bytes:
    """Return the raw bytes of `a`'s memory as an independent `bytes` object.

    Any dtype, bfloat16 included. The result must keep the bytes `a` had when `snapshot` was
    called, whatever is written into `a`'s memory afterwards.
    """
    # TODO: copy the buffer's bytes; a memoryview alone would stay a live window.
    raise NotImplementedError("TODO snapshot: copy a's bytes through the buffer protocol")


def write_into_buffer(a: mx.array, index: int, value: int | float) -> None:
    """Write `value` at flat position `index` of `a`'s memory, in place; return None.

    `a` is evaluated, contiguous, of any shape, and its dtype is one of int32, int64, uint8 or
    float32. Change the memory itself, the way a NumPy view or a memoryview does: the caller's
    `a` (same object) shows `value` at that position, and so does any array built lazily from `a`
    earlier and evaluated later. Recording an MLX update (`a[...] = value`) is not enough for that.
    """
    # TODO: write through a writable window on a's memory.
    raise NotImplementedError("TODO write_into_buffer: write value into a's memory")


def share_with_numpy(a: mx.array) -> np.ndarray:
    """Return a read-only NumPy array that SHARES `a`'s memory, obtained through DLPack.

    Same dtype and shape as `a`, no copy: a later write into `a`'s memory shows in the result.
    It must also work where MLX's DLPack device is Metal (Apple silicon): ask for the CPU.
    """
    # TODO: import `a` into NumPy through DLPack, on the CPU device.
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


class CpuExport:
    """A DLPack producer that hands out `array`'s memory as CPU memory, on every platform.

    Consumers that cannot ask MLX for the CPU themselves (JAX, PyTorch, NumPy before 2.1) take a
    `CpuExport(a)` wherever they take an array, and get a CPU view of `a` even on Apple silicon.
    """

    def __init__(self, array: mx.array) -> None:
        self.array = array

    def __dlpack_device__(self) -> tuple[int, int]:
        """Report the CPU, `(1, 0)`, whatever `array.__dlpack_device__()` says."""
        # TODO: the device this producer exports to.
        raise NotImplementedError("TODO CpuExport.__dlpack_device__: report the CPU")

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """Return `array`'s DLPack capsule for the CPU device.

        Consumers call this with keyword options. Forward `copy` (True: the consumer gets a copy;
        False or None: it shares) and always ask `array` for the CPU with `dl_device=(1, 0)`.
        `stream` and `max_version` may be ignored. A consumer that asks for any other device
        (`dl_device` not None and not `(1, 0)`) must be refused with BufferError.
        """
        # TODO: refuse other devices, then ask self.array for a CPU capsule, passing copy on.
        raise NotImplementedError("TODO CpuExport.__dlpack__: export array on the CPU")


def to_torch(a: mx.array, share: bool):
    """Return a CPU torch.Tensor with `a`'s dtype (bfloat16 included), shape and values.

    share=True: the tensor shares `a`'s memory, so a write through it is seen by `a`.
    share=False: the tensor is an independent copy.
    It must be a CPU tensor on Apple silicon too. Import torch inside the function: it is an
    optional dependency.
    """
    # TODO: convert with PyTorch's DLPack-aware functions, from a CPU export.
    raise NotImplementedError("TODO to_torch: a shared CPU tensor or a copy, dtype kept")


def to_jax(a: mx.array):
    """Return a JAX array with `a`'s dtype, shape and values; bfloat16 arrays must work too.

    `a` is contiguous and its dtype is one JAX keeps in 32-bit mode (not int64, uint64 or
    float64). It must work on Apple silicon too. Import jax inside the function: it is an
    optional dependency.
    """
    # TODO: pick a conversion that does not go through the buffer protocol and reaches the CPU.
    raise NotImplementedError("TODO to_jax: a JAX array with the same dtype")


def to_tensorflow(a: mx.array):
    """Return a tf.Tensor with `a`'s dtype, shape and values.

    `a` is one of int32, int64, uint8, float16, float32 or bool. Import tensorflow inside the
    function: it is an optional dependency.
    """
    # TODO: hand the MLX array to TensorFlow directly.
    raise NotImplementedError("TODO to_tensorflow: a TensorFlow tensor with the same dtype")
