"""Checks for exercise 1: lazy evaluation."""

import mlx.core as mx
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from grader.checklib import (
    expect,
    expect_array,
    expect_lazy,
    graph_primitives,
    is_evaluated,
    spy_everywhere,
)

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


@given(shape=shapes, seed=st.integers(0, 2**16))
def test_build_graph_computes_exp_times_two_plus_one(student, shape, seed):
    x = mx.random.normal(shape, key=mx.random.key(seed))
    expected = np.exp(np.array(x)) * 2 + 1
    expect_array(
        student.build_graph(x),
        expected.astype(np.float32),
        f"build_graph(<float32 array of shape {shape}>)",
        rtol=1e-4,
    )


def test_build_graph_stays_lazy_and_is_built_from_x(student):
    base = mx.array([0.0, 1.0, 2.0])
    x = base * 1  # an unevaluated input: only a graph built from it can leave it unevaluated
    call = "build_graph(x) with x = mx.array([0., 1., 2.]) * 1, unevaluated"
    y = student.build_graph(x)
    expect(
        not is_evaluated(x),
        f"{call} evaluated x; build the expression from x with MLX operations, which need no numbers yet",
    )
    expect_lazy(y, call)
    mx.eval(y)
    expect(
        is_evaluated(x),
        f"after mx.eval(y), where y = {call}, x was still unevaluated, so y was not computed from x; "
        "build it from x with MLX operations",
    )
    expect_array(y, np.exp(np.array([0.0, 1.0, 2.0], dtype=np.float32)) * 2 + 1, call, rtol=1e-5)


def test_split_work_computes_only_what_is_used(student):
    x = mx.arange(8, dtype=mx.float32) / 8
    basic, costly = student.split_work(x)
    expect_lazy(basic, "split_work(x)[0]")
    expect_lazy(costly, "split_work(x)[1]")
    mx.eval(basic)
    expect(
        not is_evaluated(costly),
        "after mx.eval(basic), `costly` was evaluated too; build it from separate operations so that "
        "evaluating basic does not compute it",
    )
    expect_array(basic, np.arange(8, dtype=np.float32) / 8 + 1, "split_work(x)[0]")


def test_split_work_costly_value(student):
    x = mx.arange(8, dtype=mx.float32) / 8
    _, costly = student.split_work(x)
    basic = np.arange(8, dtype=np.float64) / 8 + 1
    m = np.outer(basic, basic)
    sums = []
    for _ in range(11):
        m = m + np.tanh((m @ m) / m.shape[0])
        sums.append(m.sum())
    # Each round adds about 64 here (every tanh has saturated at 1), so a wrong count of rounds
    # is 8% away: far outside the tolerance.
    rounds = int(np.argmin([abs(float(np.asarray(costly)) - s) for s in sums])) + 1
    hint = (
        f" (that is the sum after {rounds} rounds: repeat the update ten times)"
        if rounds != 10
        else ""
    )
    expect_array(costly, np.float32(sums[9]), f"split_work(mx.arange(8) / 8)[1]{hint}", rtol=1e-3)


def test_fit_line_evaluates_once_per_step(student):
    x = mx.linspace(-1, 1, 32)
    y = 3 * x - 1
    pending = []

    def on_step(step, w, b):
        pending.append(len(graph_primitives(w, b)))

    student.fit_line(x, y, steps=5, lr=0.1, on_step=on_step)
    expect(
        len(pending) == 5,
        f"fit_line(..., steps=5, on_step=f) called on_step {len(pending)} times; expected 5",
    )
    expect(
        max(pending) == 0,
        f"pending operations in (w, b) seen by on_step at each step: {pending}; expected [0, 0, 0, 0, 0]: "
        "evaluate w and b once per step, before calling on_step, so the graph does not grow",
    )


