"""Checks for exercise 6: in-place updates and aliasing."""

import mlx.core as mx
import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from grader.checklib import (
    describe,
    expect,
    expect_array,
    expect_lazy,
    is_evaluated,
)

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)
dtypes = st.sampled_from([mx.float32, mx.float16, mx.bfloat16, mx.int32, mx.int8])


def as_list(a: mx.array) -> list:
    """The values of `a` as Python numbers (works for bfloat16, which NumPy cannot take)."""
    return a.astype(mx.float32).tolist() if a.dtype == mx.bfloat16 else a.tolist()


def test_alias_is_the_same_object(student):
    a = mx.array([1, 2, 3, 4])
    alias, _ = student.alias_and_copy(a)
    expect(
        alias is a,
        f"alias_and_copy(a)[0] is a different object than a ({describe(alias)}); expected a itself",
    )
    alias[1] = -7
    expect(
        a.tolist() == [1, -7, 3, 4],
        f"after alias[1] = -7, a is {a.tolist()}; expected [1, -7, 3, 4]",
    )
    a[3] = 40
    expect(
        alias.tolist() == [1, -7, 3, 40],
        f"after a[3] = 40, alias is {alias.tolist()}; expected [1, -7, 3, 40]",
    )


def test_copy_is_independent_both_ways(student):
    a = mx.array([1.0, 2.0, 3.0])
    mx.eval(a)
    _, copy = student.alias_and_copy(a)
    expect(
        isinstance(copy, mx.array),
        f"alias_and_copy(a)[1] returned {type(copy).__name__}; expected an mx.array",
    )
    expect(
        copy is not a,
        "alias_and_copy(a)[1] is a itself; expected a new array object (a logical copy)",
    )
    expect_array(copy, [1.0, 2.0, 3.0], "alias_and_copy(mx.array([1., 2., 3.]))[1]")
    copy[0] = 100
    expect(
        a.tolist() == [1.0, 2.0, 3.0],
        f"after copy[0] = 100, a is {a.tolist()}; expected [1.0, 2.0, 3.0] (unchanged)",
    )
    a[2] = -5
    expect(
        copy.tolist() == [100.0, 2.0, 3.0],
        f"after a[2] = -5, copy is {copy.tolist()}; expected [100.0, 2.0, 3.0]",
    )


def test_add_in_place_updates_the_callers_object(student):
    a = mx.array([1, 2, 3])
    other_name = a
    before = id(a)
    result = student.add_in_place(a, 10)
    expect(
        result is a,
        f"add_in_place(a, 10) returned a different object ({describe(result)}); expected a itself",
    )
    expect(id(a) == before, "the caller's array changed identity; update the object in place")
    expect(
        other_name.tolist() == [11, 12, 13],
        f"after add_in_place(a, 10), another name for a shows {other_name.tolist()}; expected [11, 12, 13]: "
        "`a = a + amount` only rebinds the function's local name, `a += amount` updates the object",
    )
    fl = mx.array([0.5, -1.0])
    expect(
        student.add_in_place(fl, 0.25) is fl,
        "add_in_place(<float32 array>, 0.25) did not return its argument",
    )
    expect_array(
        fl, [0.75, -0.75], "the caller's array after add_in_place(mx.array([0.5, -1.0]), 0.25)"
    )


def test_add_in_place_promotes_an_integer_array(student):
    a = mx.array([1, 2, -3])
    other_name = a
    result = student.add_in_place(a, 0.25)
    call = "add_in_place(a = mx.array([1, 2, -3]), 0.25)"
    expect(result is a, f"{call} returned a different object; expected a itself")
    expect(
        other_name.dtype == mx.float32 and other_name.tolist() == [1.25, 2.25, -2.75],
        f"after {call}, the caller's array is {other_name.tolist()} ({other_name.dtype}); expected "
        "[1.25, 2.25, -2.75] (float32): `a += 0.25` promotes an int32 array to float32, while "
        "writing into a slice (a[:] = ...) keeps int32 and truncates",
    )


