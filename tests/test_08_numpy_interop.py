"""Checks for exercise 8: NumPy interop."""

import mlx.core as mx
import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from grader.checklib import call_compiled, describe, expect, expect_array, expect_ndarray

DTYPES = {
    "int8": mx.int8,
    "uint8": mx.uint8,
    "int16": mx.int16,
    "int32": mx.int32,
    "int64": mx.int64,
    "float16": mx.float16,
    "float32": mx.float32,
}
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)
dtype_names = st.sampled_from(sorted(DTYPES))
SENTINEL = 77  # the arrays below hold values below 50, so 77 is never already there


def make_array(shape: tuple, dtype_name: str) -> mx.array:
    """An evaluated MLX array with its own buffer, values 0..49."""
    size = int(np.prod(shape))
    a = (mx.arange(size) % 50).astype(DTYPES[dtype_name]).reshape(shape)
    mx.eval(a)
    return a


def mlx_memory(a: mx.array) -> np.ndarray:
    """A zero-copy NumPy window on `a`'s buffer, made by the check, not by the student."""
    return np.asarray(a)


@given(shape=shapes, dtype_name=dtype_names)
def test_to_numpy_copy_owns_its_data(student, shape, dtype_name):
    a = make_array(shape, dtype_name)
    call = f"to_numpy_copy(<{dtype_name} array of shape {shape}>)"
    result = student.to_numpy_copy(a)
    expect_ndarray(result, dtype_name, shape, call)
    expect(
        np.array_equal(result, mlx_memory(a)),
        f"{call} returned {describe(result)}; expected {describe(a)}",
    )
    expect(
        result.flags.owndata and not np.shares_memory(result, mlx_memory(a)),
        f"{call} returned an array with owndata={result.flags.owndata} that shares memory with a: "
        f"np.shares_memory(result, np.asarray(a)) is {np.shares_memory(result, mlx_memory(a))}; "
        "expected a copy that owns its data",
    )


def test_to_numpy_copy_is_independent_of_later_writes(student):
    a = mx.arange(6, dtype=mx.int32).reshape(2, 3)
    mx.eval(a)
    result = student.to_numpy_copy(a)
    expect(
        isinstance(result, np.ndarray),
        f"to_numpy_copy(a) returned {type(result).__name__}; expected a np.ndarray",
    )
    result[0, 0] = SENTINEL
    expect(
        a[0, 0].item() == 0,
        f"after result = to_numpy_copy(a); result[0, 0] = {SENTINEL}, a[0, 0] is {a[0, 0].item()}; "
        "expected 0: the copy must not write into a's memory",
    )
    mlx_memory(a)[1, 2] = SENTINEL
    expect(
        result[1, 2] == 5,
        f"after writing {SENTINEL} into a's buffer, to_numpy_copy(a)[1, 2] is {result[1, 2]}; expected 5: "
        "a copy keeps the values it had when it was made",
    )


@given(shape=shapes, dtype_name=dtype_names)
def test_to_numpy_view_shares_mlx_memory(student, shape, dtype_name):
    a = make_array(shape, dtype_name)
    call = f"to_numpy_view(<{dtype_name} array of shape {shape}>)"
    result = student.to_numpy_view(a)
    expect_ndarray(result, dtype_name, shape, call)
    shared = np.shares_memory(result, mlx_memory(a))
    expect(
        shared and not result.flags.owndata and result.flags.writeable,
        f"{call} returned an array with np.shares_memory(result, np.asarray(a)) = {shared}, "
        f"owndata = {result.flags.owndata}, writeable = {result.flags.writeable}; expected True, False, "
        "True: a writable view of a's buffer",
    )
    expect(
        np.array_equal(result, mlx_memory(a)),
        f"{call} returned {describe(result)}; expected {describe(a)}",
    )


def test_to_numpy_view_write_is_seen_by_mlx(student):
    a = mx.arange(6, dtype=mx.float32).reshape(3, 2) * 1.0
    view = student.to_numpy_view(a)
    expect(
        isinstance(view, np.ndarray),
        f"to_numpy_view(a) returned {type(view).__name__}; expected a np.ndarray",
    )
    try:
        view[2, 1] = SENTINEL
    except ValueError as exc:
        raise AssertionError(
            f"writing into to_numpy_view(a) failed ({exc}); expected a writable view"
        ) from None
    expect(
        a[2, 1].item() == SENTINEL,
        f"after view = to_numpy_view(a); view[2, 1] = {SENTINEL}, a[2, 1] is {a[2, 1].item()}; expected "
        f"{SENTINEL}: a view writes into MLX's own memory",
    )


def test_holds_view_compares_memory_not_values_or_flags(student):
    a = mx.arange(6, dtype=mx.float32) * 2
    twin = a + 0  # same values, its own buffer
    mx.eval(a, twin)
    numpy_base = np.arange(6, dtype=np.float32) * 2
    cases = [
        ("np.asarray(a)", np.asarray(a), True),
        ("np.array(a, copy=False)", np.array(a, copy=False), True),
        ("np.asarray(a)[2:]", np.asarray(a)[2:], True),
        # device="cpu": on Apple silicon MLX's default DLPack device is Metal, which NumPy
        # cannot import (numpy/_core/src/multiarray/dlpack.c, from_dlpack).
        ('np.from_dlpack(a, device="cpu")', np.from_dlpack(a, device="cpu"), True),
        ("np.asarray(a[2:]), an MLX slice sharing a's buffer", np.asarray(a[2:]), True),
        ("np.array(a)", np.array(a), False),
        ("np.asarray(twin), twin = a + 0", np.asarray(twin), False),
        ("a NumPy view of a NumPy array with a's values", numpy_base[:], False),
    ]
    for label, np_arr, expected in cases:
        actual = student.holds_view(np_arr, a)
        expect(
            actual is expected or (isinstance(actual, np.bool_) and bool(actual) is expected),
            f"holds_view({label}, a) returned {actual!r}; expected {expected}",
        )
    expect(
        np.array_equal(np.asarray(a), numpy_base) and np.array_equal(np.asarray(twin), numpy_base),
        f"holds_view changed the arrays it inspected: a is now {describe(a)}; expected {describe(numpy_base)}",
    )


