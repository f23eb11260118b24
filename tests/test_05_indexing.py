"""Checks for exercise 5: indexing.

MLX does not bounds-check, and an out-of-bounds read can kill the interpreter, so every call of
`safe_take` (even with valid indices: a wrong answer may still read out of bounds) runs in a
child process through `run_isolated`.
"""

import json
import math

import mlx.core as mx
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from grader.checklib import (
    describe,
    expect,
    expect_array,
    expect_lazy,
    graph_primitives,
    run_isolated,
)

# Runs in the child: loads the graded module and calls safe_take on a batch of (x, indices,
# index dtype) cases with an unevaluated x, reporting for each the values, or the exception, and
# whether x and the result were still unevaluated when safe_take returned.
BATCH_RUNNER = r"""
import importlib.util, json
import mlx.core as mx

def evaluated(a):
    try:
        mx.get_array_buffer_size(a)
        return True
    except ValueError:
        return False

def take_all(path, cases):
    spec = importlib.util.spec_from_file_location("graded_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = []
    for x, idx, dtype in json.loads(cases):
        lazy_x = mx.array(x, dtype=mx.float32) * 1  # unevaluated until something needs it
        try:
            out = module.safe_take(lazy_x, mx.array(idx, dtype=getattr(mx, dtype)))
        except Exception as exc:
            results.append({"raised": f"{type(exc).__name__}: {exc}"})
            continue
        if not isinstance(out, mx.array):
            results.append({"raised": f"returned {type(out).__name__}, not an mx.array"})
            continue
        x_lazy, out_lazy = not evaluated(lazy_x), not evaluated(out)
        results.append(
            {"shape": list(out.shape), "value": out.tolist(), "x_lazy": x_lazy, "lazy": out_lazy}
        )
    return results
"""


def take_cases(seed: int, count: int) -> list:
    """Valid (x, indices) pairs of varied shapes, from a seeded generator, plus edge cases."""
    rng = np.random.default_rng(seed)
    cases = [
        ([0.5, 1.5, 2.5], [2]),
        ([0.5, 1.5, 2.5], [-3]),
        ([0.5, 1.5, 2.5], [-1, 0, 2, -2]),
        ([0.5, 1.5, 2.5], []),
        ([0.5, 1.5, 2.5], -1),
        ([[1.0, 2.0], [3.0, 4.0]], [[1, -2], [0, -1]]),
    ]
    for _ in range(count):
        n = int(rng.integers(1, 9))
        tail = tuple(int(d) for d in rng.integers(1, 4, size=rng.integers(0, 3)))
        idx_shape = tuple(int(d) for d in rng.integers(1, 4, size=rng.integers(0, 3)))
        x = (np.arange(n * math.prod(tail), dtype=np.float32) * 1.5 + 0.25).reshape(n, *tail)
        idx = rng.integers(-n, n, size=idx_shape, dtype=np.int32)
        cases.append((x.tolist(), idx.tolist()))
    return [(x, idx, "int32") for x, idx in cases]


def take_in_child(student, tmp_path, cases: list) -> list[dict]:
    """What safe_take did with each (x, indices, index dtype) case, called in a child process."""
    runner = tmp_path / "batch_runner.py"
    runner.write_text(BATCH_RUNNER)
    outcome = run_isolated(runner, "take_all", str(student.path), json.dumps(cases), timeout=55)
    shown = ", ".join(f"mx.array({idx}, dtype=mx.{dtype})" for _, idx, dtype in cases[:3])
    expect(
        outcome["outcome"] == "returned",
        f"safe_take crashed the child process it ran in ({outcome}) on indices such as {shown}; "
        "every index must be checked before anything is read",
    )
    for got in outcome["value"]:
        if str(got.get("raised", "")).startswith("NotImplementedError"):
            raise NotImplementedError(got["raised"].split(": ", 1)[-1])
    return outcome["value"]


def _expect_taken(x: list, idx, dtype: str, got: dict) -> None:
    call = f"safe_take(mx.array({describe(x)}), mx.array({idx}, dtype=mx.{dtype}))"
    expect("raised" not in got, f"{call} raised {got.get('raised')}; every index in it is valid")
    expected = np.asarray(x, dtype=np.float32)[np.asarray(idx, dtype=np.int64)]
    expect(
        tuple(got["shape"]) == expected.shape
        and np.allclose(
            np.asarray(got["value"], dtype=np.float32).reshape(expected.shape), expected
        ),
        f"{call} returned {describe(got['value'])} of shape {tuple(got['shape'])}; expected {describe(expected)}",
    )


