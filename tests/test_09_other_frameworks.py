"""Checks for exercise 9: conversions to other frameworks.

The buffer-protocol and DLPack checks need only NumPy and always grade. The checks of a framework
that is not installed are skipped by its fixture, before the check runs.

`metal_array` (grader/apple_silicon.py) makes the Apple silicon case gradable everywhere: a real
`mx.array` that reports the DLPack device Metal `(8, 0)` and, unless the consumer passes
`dl_device=(1, 0)`, exports a DLPack tensor of Metal memory, as MLX does wherever Metal is
available. NumPy rejects such an export ("Unsupported device in DLTensor") and JAX has no Metal
platform, so code that only works where MLX reports the CPU fails here as it would on a Mac. The
module cites the MLX source lines each behaviour rests on.
"""

import importlib
import os
import platform
import sys

import mlx.core as mx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.apple_silicon import metal_array
from grader.checklib import describe, expect, expect_ndarray

INSTALL = "pip install -e '.[frameworks]'"
# PyPI's PyTorch for Linux x86_64 is a CUDA build of several GB; the CPU build lives elsewhere.
TORCH = (
    "pip install torch --index-url https://download.pytorch.org/whl/cpu (its CPU build: PyPI's "
    "brings several GB of CUDA libraries)"
    if sys.platform == "linux"
    else f"{INSTALL} (or pip install torch)"
)
# PyPI has a CPU-only TensorFlow for Linux x86_64 alone; elsewhere `tensorflow` is the CPU build.
TENSORFLOW = (
    "tensorflow-cpu" if sys.platform == "linux" and platform.machine() == "x86_64" else "tensorflow"
)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason=f"PyTorch is not installed: {TORCH}")


@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax", reason=f"JAX is not installed: {INSTALL} (or pip install jax)")
    importlib.import_module("jax.dlpack")  # the submodule the students' code uses
    return jax


@pytest.fixture(scope="module")
def tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter quiet
    return pytest.importorskip(
        "tensorflow",
        reason=f"TensorFlow is not installed: {INSTALL} (or pip install {TENSORFLOW})",
    )


# Buffer-protocol format codes, as PEP 3118 / the struct module spell them.
FORMATS = {
    "bool": (mx.bool_, "?"),
    "uint8": (mx.uint8, "B"),
    "int16": (mx.int16, "h"),
    "int32": (mx.int32, "i"),
    "int64": (mx.int64, "q"),
    "float16": (mx.float16, "e"),
    "float32": (mx.float32, "f"),
    "bfloat16": (mx.bfloat16, "bfloat16"),
}
WRITABLE = {"int32": mx.int32, "int64": mx.int64, "uint8": mx.uint8, "float32": mx.float32}
DLPACK_KINDS = {1: "cpu", 2: "cuda", 8: "metal"}
SENTINEL = 77  # the arrays below hold values below 50, so 77 is never already there
APPLE = "<an MLX array as it is on Apple silicon>"

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def make_array(shape: tuple, dtype: mx.Dtype) -> mx.array:
    """An evaluated MLX array with its own buffer, values 0..49 (0/1 for bool)."""
    size = int(np.prod(shape))
    modulus = 2 if dtype == mx.bool_ else 50
    a = (mx.arange(size) % modulus).astype(dtype).reshape(shape)
    mx.eval(a)
    return a


def memory_of(a: mx.array) -> np.ndarray:
    """A zero-copy NumPy window on `a`'s buffer, made by the check, not by the student."""
    return np.asarray(a.view(mx.uint16) if a.dtype == mx.bfloat16 else a)


def same_array(x: mx.array, a: mx.array) -> bool:
    """True when `x` has `a`'s dtype, shape and values."""
    return x.dtype == a.dtype and x.shape == a.shape and mx.array_equal(x, a).item()


def shares(x: np.ndarray, a: mx.array) -> bool:
    return bool(np.shares_memory(x, memory_of(a)))


# --- buffer protocol -----------------------------------------------------------------------