def test_fit_line_converges(student):
    x = mx.linspace(-1, 1, 64)
    y = 3 * x - 1
    w, b = student.fit_line(x, y, steps=300, lr=0.2)
    expect_array(w, np.float32(3.0), "fit_line(x, 3x - 1, steps=300, lr=0.2)[0]", atol=1e-2, rtol=0)
    expect_array(
        b, np.float32(-1.0), "fit_line(x, 3x - 1, steps=300, lr=0.2)[1]", atol=1e-2, rtol=0
    )


@given(a=shapes, b=shapes)
def test_can_add_follows_broadcasting(student, a, b):
    try:
        np.broadcast_shapes(a, b)
        expected = True
    except ValueError:
        expected = False
    actual = student.can_add(mx.zeros(a), mx.zeros(b))
    expect(
        actual is expected,
        f"can_add(<shape {a}>, <shape {b}>) returned {actual!r}; expected {expected!r}",
    )


def test_can_add_never_evaluates(student):
    a = mx.random.normal((2048, 1))
    b = mx.random.normal((1, 2048))
    c = mx.random.normal((3, 2048))
    expect(
        student.can_add(a, b) is True,
        "can_add(<shape (2048, 1)>, <shape (1, 2048)>) should be True",
    )
    expect(
        student.can_add(a, c) is False,
        "can_add(<shape (2048, 1)>, <shape (3, 2048)>) should be False",
    )
    expect(
        not any(is_evaluated(t) for t in (a, b, c)),
        "can_add evaluated its inputs; shapes are known without computing anything, so only build a + b",
    )


def _params():
    """A nested tree of unevaluated arrays, with leaves that are not arrays mixed in."""
    return {
        "w": mx.ones((3, 3)) * 2,
        "layers": [{"b": mx.zeros(3) + 1}, {"b": mx.arange(3) * 3, "act": "relu"}],
        "pair": (mx.arange(2) - 1, None),
        "scale": 0.5,
    }


def _leaves(params):
    return [params["w"], params["layers"][0]["b"], params["layers"][1]["b"], params["pair"][0]]


def test_materialize_evaluates_every_leaf(student):
    params = _params()
    leaves = _leaves(params)
    call = "materialize({'w': ..., 'layers': [{'b': ...}, {'b': ..., 'act': 'relu'}], 'pair': (..., None), 'scale': 0.5})"
    # Called on the module itself: a call summary that printed the dict would evaluate its arrays.
    result = student._module.materialize(params)
    expect(result is params, f"{call} returned a different object; return the dict it was given")
    names = ["w", "layers[0].b", "layers[1].b", "pair[0]"]
    lazy = [name for name, leaf in zip(names, leaves, strict=True) if not is_evaluated(leaf)]
    expect(
        not lazy,
        f"{call} left {lazy} unevaluated; every array in the tree (inside dicts, lists and tuples) must be",
    )
    expect(
        params["scale"] == 0.5
        and params["layers"][1]["act"] == "relu"
        and params["pair"][1] is None,
        f"{call} changed the leaves that are not arrays; leave them as they are",
    )
    expect_array(params["layers"][1]["b"], [0, 3, 6], f"{call}['layers'][1]['b']")
    expect_array(params["pair"][0], [-1, 0], f"{call}['pair'][0]")


def test_materialize_evaluates_the_tree_in_one_call(student, monkeypatch):
    params = _params()
    # Counted however the student reaches them: mx.eval, mlx.core.eval or an imported alias.
    evals = spy_everywhere(monkeypatch, mx.eval, mx, student._module)
    async_evals = spy_everywhere(monkeypatch, mx.async_eval, mx, student._module)
    student.materialize(params)
    calls = len(evals) + len(async_evals)
    expect(
        calls == 1,
        f"materialize(params) called mx.eval (or mx.async_eval) {calls} times; expected one call on the "
        "whole tree: mx.eval walks dicts, lists and tuples itself",
    )
    expect(
        all(is_evaluated(t) for t in _leaves(params)),
        "materialize(params) left some arrays in the tree unevaluated",
    )
