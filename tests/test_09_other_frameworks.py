"""Checks for exercise 9: conversions to other frameworks.

The checks of a framework that is not installed are skipped by its fixture, before the check
runs; the buffer-protocol and DLPack checks need only NumPy and always grade.
"""

import importlib
import os

import mlx.core as mx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.checklib import describe, expect, expect_ndarray

INSTALL = "pip install -e '.[frameworks]'"


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip(
        "torch", reason=f"PyTorch is not installed: {INSTALL} (or pip install torch)"
    )


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
        reason=f"TensorFlow is not installed: {INSTALL} (or pip install tensorflow-cpu)",
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
DLPACK_KINDS = {1: "cpu", 2: "cuda", 8: "metal"}
SENTINEL = 77  # the arrays below hold values below 50, so 77 is never already there

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def make_array(shape: tuple, dtype: mx.Dtype) -> mx.array:
    """An evaluated MLX array with its own buffer, values 0..49 (0/1 for bool)."""
    size = int(np.prod(shape))
    modulus = 2 if dtype == mx.bool_ else 50
    a = (mx.arange(size) % modulus).astype(dtype).reshape(shape)
    mx.eval(a)
    return a


def same_array(x: mx.array, a: mx.array) -> bool:
    """True when `x` has `a`'s dtype, shape and values."""
    return x.dtype == a.dtype and x.shape == a.shape and mx.array_equal(x, a).item()


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


@given(name=st.sampled_from(sorted(set(FORMATS) - {"bfloat16"})), shape=shapes)
def test_share_with_numpy_shares_memory(student, name, shape):
    a = make_array(shape, FORMATS[name][0])
    call = f"share_with_numpy(<{name} array of shape {shape}>)"
    result = student.share_with_numpy(a)
    expect_ndarray(result, name, shape, call)
    expect(
        np.shares_memory(result, np.asarray(a)) and not result.flags.owndata,
        f"{call} returned an array that does not share a's memory (owndata={result.flags.owndata}); "
        "expected a zero-copy array made through DLPack",
    )


def test_share_with_numpy_sees_later_writes(student):
    a = mx.arange(6, dtype=mx.float32).reshape(2, 3) * 1
    result = student.share_with_numpy(a)
    expect(
        isinstance(result, np.ndarray),
        f"share_with_numpy(a) returned {type(result).__name__}; expected a np.ndarray",
    )
    np.asarray(a)[1, 2] = SENTINEL  # write into MLX's buffer through the check's own window
    expect(
        result.shape == (2, 3) and result[1, 2] == SENTINEL,
        f"after writing {SENTINEL} into a's memory, share_with_numpy(a) is {describe(result)}; "
        f"expected it to show {SENTINEL} at [1, 2]: it must share memory, not copy",
    )


class Producer:
    """A stand-in DLPack producer that only answers where its memory lives."""

    def __init__(self, device: tuple[int, int]) -> None:
        self.device = device

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.device


def test_dlpack_device_names_where_memory_lives(student):
    a = mx.arange(3)
    code, index = a.__dlpack_device__()
    cases = [
        ("an MLX array", a, (DLPACK_KINDS[int(code)], int(index))),
        ("a NumPy array", np.arange(3), ("cpu", 0)),
        ("a producer on device (2, 1)", Producer((2, 1)), ("cuda", 1)),
        ("a producer on device (8, 0)", Producer((8, 0)), ("metal", 0)),
    ]
    for label, producer, expected in cases:
        actual = student.dlpack_device(producer)
        expect(
            actual == expected and type(actual[1]) is int,
            f"dlpack_device(<{label}>) returned {actual!r}; expected {expected!r}",
        )
    with pytest.raises(ValueError):
        student.dlpack_device(Producer((4, 0)))  # OpenCL: not one of the three named types


def test_to_torch_shared_writes_reach_mlx(student, torch):
    a = make_array((2, 3), mx.int32)
    t = student.to_torch(a, share=True)
    expect(
        isinstance(t, torch.Tensor),
        f"to_torch(a, share=True) returned {type(t).__name__}; expected a torch.Tensor",
    )
    expect(
        t.dtype == torch.int32 and tuple(t.shape) == (2, 3),
        f"to_torch(<int32 array (2, 3)>, share=True) returned dtype {t.dtype}, shape "
        f"{tuple(t.shape)}; expected torch.int32, (2, 3)",
    )
    t[1, 2] = SENTINEL
    expect(
        a[1, 2].item() == SENTINEL,
        f"after t = to_torch(a, share=True); t[1, 2] = {SENTINEL}, a[1, 2] is {a[1, 2].item()}; "
        f"expected {SENTINEL}: the tensor must share a's memory",
    )


def test_to_torch_copy_is_independent(student, torch):
    a = make_array((2, 3), mx.int32)
    t = student.to_torch(a, share=False)
    expect(
        isinstance(t, torch.Tensor),
        f"to_torch(a, share=False) returned {type(t).__name__}; expected a torch.Tensor",
    )
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
    np.asarray(a)[1, 1] = SENTINEL
    expect(
        t[1, 1].item() == 4,
        f"after writing {SENTINEL} into a's memory, to_torch(a, share=False)[1, 1] is "
        f"{t[1, 1].item()}; expected 4: a copy keeps the values it was made with",
    )


@given(name=st.sampled_from(sorted(FORMATS)), shape=shapes, share=st.booleans())
def test_to_torch_keeps_dtype_and_round_trips(student, torch, name, shape, share):
    a = make_array(shape, FORMATS[name][0])
    expected = getattr(torch, "bool" if name == "bool" else name)
    call = f"to_torch(<{name} array of shape {shape}>, share={share})"
    t = student.to_torch(a, share=share)
    expect(
        isinstance(t, torch.Tensor), f"{call} returned {type(t).__name__}; expected a torch.Tensor"
    )
    expect(
        t.dtype == expected and tuple(t.shape) == shape,
        f"{call} returned dtype {t.dtype}, shape {tuple(t.shape)}; expected {expected}, {shape}",
    )
    back = mx.array(t)
    expect(
        same_array(back, a),
        f"mx.array({call}) gave {describe(back)}; expected {describe(a)}",
    )


def test_to_jax_keeps_dtype_including_bfloat16(student, jax):
    cases = [
        make_array((2, 3), mx.int32),
        make_array((4,), mx.float32) / 4,
        make_array((3, 2), mx.bfloat16) / 8,
        make_array((2, 2), mx.bool_),
    ]
    for a in cases:
        call = f"to_jax(<{a.dtype} array of shape {tuple(a.shape)}>)"
        j = student.to_jax(a)
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
            same_array(back, a), f"mx.array({call}) gave {describe(back)}; expected {describe(a)}"
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
            same_array(back, a), f"mx.array({call}) gave {describe(back)}; expected {describe(a)}"
        )