@given(name=st.sampled_from(sorted(FORMATS)), shape=st.lists(st.integers(1, 4), max_size=3))
def test_buffer_info_reports_format_and_shape(student, name, shape):
    dtype, fmt = FORMATS[name]
    shape = tuple(shape)
    a = (make_array(shape, dtype) * 1).astype(dtype)  # lazy: the buffer protocol evaluates it
    call = f"buffer_info(<{name} array of shape {shape}>)"
    result = student.buffer_info(a)
    expect(
        result == (fmt, shape) and all(type(n) is int for n in result[1]),
        f"{call} returned {result!r}; expected {(fmt, shape)!r}",
    )


def test_snapshot_copies_the_bytes_of_every_dtype(student):
    for name, (dtype, _) in sorted(FORMATS.items()):
        a = make_array((2, 3), dtype)
        expected = memory_of(a).tobytes()
        call = f"snapshot(<{name} array of shape (2, 3)>)"
        result = student.snapshot(a)
        expect(
            isinstance(result, bytes),
            f"{call} returned {type(result).__name__}; expected bytes (an independent copy)",
        )
        expect(
            result == expected,
            f"{call} returned {len(result)} bytes {result[:12]!r}...; expected the {len(expected)} "
            f"bytes of a's memory {expected[:12]!r}...",
        )


def test_snapshot_ignores_later_writes(student):
    a = make_array((2, 3), mx.int32)
    expected = memory_of(a).tobytes()
    result = student.snapshot(a)
    memory_of(a)[1, 2] = SENTINEL  # write into MLX's buffer through the check's own window
    expect(
        isinstance(result, bytes) and result == expected,
        f"after writing {SENTINEL} into a's memory, snapshot(a) holds {bytes(result)[-8:]!r} at its "
        f"end; expected the old bytes {expected[-8:]!r}: return a copy (bytes), not a live view",
    )


@given(name=st.sampled_from(sorted(WRITABLE)), shape=shapes, data=st.data())
def test_write_into_buffer_changes_the_callers_memory(student, name, shape, data):
    a = make_array(shape, WRITABLE[name])
    index = data.draw(st.integers(0, a.size - 1), label="index")
    expected = np.array(memory_of(a)).reshape(-1)
    expected[index] = SENTINEL
    expected = expected.reshape(shape)
    alias = a
    call = f"write_into_buffer(<{name} array of shape {shape}>, {index}, {SENTINEL})"
    result = student.write_into_buffer(a, index, SENTINEL)
    expect(result is None, f"{call} returned {describe(result)}; expected None (it works in place)")
    expect(alias is a, f"{call} rebound the caller's name; expected the same object")
    actual = np.array(a)
    expect(
        np.array_equal(actual, expected),
        lambda: (
            f"after {call}, the caller's a is {describe(actual)}; expected {describe(expected)}"
        ),
    )


def test_write_into_buffer_reaches_lazy_arrays_built_before(student):
    a = make_array((2, 3), mx.int32)
    built_before = a * 1  # lazy: it reads a's memory only when it is evaluated
    call = f"write_into_buffer(a, 4, {SENTINEL})"
    student.write_into_buffer(a, 4, SENTINEL)
    seen = built_before.tolist()
    expect(
        seen == [[0, 1, 2], [3, SENTINEL, 5]],
        f"after b = a * 1 (lazy) and {call}, b evaluates to {seen}; expected "
        f"[[0, 1, 2], [3, {SENTINEL}, 5]]: write a's memory itself (memoryview); an MLX update "
        "a[...] = value records an operation, and arrays built before it keep the old values",
    )
    expect(
        a.tolist() == [[0, 1, 2], [3, SENTINEL, 5]],
        f"after {call}, a is {a.tolist()}; expected [[0, 1, 2], [3, {SENTINEL}, 5]]",
    )


# --- DLPack with NumPy ---------------------------------------------------------------------


