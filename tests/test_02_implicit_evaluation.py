"""Checks for exercise 2: implicit evaluation."""

import mlx.core as mx
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from grader.checklib import (
    call_compiled,
    describe,
    expect,
    expect_array,
    expect_lazy,
    graph_primitives,
    is_evaluated,
)

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
DTYPES = {"float32": mx.float32, "bfloat16": mx.bfloat16, "int32": mx.int32, "bool": mx.bool_}
FLOATS = {"float32": mx.float32, "bfloat16": mx.bfloat16}


def lazy_array(shape, dtype, seed):
    """An unevaluated array: random numbers scaled and cast, none of it computed yet."""
    return (mx.random.normal(shape, key=mx.random.key(seed)) * 3).astype(dtype)


def chapter_check_and_process(values):
    """The chapter's eager version, in NumPy, as the reference."""
    processed = np.asarray(values) * 2
    return processed * 3 if processed.sum() > 10 else processed + 5


@given(shape=shapes, dtype=st.sampled_from(sorted(DTYPES)), seed=st.integers(0, 2**16))
def test_describe_reports_the_metadata(student, shape, dtype, seed):
    a = lazy_array(shape, DTYPES[dtype], seed)
    call = f"describe_without_evaluating(<lazy {dtype} array of shape {shape}>)"
    info = student.describe_without_evaluating(a)
    expect(isinstance(info, dict), f"{call} returned a {type(info).__name__}; expected a dict")
    missing = {"shape", "dtype", "size", "ndim", "nbytes", "preview"} - set(info)
    expect(not missing, f"{call} returned a dict without the keys {sorted(missing)}")
    size = int(np.prod(shape, dtype=np.int64))
    expected = {
        "shape": shape,
        "dtype": DTYPES[dtype],
        "size": size,
        "ndim": len(shape),
        "nbytes": size * DTYPES[dtype].size,
    }
    for key, value in expected.items():
        expect(info[key] == value, f"{call}[{key!r}] is {describe(info[key])}; expected {value!r}")
    expect(
        isinstance(info["shape"], tuple),
        f"{call}['shape'] is a {type(info['shape']).__name__}; expected a tuple",
    )
    expect(not is_evaluated(a), f"{call} evaluated the array it was asked to describe")
    want = a.reshape(-1)[: min(3, size)]
    expect_array(info["preview"], want, f"{call}['preview']")


def test_describe_leaves_the_array_and_preview_lazy(student):
    a = (mx.exp(mx.arange(12, dtype=mx.float32) / 4)).reshape(3, 4)
    call = "describe_without_evaluating(mx.exp(mx.arange(12) / 4).reshape(3, 4))"
    info = student.describe_without_evaluating(a)
    expect(
        not is_evaluated(a),
        f"after {call} the array is evaluated; shape, dtype, size, ndim and nbytes are known "
        "without computing anything, and a preview can be built by indexing",
    )
    expect_lazy(info["preview"], f"{call}['preview']")
    expect_array(info["preview"], np.exp(np.arange(3, dtype=np.float32) / 4), f"{call}['preview']")


@given(shape=shapes, dtype=st.sampled_from(sorted(FLOATS)), seed=st.integers(0, 2**16))
def test_mean_as_float_returns_a_python_float(student, shape, dtype, seed):
    x = lazy_array(shape, FLOATS[dtype], seed)
    expected = float(np.mean(np.array(x.astype(mx.float32)), dtype=np.float64))
    call = f"mean_as_float(<{dtype} array of shape {shape}>)"
    result = student.mean_as_float(x)
    expect(
        type(result) is float,
        f"{call} returned {type(result).__name__} {describe(result)}; expected a Python float "
        "(.item() or float() on the 0-d mean)",
    )
    tol = 2e-2 if dtype == "bfloat16" else 1e-5
    expect(
        abs(result - expected) <= tol * (1 + abs(expected)),
        f"{call} returned {result!r}; expected {expected!r}",
    )


def test_mean_as_float_evaluates_the_upstream_graph(student):
    base = mx.arange(8, dtype=mx.float32) / 8
    y = mx.exp(base)
    expect(not is_evaluated(base) and not is_evaluated(y), "setup: base and y should start lazy")
    result = student.mean_as_float(y)
    expected = float(np.mean(np.exp(np.arange(8) / 8)))
    expect(
        type(result) is float,
        f"mean_as_float(y) returned {type(result).__name__}; expected a Python float",
    )
    expect(
        abs(result - expected) < 1e-5,
        f"mean_as_float(mx.exp(mx.arange(8) / 8)) returned {result!r}; expected {expected!r}",
    )
    expect(
        is_evaluated(y) and is_evaluated(base),
        f"after mean_as_float(y): y evaluated={is_evaluated(y)}, base evaluated={is_evaluated(base)}; "
        "expected both True: converting the mean to a Python float must run its whole upstream graph",
    )


@given(
    shape=shapes,
    dtype=st.sampled_from(sorted(FLOATS)),
    seed=st.integers(0, 2**16),
    tol=st.sampled_from([0.125, 0.5, 2.0]),
    data=st.data(),
)
def test_all_within_returns_a_python_bool_for_any_shape(student, shape, dtype, seed, tol, data):
    size = int(np.prod(shape, dtype=np.int64))
    deltas = data.draw(st.lists(st.sampled_from([0.0, 0.25, 1.0]), min_size=size, max_size=size))
    delta = np.array(deltas, dtype=np.float32).reshape(shape)
    a = lazy_array(shape, FLOATS[dtype], seed)
    b = a + mx.array(delta).astype(FLOATS[dtype])
    expected = bool(np.all(np.abs(delta) <= tol))
    call = f"all_within(a, a + {delta.tolist()}, tol={tol}) with {dtype} arrays of shape {shape}"
    try:
        result = student.all_within(a, b, tol)
    except ValueError as exc:
        raise AssertionError(
            f"{call} raised ValueError: {exc}; an array with several elements cannot become a Python "
            "bool: reduce it with mx.all first"
        ) from None
    expect(
        type(result) is bool,
        f"{call} returned {type(result).__name__} {describe(result)}; expected a Python bool",
    )
    expect(result is expected, f"{call} returned {result!r}; expected {expected!r}")


