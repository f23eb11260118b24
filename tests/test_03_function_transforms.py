"""Checks for exercise 3: function transforms."""

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
)

# (name, f, f', f'') with the derivatives worked out by hand, in float64 NumPy.
FUNCTIONS = [
    (
        "sin(x) * x",
        lambda x: mx.sin(x) * x,
        lambda x: np.cos(x) * x + np.sin(x),
        lambda x: 2 * np.cos(x) - x * np.sin(x),
    ),
    ("x**3 - 2x", lambda x: x**3 - 2 * x, lambda x: 3 * x**2 - 2, lambda x: 6 * x),
    (
        "exp(-x*x)",
        lambda x: mx.exp(-x * x),
        lambda x: -2 * x * np.exp(-x * x),
        lambda x: (4 * x * x - 2) * np.exp(-x * x),
    ),
]
TIGHT = {"rtol": 2e-6, "atol": 2e-6}  # float32 rounding passes, finite differences do not


def mse_loss(p, x, y):
    return mx.mean((x @ p["w"] + p["b"] - y) ** 2)


def scaled_loss(p, x, y):
    return mx.mean((p["extra"][0]["s"] * (x @ p["w"]) - y) ** 2)


def example_mse(p, x, y):
    return (mx.sum(p["w"] * x) + p["b"] - y) ** 2


def example_logistic(p, x, y):
    return mx.log1p(mx.exp(-y * (mx.sum(p["w"] * x) + p["b"])))


def pair(result, call, what):
    """Unpack a 2-tuple or fail with a message that says what was expected (built only on failure,
    because describing an array evaluates it)."""
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise AssertionError(
            f"{call} returned {type(result).__name__} {describe(result)}; expected a pair {what}"
        )
    return result


def small_data(seed, n, d):
    x = mx.random.normal((n, d), key=mx.random.key(seed))
    y = mx.random.normal((n,), key=mx.random.key(seed + 1))
    return x, y


@given(index=st.integers(0, len(FUNCTIONS) - 1), x=st.floats(-2, 2, width=32))
def test_derivatives_match_calculus(student, index, x):
    name, f, d1, d2 = FUNCTIONS[index]
    df, d2f = pair(student.derivatives(f), f"derivatives(<{name}>)", "(df, d2f)")
    expect_array(
        df(mx.array(x)), np.float32(d1(np.float64(x))), f"df(mx.array({x})) for f = {name}", **TIGHT
    )
    expect_array(
        d2f(mx.array(x)),
        np.float32(d2(np.float64(x))),
        f"d2f(mx.array({x})) for f = {name}",
        **TIGHT,
    )


def test_derivatives_are_lazy_and_compose_with_vmap_and_compile(student):
    df, d2f = pair(student.derivatives(mx.sin), "derivatives(mx.sin)", "(df, d2f)")
    x = mx.array(0.5)
    first, second = df(x), d2f(x)
    expect_lazy(first, "derivatives(mx.sin)[0](mx.array(0.5))")
    expect_lazy(second, "derivatives(mx.sin)[1](mx.array(0.5))")
    expect_array(second, np.float32(-np.sin(0.5)), "derivatives(mx.sin)[1](mx.array(0.5))", **TIGHT)
    # A derivative that comes from the graph is an MLX function like any other: it can be
    # vectorised and compiled. One that evaluates (.item(), float(), NumPy) cannot.
    xs = mx.array([-1.5, 0.0, 0.25, 2.0])
    xn = np.array([-1.5, 0.0, 0.25, 2.0], dtype=np.float64)
    for name, fn, expected in (("df", df, np.cos(xn)), ("d2f", d2f, -np.sin(xn))):
        call = f"mx.vmap({name})(mx.array([-1.5, 0, 0.25, 2])) for f = mx.sin"
        try:
            batched = mx.vmap(fn)(xs)
        except ValueError as exc:
            raise AssertionError(
                f"{call} raised ValueError: {exc}; build the derivative with transforms and return it "
                "unevaluated"
            ) from None
        expect_array(batched, expected.astype(np.float32), call, **TIGHT)
        compiled = call_compiled(fn, mx.array(1.0), call=f"mx.compile({name})(mx.array(1.0))")
        value = np.cos(1.0) if name == "df" else -np.sin(1.0)
        expect_array(compiled, np.float32(value), f"mx.compile({name})(mx.array(1.0))", **TIGHT)