@given(values=st.lists(st.floats(width=32, allow_nan=False), min_size=1, max_size=8))
@example(values=[1e30, -1e30, 1e-30, 3.0e38, 0.1])
def test_bf16_to_numpy_is_exact_float32(student, values):
    b = mx.array(values, dtype=mx.float32).astype(mx.bfloat16)
    # bfloat16 is the upper half of a float32: shifting its bits up gives the exact value.
    bits = np.array(b.view(mx.uint16)).astype(np.uint32) << 16
    expected = bits.view(np.float32)
    call = f"bf16_to_numpy(<bfloat16 array {expected.tolist()}>)"
    result = student.bf16_to_numpy(b)
    expect(
        isinstance(result, np.ndarray),
        f"{call} returned {type(result).__name__}; expected a np.ndarray",
    )
    expect(result.dtype == np.float32, f"{call} returned dtype {result.dtype}; expected float32")
    expect(
        result.shape == expected.shape and np.array_equal(result, expected),
        f"{call} returned {describe(result)}; expected {describe(expected)} (every bfloat16 value exactly)",
    )


@given(values=st.lists(st.floats(allow_nan=False), min_size=1, max_size=8))
@example(values=[1.0 + 2.0**-40, 1e-300, 1e300, -3.5])
def test_keep_float64_keeps_dtype_and_every_digit(student, values):
    source = np.array(values, dtype=np.float64)
    expected = source.copy()
    call = f"keep_float64(np.array({values}, dtype=np.float64))"
    result = student.keep_float64(source)
    expect(
        isinstance(result, mx.array),
        f"{call} returned {type(result).__name__}; expected an mx.array",
    )
    expect(result.dtype == mx.float64, f"{call} returned dtype {result.dtype}; expected float64")
    source[0] = 12345.0  # a copy must not follow later writes to the NumPy array
    actual = np.array(result)
    expect(
        actual.shape == expected.shape and np.array_equal(actual, expected),
        f"{call} returned {describe(actual)}; expected exactly {describe(expected)} "
        "(and unchanged after writing into the NumPy array)",
    )


@given(values=st.lists(st.floats(-100, 100, width=32), min_size=1, max_size=8))
def test_square_sum_and_grad_is_right(student, values):
    x = mx.array(values, dtype=mx.float32)
    xs = np.array(values, dtype=np.float64)
    call = f"square_sum_and_grad(mx.array({values}))"
    result = student.square_sum_and_grad(x)
    expect(
        isinstance(result, tuple) and len(result) == 2,
        f"{call} returned {describe(result)}; expected a (value, grad) tuple",
    )
    value, grad = result
    expect_array(value, np.float32((xs * xs).sum()), f"{call}[0]", rtol=1e-5, atol=1e-3)
    expect_array(
        grad, (2 * xs).astype(np.float32), f"{call}[1] (the gradient 2x)", rtol=1e-5, atol=1e-5
    )


def test_square_sum_and_grad_leaves_callers_x_alone(student):
    x = mx.array([3.0, -1.5, 0.5])
    before = x.tolist()
    value, grad = student.square_sum_and_grad(x)
    mx.eval(value, grad)
    expect(
        x.tolist() == before,
        f"after square_sum_and_grad(x), x is {x.tolist()}; expected it unchanged, {before}: "
        "writing through a NumPy view changes the caller's array",
    )
    expect_array(grad, [6.0, -3.0, 1.0], "square_sum_and_grad(mx.array([3.0, -1.5, 0.5]))[1]")


def test_square_sum_and_grad_is_built_from_mlx_ops(student):
    x = mx.array([1.0, -2.0, 4.0])
    value, grad = call_compiled(student.square_sum_and_grad, x, call="square_sum_and_grad(x)")
    expect_array(
        value, np.float32(21.0), "mx.compile(square_sum_and_grad)(mx.array([1., -2., 4.]))[0]"
    )
    expect_array(
        grad, [2.0, -4.0, 8.0], "mx.compile(square_sum_and_grad)(mx.array([1., -2., 4.]))[1]"
    )
    # The value must be a function of x that MLX can follow: differentiating it gives 2x again.
    # Through a NumPy copy it is a constant (gradient 0), through a NumPy view it is sum(x).
    outer = mx.grad(lambda y: student.square_sum_and_grad(y)[0])(x)
    expect_array(
        outer,
        [2.0, -4.0, 8.0],
        "mx.grad(lambda y: square_sum_and_grad(y)[0])(mx.array([1., -2., 4.])) (the value must be "
        "built from MLX operations on x)",
    )
    rows = mx.array([[1.0, 2.0], [-3.0, 0.5]])
    try:
        values, grads = mx.vmap(student.square_sum_and_grad)(rows)
    except ValueError as exc:
        raise AssertionError(
            f"mx.vmap(square_sum_and_grad) failed ({exc}); use MLX operations only, no NumPy conversion"
        ) from None
    expect_array(values, [5.0, 9.25], "mx.vmap(square_sum_and_grad)(rows)[0]")
    expect_array(grads, [[2.0, 4.0], [-6.0, 1.0]], "mx.vmap(square_sum_and_grad)(rows)[1]")