def test_all_within_counts_a_difference_equal_to_tol_as_within(student):
    # Every value here is exact in float32 and bfloat16, so |a - b| is exactly 0.25 or 0.5.
    cases = [
        ([1.0, 2.0], [1.25, 1.75], 0.25, True),
        ([[0.5], [-1.0]], [[0.25], [-1.25]], 0.25, True),
        ([1.0, 2.0], [1.25, 2.5], 0.25, False),
        ([3.0], [3.5], 0.5, True),
        ([3.0], [3.5], 0.25, False),
    ]
    for dtype in ("float32", "bfloat16"):
        for a, b, tol, expected in cases:
            call = f"all_within(mx.array({a}), mx.array({b}), tol={tol}) with {dtype} arrays"
            result = student.all_within(
                mx.array(a, dtype=FLOATS[dtype]), mx.array(b, dtype=FLOATS[dtype]), tol
            )
            expect(
                result is expected,
                f"{call} returned {result!r}; expected {expected!r}: the spec says |a - b| <= tol, "
                "so a difference of exactly tol is within",
            )


@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple),
    dtype=st.sampled_from(["int32", "float32"]),
    data=st.data(),
)
def test_check_and_process_matches_the_chapter(student, shape, dtype, data):
    size = int(np.prod(shape))
    values = np.array(
        data.draw(st.lists(st.integers(-3, 6), min_size=size, max_size=size))
    ).reshape(shape)
    values = values.astype(np.int32 if dtype == "int32" else np.float32)
    call = f"check_and_process(mx.array({values.tolist()}, dtype={dtype}))"
    result = student.check_and_process(mx.array(values))
    expect_lazy(result, call)
    expect_array(result, chapter_check_and_process(values), call)


def test_check_and_process_takes_both_branches_under_compile(student):
    # [2, 3] doubles to a sum of exactly 10, which is not greater than 10.
    cases = [([1, 2, 3, 4], [6, 12, 18, 24]), ([1, 1], [7, 7]), ([2, 3], [9, 11])]
    for values, expected in cases:
        total = 2 * sum(values)
        call = f"mx.compile(check_and_process)(mx.array({values})) (sum of processed = {total})"
        result = call_compiled(student.check_and_process, mx.array(values), call=call)
        expect_array(result, mx.array(expected), call)


def test_check_and_process_decides_per_row_under_vmap(student):
    rows = np.array([[1, 2, 3, 4], [1, 1, 0, 0], [2, 3, 0, 0], [-5, 10, 0, 1]], dtype=np.float32)
    call = f"mx.vmap(check_and_process)(mx.array({rows.tolist()}))"
    try:
        result = mx.vmap(student.check_and_process)(mx.array(rows))
    except ValueError as exc:
        raise AssertionError(
            f"{call} raised ValueError: {exc}; a Python `if` on an array cannot be traced by vmap: "
            "select with mx.where on a 0-d condition"
        ) from None
    expected = np.stack([chapter_check_and_process(row) for row in rows])
    expect_array(result, expected, call)


@given(
    shape=shapes,
    dtype=st.sampled_from(sorted(FLOATS)),
    seed=st.integers(0, 2**16),
    slope=st.sampled_from([0.01, 0.1, 0.5, 2.0]),
)
def test_leaky_relu_decides_per_element(student, shape, dtype, seed, slope):
    x = lazy_array(shape, FLOATS[dtype], seed)
    xs = np.array(x.astype(mx.float32))
    expected = mx.array(np.where(xs > 0, xs, slope * xs)).astype(FLOATS[dtype])
    call = f"leaky_relu(<{dtype} array {describe(x)}>, slope={slope})"
    tol = 1e-2 if dtype == "bfloat16" else 1e-6
    expect_array(student.leaky_relu(x, slope), expected, call, rtol=tol, atol=tol)


def test_leaky_relu_stays_lazy_and_compiles(student):
    x = mx.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    expected = [-0.2, -0.05, 0.0, 0.5, 2.0]
    lazy = student.leaky_relu(x * 1, 0.1)
    expect_lazy(lazy, "leaky_relu(x * 1, 0.1)")
    expect(
        len(graph_primitives(lazy)) >= 2,
        f"leaky_relu(x * 1, 0.1) holds only the operations {graph_primitives(lazy)}; expected the "
        "selection to be built from x with MLX operations",
    )
    compiled = call_compiled(student.leaky_relu, x, 0.1, call="mx.compile(leaky_relu)(x, 0.1)")
    expect_array(compiled, expected, "mx.compile(leaky_relu)(mx.array([-2, -0.5, 0, 0.5, 2]), 0.1)")
    # A slope above 1 tells "x where x > 0" apart from max(x, slope * x).
    steep = call_compiled(student.leaky_relu, x, 2.0, call="mx.compile(leaky_relu)(x, 2.0)")
    expect_array(
        steep,
        [-4.0, -1.0, 0.0, 0.5, 2.0],
        "mx.compile(leaky_relu)(mx.array([-2, -0.5, 0, 0.5, 2]), 2.0)",
    )