def test_detached_copy_survives_writes_behind_mlxs_back(student):
    a = mx.arange(6, dtype=mx.float32).reshape(2, 3) + 1
    mx.eval(a)
    result = student.detached_copy(a)
    call = "detached_copy(a = [[1., 2., 3.], [4., 5., 6.]])"
    expect(
        isinstance(result, mx.array) and result is not a, f"{call} returned a itself or no array"
    )
    np.asarray(a)[0, 1] = -99  # a NumPy view writes into a's buffer; MLX does not see it happen
    seen = result.tolist()
    expect(
        seen == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        f"after {call} and then np.asarray(a)[0, 1] = -99, the copy holds {seen}; expected "
        "[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]: a[:] and copy.copy(a) share a's buffer, and an "
        "unevaluated copy reads a's buffer only when it is computed",
    )


def test_detached_copy_keeps_dtype_and_values(student):
    for dtype in (mx.bfloat16, mx.int8, mx.float16, mx.bool_):
        a = (mx.arange(5) % 3 - 1).astype(dtype)
        mx.eval(a)
        result = student.detached_copy(a)
        call = f"detached_copy(<{dtype} array {as_list(a)}>)"
        expect(
            isinstance(result, mx.array),
            f"{call} returned {type(result).__name__}; expected an mx.array",
        )
        expect(result.dtype == dtype, f"{call} returned dtype {result.dtype}; expected {dtype}")
        expect(
            result.shape == a.shape and as_list(result) == as_list(a),
            f"{call} returned {as_list(result)}; expected {as_list(a)}",
        )


@given(shape=shapes, seed=st.integers(0, 2**16))
def test_clamp_negatives_mutates_the_callers_array(student, shape, seed):
    x = mx.random.normal(shape, key=mx.random.key(seed))
    before = np.array(x)
    alias = x
    result = student.clamp_negatives_in_place(x)
    expect(
        result is None,
        f"clamp_negatives_in_place(x) returned {describe(result)}; expected None (it works by mutation)",
    )
    expect(alias is x, "the caller's name for x no longer refers to the same object")
    expected = np.maximum(before, 0).astype(np.float32)
    expect(
        np.array_equal(np.array(x), expected),
        f"after clamp_negatives_in_place(x) for x = {describe(before)}, the caller's x is {describe(x)}; "
        f"expected {describe(expected)}: write into x itself (x[...] = ...), a new local array is lost",
    )


@given(n=st.integers(1, 8), data=st.data(), dtype=dtypes)
def test_with_value_leaves_its_input_untouched(student, n, data, dtype):
    index = data.draw(st.integers(0, n - 1), label="index")
    x = (mx.arange(n) % 5 - 2).astype(dtype)
    mx.eval(x)
    before = as_list(x)
    result = student.with_value(x, index, 3)
    call = f"with_value(<{dtype} array {before}>, {index}, 3)"
    expect(
        isinstance(result, mx.array),
        f"{call} returned {type(result).__name__}; expected an mx.array",
    )
    expect(result is not x, f"{call} returned x itself; expected a new array")
    expect(
        as_list(x) == before,
        f"{call} changed its input to {as_list(x)}; expected x to stay {before}",
    )
    expected = list(before)
    expected[index] = 3
    expect(result.dtype == dtype, f"{call} returned dtype {result.dtype}; expected {dtype}")
    expect(as_list(result) == expected, f"{call} returned {as_list(result)}; expected {expected}")


# A negative float has no defined value in an unsigned dtype (the CPU wraps it, CUDA saturates
# it at 0), so only signed dtypes meet one.
FLOAT_INTO_INTEGER = [
    (mx.int32, 2.5),
    (mx.int32, -1.75),
    (mx.int8, -1.75),
    (mx.int8, 7.0),
    (mx.int16, 2.5),
    (mx.uint8, 2.5),
    (mx.uint8, 7.75),
]


