"""An MLX array as it behaves on Apple silicon, for checks that run on any machine.

Where Metal is available, MLX (read at tag v0.32.1) differs from a CPU-only build in what it tells
DLPack, and nowhere else that a check can see:

- `__dlpack_device__` answers `(8, 0)`, Metal, whenever `mx.metal.is_available()`
  (python/src/array.cpp, the `__dlpack_device__` binding).
- `__dlpack__` with no `dl_device` exports Metal memory: a DLPack tensor of device type 8 whose
  data is the Metal buffer's handle, not a CPU pointer (python/src/convert.cpp,
  `mlx_to_nd_array`: `default_device` and `arr.buffer().ptr()`). With `dl_device=(1, 0)` it
  exports the CPU pointer of the same unified memory (`raw_ptr()`); CUDA device types raise
  `BufferError("CUDA DLPack export is not supported.")` and any other
  `BufferError("Cannot export mlx array to requested DLPack device.")`.
- The buffer protocol and `__array__` are the same as on the CPU: the buffer protocol hands out
  `a.data<void>()` (python/src/buffer.h, `getbuffer`), which on Apple silicon is CPU-visible
  memory, and `__array__` always exports for the CPU (convert.cpp, `mlx_to_np_array`). So
  `np.asarray(a)` shares memory and `np.array(a)` copies, as here.

NumPy's `from_dlpack` never asks `__dlpack_device__`; it takes the capsule and refuses a device it
cannot read: "Unsupported device in DLTensor.", a RuntimeError up to NumPy 2.4 and a BufferError
from 2.5 (numpy/_core/src/multiarray/dlpack.c, `from_dlpack`; both measured). `MetalArray` below is a real `mx.array` with these two methods
replaced; its Metal export is a real DLPack capsule of device type 8, so every consumer raises
its own error, as it would on a Mac.
"""

from __future__ import annotations

import ctypes
from typing import Any

import mlx.core as mx

METAL = 8  # kDLMetal
CPU = 1  # kDLCPU
CUDA_TYPES = (2, 13)  # kDLCUDA, kDLCUDAManaged


class _Device(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _Tensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", _Device),
        ("ndim", ctypes.c_int32),
        ("dtype", _DataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


class _ManagedTensor(ctypes.Structure):
    _fields_ = [
        ("dl_tensor", _Tensor),
        ("manager_ctx", ctypes.c_void_p),
        ("deleter", ctypes.c_void_p),  # NULL: the memory below lives as long as this module
    ]


_CAPSULE_NAME = ctypes.c_char_p(b"dltensor")
_PyCapsule_New = ctypes.pythonapi.PyCapsule_New
_PyCapsule_New.restype = ctypes.py_object
_PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
# Every Metal export made here, kept alive: a consumer that raises never calls a deleter.
_EXPORTS: list[Any] = []


def _type_code(dtype: mx.Dtype) -> int:
    """DLPack's type code for an MLX dtype (dlpack.h, DLDataTypeCode)."""
    if dtype == mx.bool_:
        return 6  # kDLBool
    if dtype == mx.bfloat16:
        return 4  # kDLBfloat
    for category, code in [
        (mx.signedinteger, 0),
        (mx.unsignedinteger, 1),
        (mx.floating, 2),
        (mx.complexfloating, 5),
    ]:
        if mx.issubdtype(dtype, category):
            return code
    raise ValueError(f"no DLPack type code for {dtype}")


def _metal_capsule(a: mx.array) -> Any:
    """A DLPack capsule describing `a` on Metal device 0, with an opaque (non-CPU) data handle."""
    shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
    managed = _ManagedTensor()
    managed.dl_tensor.data = 0x1000  # a handle, as a Metal buffer's is: never a CPU address
    managed.dl_tensor.device = _Device(METAL, 0)
    managed.dl_tensor.ndim = a.ndim
    managed.dl_tensor.dtype = _DataType(_type_code(a.dtype), a.itemsize * 8, 1)
    managed.dl_tensor.shape = shape
    _EXPORTS.append((managed, shape))
    return _PyCapsule_New(ctypes.addressof(managed), _CAPSULE_NAME, None)


class MetalArray(mx.array):
    """An `mx.array` that answers DLPack as MLX does where Metal is available.

    Make one with `metal_array(a)`. Its values, dtype, buffer protocol, `__array__` and every
    operation are a real array's; only `__dlpack_device__` and `__dlpack__` differ, as the module
    docstring lays out with the source lines they rest on.
    """

    def __dlpack_device__(self) -> tuple[int, int]:
        return (METAL, 0)

    def __dlpack__(
        self,
        *,
        stream: Any = None,
        max_version: Any = None,
        dl_device: tuple[int, int] | None = None,
        copy: bool | None = None,
    ) -> Any:
        device_type, device_id = dl_device if dl_device is not None else (METAL, 0)
        if device_type in CUDA_TYPES:
            raise BufferError("CUDA DLPack export is not supported.")
        if device_type not in (CPU, METAL):
            raise BufferError("Cannot export mlx array to requested DLPack device.")
        if device_type == CPU:
            return super().__dlpack__(dl_device=(CPU, device_id), copy=copy)
        source = mx.array(self) if copy else self
        mx.eval(source)
        return _metal_capsule(source)


def metal_array(a: mx.array) -> MetalArray:
    """An evaluated `MetalArray` holding `a`'s dtype, shape and values in memory of its own."""
    metal = MetalArray(a)
    mx.eval(metal)
    return metal