@given(x=st.floats(-2, 2, width=32), y=st.floats(-2, 2, width=32))
def test_value_and_partials_returns_value_and_both_partials(student, x, y):
    def f(a, b):
        return a * b**2 + mx.sin(a)

    call = f"value_and_partials(f)(mx.array({x}), mx.array({y})) for f(a, b) = a*b**2 + sin(a)"
    value, grads = pair(
        student.value_and_partials(f)(mx.array(x), mx.array(y)), call, "(value, (df/da, df/db))"
    )
    dx, dy = pair(grads, f"{call}[1]", "(df/da, df/db)")
    expect_lazy(value, f"{call}[0]")
    x64, y64 = np.float64(x), np.float64(y)
    expect_array(value, np.float32(x64 * y64**2 + np.sin(x64)), f"{call}[0]", rtol=1e-5, atol=1e-5)
    expect_array(dx, np.float32(y64**2 + np.cos(x64)), f"{call}[1][0]", rtol=1e-5, atol=1e-5)
    expect_array(dy, np.float32(2 * x64 * y64), f"{call}[1][1]", rtol=1e-5, atol=1e-5)


def test_loss_and_grads_differentiates_a_dict_of_params(student):
    x, y = small_data(3, 6, 3)
    params = {"w": mx.array([0.5, -1.0, 2.0]), "b": mx.array(0.25)}
    call = "loss_and_grads(mse_loss, {'w': <(3,)>, 'b': <()>}, x, y)"
    loss, grads = pair(student.loss_and_grads(mse_loss, params, x, y), call, "(loss, grads)")
    expect_lazy(loss, f"{call}[0]")
    expect(
        isinstance(grads, dict),
        f"{call}[1] is a {type(grads).__name__}; expected a dict like params",
    )
    expect(set(grads) == {"w", "b"}, f"{call}[1] has the keys {sorted(grads)}; expected ['b', 'w']")
    expect_lazy(grads["w"], f"{call}[1]['w']")
    xn, yn = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
    r = xn @ np.array([0.5, -1.0, 2.0]) + 0.25 - yn
    expect_array(loss, np.float32(np.mean(r**2)), f"{call}[0]", rtol=1e-5)
    expect_array(
        grads["w"], (2 * xn.T @ r / 6).astype(np.float32), f"{call}[1]['w']", rtol=1e-5, atol=1e-5
    )
    expect_array(grads["b"], np.float32(2 * r.mean()), f"{call}[1]['b']", rtol=1e-5, atol=1e-5)


def test_loss_and_grads_keeps_a_nested_structure(student):
    x, y = small_data(5, 4, 2)
    params = {"w": mx.array([1.5, -0.5]), "extra": [{"s": mx.array(0.75)}]}
    call = "loss_and_grads(scaled_loss, {'w': <(2,)>, 'extra': [{'s': <()>}]}, x, y)"
    loss, grads = pair(student.loss_and_grads(scaled_loss, params, x, y), call, "(loss, grads)")
    ok = (
        isinstance(grads, dict)
        and isinstance(grads.get("extra"), list)
        and isinstance(grads["extra"][0], dict)
    )
    expect(
        ok,
        f"{call}[1] is {describe(grads)}; expected the structure of params: {{'w', 'extra': [{{'s'}}]}}",
    )
    xn, yn = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
    z = xn @ np.array([1.5, -0.5])
    r = 0.75 * z - yn
    expect_array(loss, np.float32(np.mean(r**2)), f"{call}[0]", rtol=1e-5)
    expect_array(
        grads["w"],
        (2 * 0.75 * xn.T @ r / 4).astype(np.float32),
        f"{call}[1]['w']",
        rtol=1e-5,
        atol=1e-5,
    )
    expect_array(
        grads["extra"][0]["s"],
        np.float32(2 * np.mean(r * z)),
        f"{call}[1]['extra'][0]['s']",
        rtol=1e-5,
        atol=1e-5,
    )