def _rejection(student, x, index, size):
    result = run_isolated(student.path, "safe_take", x, [index])
    call = f"safe_take(<array of size {size}>, mx.array([{index}]))"
    if result["outcome"] == "crashed":
        raise AssertionError(
            f"{call} crashed the Python process (exit status {result['returncode']}): MLX read out of bounds; "
            "check the indices and raise IndexError before indexing"
        )
    if result["outcome"] == "returned":
        raise AssertionError(
            f"{call} returned {result['value']!r}; expected IndexError (MLX read garbage out of bounds)"
        )
    expect(
        result["type"] == "IndexError",
        f"{call} raised {result['type']}: {result['message']}; expected IndexError",
    )
    message = result["message"]
    expect(
        str(index) in message and str(size) in message,
        f"{call} raised IndexError({message!r}); the message must give the bad index {index} and the size {size}",
    )


# (size, first, last, step): the whole deck, the last card alone, the first card alone, and steps
# that land exactly on the last card.
BOUNDARY_CARDS = [(10, 1, 10, 1), (10, 10, 10, 1), (10, 1, 1, 3), (10, 4, 10, 3), (10, 2, 9, 7)]


def _check_cards(student, size, first, last, step):
    deck = mx.arange(size) * 10
    mx.eval(deck)
    call = f"cards_between(mx.arange({size}) * 10, first={first}, last={last}, step={step})"
    result = student.cards_between(deck, first, last, step)
    expected = [10 * k for k in range(size)][first - 1 : last : step]
    if len(expected) < size:  # a slice of the whole deck is the deck itself, already evaluated
        expect_lazy(result, call)
    expect_array(result, mx.array(expected, dtype=mx.int32), call)


def test_cards_between_includes_both_ends(student):
    for case in BOUNDARY_CARDS:
        _check_cards(student, *case)


@given(size=st.integers(1, 12), data=st.data())
def test_cards_between_counts_from_one_and_includes_the_last(student, size, data):
    first = data.draw(st.integers(1, size), label="first")
    last = data.draw(st.integers(first, size), label="last")
    step = data.draw(st.integers(1, 3), label="step")
    _check_cards(student, size, first, last, step)


def test_cards_between_matches_the_chapter_example(student):
    deck = mx.arange(10)
    mx.eval(deck)
    call = "cards_between(mx.arange(10), 3, 8, 2)"
    result = student.cards_between(deck, 3, 8, 2)
    expect_lazy(result, call)
    expect_array(
        result, [2, 4, 6], f"{call} (the 3rd to the 8th card, every second one: positions 2, 4, 6)"
    )


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
def test_last_entries_of_any_rank(student, shape):
    x = mx.arange(math.prod(shape), dtype=mx.float32).reshape(shape)
    mx.eval(x)
    call = f"last_entries(<array of shape {shape}>)"
    result = student.last_entries(x)
    expect_lazy(result, call)
    expect_array(result, np.array(x)[..., -1], call)