@given(name=st.sampled_from(sorted(set(FORMATS) - {"bfloat16"})), shape=shapes)
def test_share_with_numpy_shares_memory(student, name, shape):
    a = make_array(shape, FORMATS[name][0])
    call = f"share_with_numpy(<{name} array of shape {shape}>)"
    result = student.share_with_numpy(a)
    expect_ndarray(result, name, shape, call)
    expect(
        shares(result, a) and not result.flags.owndata,
        f"{call} returned an array that does not share a's memory (owndata={result.flags.owndata}); "
        "expected a zero-copy array made through DLPack",
    )
    expect(
        not result.flags.writeable,
        f"{call} returned a writable array; expected a read-only one (NumPy marks arrays it "
        "imports through DLPack read-only)",
    )
    expect(
        np.array_equal(result, memory_of(a)),
        lambda: f"{call} returned {describe(result)}; expected {describe(a)}",
    )


def test_share_with_numpy_sees_later_writes(student):
    a = mx.arange(6, dtype=mx.float32).reshape(2, 3) * 1
    result = student.share_with_numpy(a)
    expect(
        isinstance(result, np.ndarray),
        f"share_with_numpy(a) returned {type(result).__name__}; expected a np.ndarray",
    )
    memory_of(a)[1, 2] = SENTINEL
    expect(
        result.shape == (2, 3) and result[1, 2] == SENTINEL,
        lambda: (
            f"after writing {SENTINEL} into a's memory, share_with_numpy(a) is "
            f"{describe(result)}; expected it to show {SENTINEL} at [1, 2]: it must share memory, not copy"
        ),
    )


def test_share_with_numpy_asks_for_the_cpu_device(student):
    a = metal_array(make_array((3, 2), mx.int32))
    try:
        result = student.share_with_numpy(a)
    except NotImplementedError:
        raise
    except Exception as exc:
        raise AssertionError(
            f"share_with_numpy({APPLE}) raised {type(exc).__name__}: {exc}; on a Mac MLX's DLPack "
            'device is Metal, so ask NumPy for the CPU: np.from_dlpack(a, device="cpu")'
        ) from None
    expect(
        isinstance(result, np.ndarray) and shares(result, a),
        f"share_with_numpy({APPLE}) returned {describe(result)}, which does not share the array's "
        "memory; expected a zero-copy CPU array",
    )


def test_dlpack_device_names_where_memory_lives(student):
    a = mx.arange(3)
    code, index = a.__dlpack_device__()
    cases = [
        ("an MLX array", a, (DLPACK_KINDS[int(code)], int(index))),
        ("a NumPy array", np.arange(3), ("cpu", 0)),
        ("a producer on device (2, 1)", Producer((2, 1)), ("cuda", 1)),
        (APPLE, metal_array(a), ("metal", 0)),
    ]
    for label, producer, expected in cases:
        actual = student.dlpack_device(producer)
        expect(
            actual == expected and type(actual[1]) is int,
            f"dlpack_device({label}) returned {actual!r}; expected {expected!r}",
        )
    for code in (4, 7, 9):  # OpenCL, Vulkan, VPI: not one of the three named types
        with pytest.raises(ValueError):
            student.dlpack_device(Producer((code, 0)))


class Producer:
    """A stand-in DLPack producer that only answers where its memory lives."""

    def __init__(self, device: tuple[int, int]) -> None:
        self.device = device

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.device


# --- CpuExport -----------------------------------------------------------------------------


def test_cpu_export_lets_numpy_share_without_asking_for_a_device(student):
    for label, source in [("a", None), (APPLE, metal_array)]:
        a = make_array((2, 3), mx.float32)
        a = source(a) if source else a
        exporter = student.CpuExport(a)
        call = f"CpuExport({label})"
        device = exporter.__dlpack_device__()
        expect(
            tuple(int(v) for v in device) == (1, 0),
            f"{call}.__dlpack_device__() returned {device!r}; expected (1, 0), the CPU",
        )
        try:
            result = np.from_dlpack(exporter)
        except NotImplementedError:
            raise
        except Exception as exc:
            raise AssertionError(
                f"np.from_dlpack({call}) raised {type(exc).__name__}: {exc}; expected a CPU array "
                "(ask the array for dl_device=(1, 0))"
            ) from None
        expect(
            shares(result, a),
            f"np.from_dlpack({call}) does not share the array's memory; expected a zero-copy view",
        )
        memory_of(a)[0, 1] = SENTINEL
        expect(
            result[0, 1] == SENTINEL,
            lambda call=call, result=result: (
                f"after writing {SENTINEL} into the array's memory, np.from_dlpack({call}) is "
                f"{describe(result)}; expected it to show the write"
            ),
        )