@given(
    n=st.integers(1, 5),
    d=st.integers(1, 3),
    seed=st.integers(0, 2**16),
    logistic=st.booleans(),
)
def test_per_example_grads_match_a_loop_of_single_grads(student, n, d, seed, logistic):
    loss = example_logistic if logistic else example_mse
    xs, ys = small_data(seed, n, d)
    params = {"w": mx.linspace(-1, 1, d), "b": mx.array(0.3)}
    call = f"per_example_grads({loss.__name__}, params, xs <({n}, {d})>, ys <({n},)>)"
    result = student.per_example_grads(loss, params, xs, ys)
    expect(
        isinstance(result, dict),
        f"{call} returned {type(result).__name__}; expected a dict like params",
    )
    expect(set(result) == {"w", "b"}, f"{call} has the keys {sorted(result)}; expected ['b', 'w']")
    single = [mx.grad(loss)(params, xs[i], ys[i]) for i in range(n)]
    for key in ("w", "b"):
        expected = mx.stack([g[key] for g in single])
        expect_array(
            result[key], expected, f"{call}[{key!r}] (one row per example)", rtol=1e-5, atol=1e-6
        )


def test_per_example_grads_graph_does_not_grow_with_the_batch(student):
    params = {"w": mx.array([0.5, -0.5, 1.0]), "b": mx.array(0.1)}
    sizes = {}
    for n in (3, 12):
        xs, ys = small_data(7, n, 3)
        result = student.per_example_grads(example_mse, params, xs, ys)
        call = f"per_example_grads(example_mse, params, <({n}, 3)>, <({n},)>)"
        expect(
            isinstance(result, dict) and "w" in result,
            f"{call} returned {type(result).__name__}; expected a dict",
        )
        expect_lazy(result["w"], f"{call}['w']")
        sizes[n] = len(graph_primitives(*result.values()))
    expect(
        sizes[3] == sizes[12],
        f"the gradient graph has {sizes[3]} operations for 3 examples and {sizes[12]} for 12; "
        "expected the same number: vmap traces the function once, a Python loop repeats it per example",
    )


@given(w=st.floats(-2, 2, width=32), seed=st.integers(0, 2**16))
def test_target_loss_blocks_the_gradient_through_the_target(student, w, seed):
    x = mx.random.normal((5,), key=mx.random.key(seed))
    y = mx.random.normal((5,), key=mx.random.key(seed + 1))
    xn, yn = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
    p = np.float64(w) * xn
    call = f"mx.grad(target_loss)(mx.array({w}), x, y)"
    grad = mx.grad(student.target_loss)(mx.array(w), x, y)
    expected = np.float32(np.mean((p - yn) * xn))
    expect_array(
        grad, expected, call + " (the target must count as a constant)", rtol=1e-5, atol=1e-5
    )


def test_target_loss_value_stays_lazy(student):
    w, x, y = mx.array(1.5), mx.array([1.0, -2.0, 0.5]), mx.array([0.0, 1.0, 2.0])
    loss = student.target_loss(w, x, y)
    call = "target_loss(mx.array(1.5), mx.array([1, -2, 0.5]), mx.array([0, 1, 2]))"
    expect_lazy(loss, call)
    p = 1.5 * np.array([1.0, -2.0, 0.5])
    expected = np.float32(np.mean(((p - np.array([0.0, 1.0, 2.0])) / 2) ** 2))
    expect_array(loss, expected, call)


def test_map_columns_calls_f_once_and_stacks_results_as_columns(student):
    calls = []

    def summary(v):
        calls.append(tuple(v.shape))
        return mx.stack([v.sum(), v.max(), v[0]])

    m = mx.arange(20, dtype=mx.float32).reshape(4, 5)
    call = "map_columns(summary, mx.arange(20).reshape(4, 5)) with summary(v) = [sum, max, v[0]]"
    result = student.map_columns(summary, m)
    mn = np.arange(20, dtype=np.float32).reshape(4, 5)
    expected = np.stack([mn.sum(axis=0), mn.max(axis=0), mn[0]])
    expect_array(result, expected, call)
    expect(
        calls == [(4,)],
        f"{call} called summary with the shapes {calls}; expected one call with a column of shape "
        "(4,): vmap traces f once for the whole batch",
    )


@given(rows=st.integers(1, 4), cols=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_map_columns_vectorises_over_the_columns(student, rows, cols, seed):
    m = mx.random.normal((rows, cols), key=mx.random.key(seed))
    expected = np.cumsum(np.array(m), axis=0)
    result = student.map_columns(mx.cumsum, m)
    expect_array(result, expected, f"map_columns(mx.cumsum, <{describe(m)}>)", rtol=1e-5, atol=1e-5)