@given(n=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_pairwise_differences_broadcasts_without_a_loop(student, n, seed):
    x = mx.random.normal((n,), key=mx.random.key(seed))
    short, long = mx.array([0.5, -1.0]), mx.arange(7, dtype=mx.float32)
    mx.eval(x, short, long)
    call = f"pairwise_differences(<vector of length {n}>)"
    ops_short = graph_primitives(student.pairwise_differences(short))
    ops_long = graph_primitives(student.pairwise_differences(long))
    expect(
        len(ops_short) == len(ops_long),
        f"pairwise_differences was built with {len(ops_short)} operations for a vector of length 2 "
        f"and {len(ops_long)} for length 7 ({ops_long}); expected the same graph for every length: "
        "one broadcasted subtraction of a column and a row, no loop over the entries",
    )
    result = student.pairwise_differences(x)
    v = np.array(x)
    expect_array(result, v[:, None] - v[None, :], call, rtol=1e-5)


def test_safe_take_gathers_valid_indices_with_mlx(student, tmp_path):
    cases = take_cases(seed=5, count=30)
    for (x, idx, dtype), got in zip(cases, take_in_child(student, tmp_path, cases), strict=True):
        call = f"safe_take(mx.array({x}), mx.array({idx}))"
        _expect_taken(x, idx, dtype, got)
        expect(
            got["x_lazy"] and got["lazy"],
            f"{call} with x unevaluated: after the call x was {'un' if got['x_lazy'] else ''}evaluated "
            f"and the result {'un' if got['lazy'] else ''}evaluated; expected both unevaluated: check "
            "only the indices' values, and gather from x with MLX indexing (no NumPy)",
        )


def test_safe_take_rejects_the_index_equal_to_the_size(student):
    _rejection(student, [float(k) for k in range(10)], 10, 10)
    # Several bad indices: the first in row-major order (15) is neither the largest nor the
    # smallest.
    indices = [[1, 15], [-20, 30]]
    result = run_isolated(student.path, "safe_take", [float(k) for k in range(10)], indices)
    call = f"safe_take(<array of size 10>, mx.array({indices}))"
    expect(
        result["outcome"] == "raised" and result["type"] == "IndexError",
        f"{call} gave {result}; expected IndexError",
    )
    expect(
        "15" in result["message"] and "10" in result["message"],
        f"{call} raised IndexError({result['message']!r}); expected it to name the first bad index, "
        "15 (in row-major order), and the size 10",
    )


def test_safe_take_rejects_a_too_negative_index(student):
    _rejection(student, [float(k) for k in range(7)], -8, 7)


# (size, indices, dtype): where a Python int compared with the indices does not fit their dtype
# (-n in a uint8, n >= 128 in an int8), or the values do not fit an int32.
# Few dtypes: a CUDA build compiles a kernel for each one it meets.
VALID_TYPED = [
    (5, [4, 0, 2], "uint8"),
    (200, [-100, 127, -128, 0], "int8"),
    (6, [5, 1], "uint32"),
    (4, [[-4, 3]], "int64"),
]
INVALID_TYPED = [
    (10, [1, 10], "uint8", 10),
    (100, [5, -128], "int8", -128),
    (10, [3_000_000_000], "uint32", 3_000_000_000),
]


def test_safe_take_accepts_every_integer_dtype(student, tmp_path):
    cases = [([0.5 + k for k in range(n)], idx, dtype) for n, idx, dtype in VALID_TYPED]
    for (x, idx, dtype), got in zip(cases, take_in_child(student, tmp_path, cases), strict=True):
        _expect_taken(x, idx, dtype, got)
    invalid = [([0.5 + k for k in range(n)], idx, dtype) for n, idx, dtype, _ in INVALID_TYPED]
    outcomes = take_in_child(student, tmp_path, invalid)
    for (n, idx, dtype, bad), got in zip(INVALID_TYPED, outcomes, strict=True):
        call = f"safe_take(<array of size {n}>, mx.array({idx}, dtype=mx.{dtype}))"
        raised = str(got.get("raised", ""))
        expect(
            raised.startswith("IndexError"),
            f"{call} {'raised ' + raised if raised else 'returned ' + describe(got['value'])}; "
            f"expected IndexError: {bad} is out of bounds (compare in a dtype that holds n, -n "
            "and every index)",
        )
        expect(
            str(bad) in raised and str(n) in raised,
            f"{call} raised {raised!r}; the message must give the bad index {bad} and the size {n}",
        )


@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 2**16)
)
def test_keep_where_selects_without_boolean_indexing(student, shape, seed):
    key = mx.random.key(seed)
    values = np.array(mx.random.normal(shape, key=key))
    keep = np.array(mx.random.bernoulli(0.5, shape, key=mx.random.split(key)[0]))
    # Poison the entries that are masked out: they must not leak into the result.
    values[~keep] = np.inf
    dropped = np.flatnonzero(~keep)
    if dropped.size:
        values.flat[dropped[0]] = np.nan
    x, mask = mx.array(values), mx.array(keep)
    call = f"keep_where(<array of shape {shape} with inf/nan where masked out>, mask, -2.0)"
    try:
        result = student.keep_where(x, mask, -2.0)
    except ValueError as exc:
        raise AssertionError(
            f"{call} raised ValueError({exc}); MLX cannot READ with a boolean mask (x[mask]), select with an "
            "operation that keeps the shape"
        ) from None
    expect_lazy(result, call)
    expect_array(result, np.where(np.array(mask), np.array(x), np.float32(-2.0)), call)


def test_set_masked_updates_the_callers_array(student):
    x = mx.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
    alias = x
    mask = x < 0
    returned = student.set_masked(x, mask, 0.0)
    expect(
        returned is None,
        f"set_masked(x, x < 0, 0.0) returned {describe(returned)}; expected None (update x in place)",
    )
    expect_array(
        alias,
        [[1.0, 0.0, 3.0], [0.0, 5.0, 0.0]],
        "reading x after set_masked(x, x < 0, 0.0)",
    )