def test_cpu_export_forwards_copy(student):
    a = metal_array(make_array((2, 3), mx.int32))
    exporter = student.CpuExport(a)
    copied = np.from_dlpack(exporter, copy=True)
    call = f"np.from_dlpack(CpuExport({APPLE}), copy=True)"
    expect(
        not shares(copied, a) and np.array_equal(copied, memory_of(a)),
        f"{call} shares the array's memory; expected a copy: pass the consumer's copy=True on",
    )
    shared = np.from_dlpack(exporter, copy=False)
    expect(
        shares(shared, a),
        f"np.from_dlpack(CpuExport({APPLE}), copy=False) made a copy; expected shared memory",
    )


def test_cpu_export_refuses_other_devices(student):
    a = make_array((4,), mx.float32)
    for label, source, device in [
        ("a", a, (2, 0)),
        (APPLE, metal_array(a), (8, 0)),
        (APPLE, metal_array(a), (4, 0)),
    ]:
        exporter = student.CpuExport(source)
        call = f"CpuExport({label}).__dlpack__(dl_device={device})"
        try:
            result = exporter.__dlpack__(dl_device=device)
        except BufferError:
            continue
        raise AssertionError(
            f"{call} returned {type(result).__name__}; expected BufferError: this producer "
            "exports to the CPU only, and a consumer that asked for another device must be told"
        )
    capsule = student.CpuExport(metal_array(a)).__dlpack__(dl_device=(1, 0))
    expect(
        type(capsule).__name__ == "PyCapsule",
        f"CpuExport({APPLE}).__dlpack__(dl_device=(1, 0)) returned {type(capsule).__name__}; "
        "expected the array's DLPack capsule",
    )


# --- PyTorch, JAX, TensorFlow --------------------------------------------------------------


def expect_cpu_tensor(t, torch, call: str) -> None:
    expect(
        isinstance(t, torch.Tensor), f"{call} returned {type(t).__name__}; expected a torch.Tensor"
    )
    expect(
        t.device.type == "cpu",
        f"{call} returned a tensor on {t.device}; expected a CPU tensor (on Apple silicon MLX "
        "exports Metal memory unless asked for the CPU, and PyTorch makes an MPS tensor of it)",
    )


def test_to_torch_shared_writes_reach_mlx(student, torch):
    for label, wrap in [("a", None), (APPLE, metal_array)]:
        a = make_array((2, 3), mx.int32)
        a = wrap(a) if wrap else a
        call = f"to_torch({label}, share=True)"
        t = student.to_torch(a, share=True)
        expect_cpu_tensor(t, torch, call)
        expect(
            t.dtype == torch.int32 and tuple(t.shape) == (2, 3),
            f"{call} with an int32 array of shape (2, 3) returned dtype {t.dtype}, shape "
            f"{tuple(t.shape)}; expected torch.int32, (2, 3)",
        )
        t[1, 2] = SENTINEL
        expect(
            a[1, 2].item() == SENTINEL,
            f"after t = {call}; t[1, 2] = {SENTINEL}, a[1, 2] is {a[1, 2].item()}; "
            f"expected {SENTINEL}: the tensor must share a's memory",
        )