@given(case=st.sampled_from(FLOAT_INTO_INTEGER))
def test_with_value_keeps_an_integer_dtype_for_a_float_value(student, case):
    dtype, value = case
    x = mx.array([0, 1, 2, 3], dtype=dtype)
    mx.eval(x)
    call = f"with_value(mx.array([0, 1, 2, 3], dtype=mx.{str(dtype).split('.')[-1]}), 1, {value})"
    result = student.with_value(x, 1, value)
    expect(
        isinstance(result, mx.array),
        f"{call} returned {type(result).__name__}; expected an mx.array",
    )
    # What MLX's own `x[1] = value` writes: the value cast to x's dtype, truncated toward 0.
    expected = [0, int(value), 2, 3]
    expect(
        result.dtype == dtype,
        f"{call} returned dtype {result.dtype}; expected {dtype}: a Python float meeting an integer "
        "array promotes the result to float32, so cast the value to x.dtype first",
    )
    expect(as_list(result) == expected, f"{call} returned {as_list(result)}; expected {expected}")


def test_with_value_stays_lazy(student):
    x = mx.arange(6) * 2
    result = student.with_value(x, 4, -1)
    expect_lazy(result, "with_value(mx.arange(6) * 2, 4, -1)")
    expect(
        not is_evaluated(x),
        "with_value(x, 4, -1) evaluated x; build the result without evaluating anything",
    )
    expect_array(result, [0, 2, 4, 6, -1, 10], "with_value(mx.arange(6) * 2, 4, -1)")
    expect(
        x.tolist() == [0, 2, 4, 6, 8, 10],
        f"with_value(x, 4, -1) changed its input x to {x.tolist()}; expected x to stay [0, 2, 4, 6, 8, 10]",
    )


def test_double_then_overwrite_keeps_old_values_lazily(student):
    a = mx.arange(5).astype(mx.float32) + 1
    alias = a
    doubled = student.double_then_overwrite(a, 2, 100)
    call = "double_then_overwrite(a = [1., 2., 3., 4., 5.], 2, 100)"
    expect_lazy(doubled, call)
    expect(
        not is_evaluated(a),
        f"{call} evaluated a; the write does not disturb arrays built earlier, so no evaluation is needed",
    )
    expect(
        alias.tolist() == [1.0, 2.0, 100.0, 4.0, 5.0],
        f"after {call}, the caller's a is {alias.tolist()}; expected [1.0, 2.0, 100.0, 4.0, 5.0] (write into a itself)",
    )
    expect_array(doubled, [2.0, 4.0, 6.0, 8.0, 10.0], f"{call} (doubled, built before the write)")


def test_histogram_counts_repeated_indices(student):
    indices = mx.array([3, 1, 3, 3, 0, 1])
    counts = student.histogram(indices, 5)
    expect_array(
        counts,
        np.array([1, 2, 0, 3, 0], dtype=np.int32),
        "histogram(mx.array([3, 1, 3, 3, 0, 1]), 5)",
    )


@given(values=st.lists(st.integers(0, 5), min_size=1, max_size=20), extra=st.integers(0, 3))
@example(values=[5, 0, 5], extra=0)  # the first and the last bin, the last one twice
def test_histogram_matches_np_add_at(student, values, extra):
    num_bins = 6 + extra
    expected = np.zeros(num_bins, dtype=np.int32)
    np.add.at(expected, np.array(values), 1)
    expect_array(
        student.histogram(mx.array(values), num_bins),
        expected,
        f"histogram(mx.array({values}), {num_bins})",
    )


def test_histogram_is_built_with_mlx(student):
    indices = mx.array([2, 0, 2, 1]) * 1
    counts = student.histogram(indices, 3)
    expect_lazy(counts, "histogram(<lazy indices [2, 0, 2, 1]>, 3)")
    expect(
        not is_evaluated(indices),
        "histogram(indices, 3) evaluated its input; build the counts with MLX operations",
    )
    expect_array(
        counts, np.array([1, 1, 2], dtype=np.int32), "histogram(mx.array([2, 0, 2, 1]), 3)"
    )