def test_to_torch_copy_is_independent(student, torch):
    a = make_array((2, 3), mx.int32)
    t = student.to_torch(a, share=False)
    expect_cpu_tensor(t, torch, "to_torch(a, share=False)")
    expect(
        t.dtype == torch.int32 and tuple(t.shape) == (2, 3),
        f"to_torch(<int32 array (2, 3)>, share=False) returned dtype {t.dtype}, shape "
        f"{tuple(t.shape)}; expected torch.int32, (2, 3)",
    )
    t[0, 0] = SENTINEL
    expect(
        a[0, 0].item() == 0,
        f"after t = to_torch(a, share=False); t[0, 0] = {SENTINEL}, a[0, 0] is {a[0, 0].item()}; "
        "expected 0: a copy must not write into a's memory",
    )
    memory_of(a)[1, 1] = SENTINEL
    expect(
        t[1, 1].item() == 4,
        f"after writing {SENTINEL} into a's memory, to_torch(a, share=False)[1, 1] is "
        f"{t[1, 1].item()}; expected 4: a copy keeps the values it was made with",
    )


@given(name=st.sampled_from(sorted(FORMATS)), shape=shapes, share=st.booleans())
def test_to_torch_keeps_dtype_and_round_trips(student, torch, name, shape, share):
    a = make_array(shape, FORMATS[name][0])
    expected = getattr(torch, name)
    call = f"to_torch(<{name} array of shape {shape}>, share={share})"
    t = student.to_torch(a, share=share)
    expect_cpu_tensor(t, torch, call)
    expect(
        t.dtype == expected and tuple(t.shape) == shape,
        f"{call} returned dtype {t.dtype}, shape {tuple(t.shape)}; expected {expected}, {shape}",
    )
    back = mx.array(t)
    expect(
        same_array(back, a),
        lambda: f"mx.array({call}) gave {describe(back)}; expected {describe(a)}",
    )


def test_to_jax_keeps_dtype_including_bfloat16(student, jax):
    cases = [
        ("an int32 array", make_array((2, 3), mx.int32), None),
        ("a float32 array", make_array((4,), mx.float32) / 4, None),
        ("a bfloat16 array", make_array((3, 2), mx.bfloat16) / 8, None),
        ("a bool array", make_array((2, 2), mx.bool_), None),
        (f"{APPLE} (bfloat16)", make_array((2, 2), mx.bfloat16) / 8, metal_array),
    ]
    for label, a, wrap in cases:
        mx.eval(a)
        call = f"to_jax(<{label} of shape {tuple(a.shape)}>)"
        try:
            j = student.to_jax(wrap(a) if wrap else a)
        except (TypeError, ValueError, BufferError) as exc:
            raise AssertionError(
                f"{call} raised {type(exc).__name__}: {exc}; expected a JAX array (JAX has no "
                "Metal device type: give it a CPU export)"
            ) from None
        expect(
            isinstance(j, jax.Array), f"{call} returned {type(j).__name__}; expected a jax.Array"
        )
        expected = str(a.dtype).removeprefix("mlx.core.")
        expect(
            str(j.dtype) == expected and tuple(j.shape) == tuple(a.shape),
            f"{call} returned dtype {j.dtype}, shape {tuple(j.shape)}; expected {expected}, "
            f"{tuple(a.shape)}",
        )
        back = mx.array(j)
        expect(
            same_array(back, a),
            lambda call=call, back=back, a=a: (
                f"mx.array({call}) gave {describe(back)}; expected {describe(a)}"
            ),
        )


def test_to_tensorflow_keeps_dtype_and_values(student, tf):
    for dtype in (mx.int32, mx.int64, mx.uint8, mx.float16, mx.float32, mx.bool_):
        a = make_array((2, 3), dtype)
        name = str(dtype).removeprefix("mlx.core.")
        call = f"to_tensorflow(<{name} array of shape (2, 3)>)"
        t = student.to_tensorflow(a)
        expect(
            isinstance(t, tf.Tensor), f"{call} returned {type(t).__name__}; expected a tf.Tensor"
        )
        expect(
            t.dtype.name == name and tuple(t.shape) == (2, 3),
            f"{call} returned dtype {t.dtype.name}, shape {tuple(t.shape)}; expected {name}, (2, 3)",
        )
        back = mx.array(t)
        expect(
            same_array(back, a),
            lambda call=call, back=back, a=a: (
                f"mx.array({call}) gave {describe(back)}; expected {describe(a)}"
            ),
        )
