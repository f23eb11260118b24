"""Checks for exercise 4: streams and unified memory.

Which stream an op was built on is observed with streams owned by a finished helper thread
(`thread_bound_stream`): building ops on them works, evaluating them here fails naming the
stream, so `ran_on(result, sentinel)` tells whether the op that made `result` used it. Making
such a stream the default (`default_stream_is`) shows whether any op, an operator such as
`-b` included, was left on the default stream.

Every build is covered: `with mx.stream(s)` saves only the default device's stream
(mlx/utils.h, StreamContext), so on a build with a GPU a CPU stream stays the CPU's default
after the block. `keeping_defaults` puts back the default device and both default streams after
each call of dependent_adds, split_work and compare_split, and the run_on_stream checks do the
same after theirs: an answer written with such blocks gets the same verdict on every build.
"""

import math
import threading
import time
from contextlib import contextmanager

import mlx.core as mx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.checklib import (
    describe,
    expect,
    expect_array,
    is_evaluated,
    ran_on,
    spy_everywhere,
    thread_bound_stream,
)
from grader.checks import backend_name

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
HAS_GPU = mx.is_available(mx.gpu)
SIDE = mx.new_stream(mx.cpu)  # extra CPU streams of this thread, shared by the checks
SIDE2 = mx.new_stream(mx.cpu)


def _as_device(device):
    """The device behind a DeviceType, Device or Stream argument."""
    if isinstance(device, mx.DeviceType):
        return mx.Device(device)
    if isinstance(device, mx.Stream):
        return device.device
    return device


def _restore(default: mx.Stream, cpu_default: mx.Stream) -> None:
    """Put back the CPU's default stream, the default device and its default stream.

    On a build whose default device is the GPU, leaving `with mx.stream(cpu_stream)` restores the
    default device but keeps `cpu_stream` as the CPU's default (on Metal and CUDA alike); a
    sentinel stream left there would break every later `stream=mx.cpu` op in this process.
    `mx.set_default_stream` does not change the default device, so that is set on its own.
    """
    mx.set_default_stream(cpu_default)
    mx.set_default_device(default.device)
    mx.set_default_stream(default)


def keeping_defaults(fn, *args):
    """Call the student's `fn(*args)`, then put back the default device and both default streams.

    A correct answer may use `with mx.stream(s):` blocks; on a build with a GPU each block leaves
    its CPU stream as the CPU's default (see the module docstring), and the next call, or the
    next check, would then build its "default" CPU ops on that stream."""
    before, cpu_before = mx.default_stream(mx.default_device()), mx.default_stream(mx.cpu)
    try:
        return fn(*args)
    finally:
        _restore(before, cpu_before)


@contextmanager
def default_stream_is(trap: mx.Stream):
    """Make `trap` (a thread-bound CPU stream) the default stream, on the CPU as the default
    device, for the block: any op built there without an explicit stream lands on it."""
    before, cpu_before = mx.default_stream(mx.default_device()), mx.default_stream(mx.cpu)
    mx.set_default_device(trap.device)
    mx.set_default_stream(trap)
    try:
        yield
    finally:
        _restore(before, cpu_before)


@given(shape=shapes, seed=st.integers(0, 2**16))
def test_dependent_adds_values_across_streams(student, shape, seed):
    a = mx.random.normal(shape, key=mx.random.key(seed))
    b = mx.random.normal(shape, key=mx.random.key(seed + 1))
    c, d = keeping_defaults(student.dependent_adds, a, b, mx.cpu, SIDE)
    call = f"dependent_adds(a, b, mx.cpu, mx.new_stream(mx.cpu)) with a, b of shape {shape}"
    expected_c = np.array(a) + np.array(b)
    expect_array(c, expected_c, f"{call}[0]", rtol=1e-5)
    expect_array(d, np.array(a) + expected_c, f"{call}[1]", rtol=1e-5)


def test_dependent_adds_puts_each_add_on_its_stream(student):
    a = mx.array([1.0, 2.0, 3.0])
    b = mx.array([10.0, 20.0, 30.0])
    first, second = thread_bound_stream(), thread_bound_stream()
    c, _ = keeping_defaults(student.dependent_adds, a, b, first, second)
    expect(
        ran_on(c, first),
        f"dependent_adds(a, b, s1={first}, s2={second}): evaluating c did not need s1; "
        "build c = a + b with stream=s1",
    )
    # d also depends on c, so give c an ordinary stream and see whether d itself needs s2.
    other = thread_bound_stream()
    _, d = keeping_defaults(student.dependent_adds, a, b, mx.cpu, other)
    expect(
        ran_on(d, other),
        f"dependent_adds(a, b, s1=mx.cpu, s2={other}): evaluating d did not need s2; "
        "build d = a + c with stream=s2 (the stream you were given, not a new or default one)",
    )
    trap = thread_bound_stream()
    with default_stream_is(trap):
        c, d = keeping_defaults(student.dependent_adds, a, b, SIDE, SIDE2)
    for name, result in (("c", c), ("d", d)):
        expect(
            not ran_on(result, trap),
            f"dependent_adds(a, b, s1, s2): {name} needs an op on the default stream; an operator "
            "such as `a + b` takes no stream, so build each add with mx.add(..., stream=...)",
        )
    expect_array(d, [12.0, 24.0, 36.0], "dependent_adds([1, 2, 3], [10, 20, 30], s1, s2)[1]")


def test_run_on_stream_sets_the_default_inside(student):
    sentinel = thread_bound_stream()
    seen = []

    def fn(x):
        seen.append(mx.default_stream(mx.default_device()))
        return x * 2  # built without stream=, so it must land on the default stream

    x = mx.array([1.0, 2.0])
    before, cpu_before = mx.default_stream(mx.default_device()), mx.default_stream(mx.cpu)
    try:
        result = student.run_on_stream(sentinel, fn, x)
    finally:
        _restore(before, cpu_before)  # never leak a change of default to later checks
    expect(len(seen) == 1, f"run_on_stream(s, fn, x) called fn {len(seen)} times; expected once")
    expect(
        seen[0] == sentinel,
        f"inside run_on_stream({sentinel}, fn, x), fn saw default stream {seen[0]}; expected {sentinel}",
    )
    expect(
        isinstance(result, mx.array) and ran_on(result, sentinel),
        f"run_on_stream({sentinel}, fn, x) returned a {type(result).__name__} that was not built on the "
        "given stream; return fn's result, built while that stream is the default",
    )


def test_run_on_stream_restores_the_default_even_when_fn_raises(student):
    before, cpu_before = mx.default_stream(mx.default_device()), mx.default_stream(mx.cpu)
    # A stream of the default device: the block then restores everything it changed, on every
    # build, so anything left changed afterwards is the function's doing.
    sentinel = mx.new_stream(mx.default_device())
    try:
        out = student.run_on_stream(sentinel, lambda: mx.array(4.0))
    finally:
        after = mx.default_stream(mx.default_device())
        _restore(before, cpu_before)
    expect_array(out, 4.0, "run_on_stream(s, lambda: mx.array(4.0))")
    expect(
        after == before,
        f"after run_on_stream(s, fn) returned, the default stream was {after}; expected {before}",
    )

    def boom():
        raise KeyError("from fn")

    raised = False
    try:
        student.run_on_stream(mx.new_stream(mx.default_device()), boom)
    except KeyError:
        raised = True
    finally:
        after = mx.default_stream(mx.default_device())
        _restore(before, cpu_before)
    expect(raised, "run_on_stream(s, fn) swallowed the KeyError raised by fn; let it propagate")
    expect(
        after == before,
        f"after fn raised inside run_on_stream, the default stream was {after}; expected {before} "
        "(a `with` block restores it on exceptions too)",
    )


@pytest.mark.skipif(HAS_GPU, reason="this MLX build has a GPU; see test_pick_gpu_picks_the_gpu")
def test_pick_gpu_falls_back_to_the_cpu_with_a_reason(student):
    try:
        device, reason = student.pick_gpu()
    except ValueError as exc:
        raise AssertionError(
            f"pick_gpu() raised ValueError({exc}) on this CPU-only build; check mx.is_available(mx.gpu) "
            "instead of building anything on mx.gpu"
        ) from None
    expect(
        _as_device(device) == mx.Device(mx.cpu),
        f"pick_gpu() returned device {device!r} on a build without GPU; expected Device(cpu, 0)",
    )
    text = reason.lower() if isinstance(reason, str) else ""
    expect(
        "cpu" in text and any(name in text for name in ("gpu", "metal", "cuda")),
        f"pick_gpu() returned reason {reason!r}; expected a sentence saying that no GPU backend "
        "(GPU, Metal or CUDA, in any words) is available and that work runs on the CPU",
    )
    # The device it picked must be usable as a stream argument.
    out = mx.add(mx.array([1, 2]), mx.array([3, 4]), stream=device)
    expect_array(out, [4, 6], f"mx.add([1, 2], [3, 4], stream={device!r}) with the picked device")


def test_split_work_runs_matmul_on_d1_and_exps_on_d2(student):
    # Constants, not mx.ones/mx.full: no op of the default device (the GPU on a Mac) feeds the
    # sentinel streams, so only the student's ops decide which stream evaluation needs.
    a = mx.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    b = mx.array([[0.5, 0.5], [0.5, 0.5]])
    # d2 is a stream of the CPU here, not the device mx.cpu: on a build with a GPU, a block
    # `with mx.stream(d1):` leaves d1 as the CPU's default stream, so "the CPU" would then
    # rightly mean d1 for the rest of the call.
    first = thread_bound_stream()
    x, y = keeping_defaults(student.split_work, a, b, first, SIDE, 3)
    expect(
        ran_on(x, first),
        f"split_work(a, b, d1={first}, d2={SIDE}, 3): the matmul did not run on d1",
    )
    expect(
        not ran_on(y, first), "split_work(a, b, d1, d2, 3): the exps ran on d1; they belong on d2"
    )
    second = thread_bound_stream()
    x, y = keeping_defaults(student.split_work, a, b, mx.cpu, second, 3)
    expect(
        ran_on(y, second),
        f"split_work(a, b, d1=mx.cpu, d2={second}, 3): the exps did not run on d2",
    )
    expect(
        not ran_on(x, second), "split_work(a, b, d1, d2, 3): the matmul ran on d2; it belongs on d1"
    )


def test_split_work_builds_nothing_on_the_default_stream(student):
    a = mx.array([[1.0, 0.0], [0.5, 2.0], [0.0, 1.0]])
    b = mx.array([[0.5, 0.25], [0.75, 1.0]])
    trap = thread_bound_stream()
    with default_stream_is(trap):
        x, y = keeping_defaults(student.split_work, a, b, SIDE, SIDE2, 3)
    call = "split_work(a, b, d1, d2, 3) with d1, d2 two given streams"
    expect(
        not ran_on(x, trap),
        f"{call}: the matmul's result needs an op on the default stream; build it on d1",
    )
    expect(
        not ran_on(y, trap),
        f"{call}: the chain of exps needs an op on the default stream; every op of it, the "
        "negation too, must be built on d2 (an operator such as `-b` takes no stream)",
    )
    expected = np.array([[0.5, 0.25], [0.75, 1.0]], dtype=np.float64)
    for _ in range(3):
        expected = np.exp(-expected)
    expect_array(y, expected.astype(np.float32), f"{call}[1]", rtol=1e-5)


@given(
    rows=st.integers(1, 4), inner=st.integers(1, 4), cols=st.integers(1, 3), exps=st.integers(0, 4)
)
def test_split_work_values(student, rows, inner, cols, exps):
    key = mx.random.key(rows * 100 + inner * 10 + cols)
    a = mx.random.uniform(shape=(rows, inner), key=key)
    b = mx.random.uniform(shape=(inner, cols), key=mx.random.split(key)[0])
    x, y = keeping_defaults(student.split_work, a, b, mx.cpu, SIDE, exps)
    call = f"split_work(<{rows}x{inner}>, <{inner}x{cols}>, mx.cpu, <new cpu stream>, exps={exps})"
    expect_array(x, np.array(a) @ np.array(b), f"{call}[0]", rtol=1e-4, atol=1e-5)
    expected = np.array(b, dtype=np.float64)
    for _ in range(exps):
        expected = np.exp(-expected)
    expect_array(y, expected.astype(np.float32), f"{call}[1]", rtol=1e-4)


def test_compare_split_times_three_evaluated_configurations(student, monkeypatch):
    # split_work is observed under every name the module holds it by; the clock is the one the
    # spec lets the caller pass, and each reading records what split_work has returned so far.
    calls = spy_everywhere(monkeypatch, student._module.split_work, student._module)
    readings = []  # (number of split_work calls so far, results still unevaluated)

    def clock():
        lazy = sum(not is_evaluated(t) for *_, out in calls for t in out)
        readings.append((len(calls), lazy))
        return time.perf_counter()

    repeats = 3
    result = keeping_defaults(student.compare_split, (4, 3), (3, 2), 2, repeats, clock)
    call = f"compare_split((4, 3), (3, 2), 2, {repeats}, clock)"
    expect(
        isinstance(result, dict) and set(result) == {"default", "split", "cpu"},
        f"{call} returned {describe(result)}; expected a dict with the keys 'default', 'split' "
        "and 'cpu'",
    )
    bad = {
        k: v for k, v in result.items() if not (isinstance(v, float) and math.isfinite(v) and v > 0)
    }
    expect(not bad, f"{call} returned timings {bad}; expected positive numbers of seconds")
    pairs = {(str(_as_device(args[2])), str(_as_device(args[3]))) for args, _, _ in calls}
    cpu = str(mx.Device(mx.cpu))
    picked = str(mx.Device(mx.gpu)) if HAS_GPU else cpu
    expect(
        (picked, cpu) in pairs and (cpu, cpu) in pairs,
        f"{call} ran split_work on the (d1, d2) pairs {sorted(pairs)}; expected the split run "
        f"({picked}, {cpu}) and the all-CPU run ({cpu}, {cpu})",
    )
    expect(
        readings,
        f"{call} never read the clock it was given; take every time reading from `clock()`",
    )
    unevaluated = [lazy for _, lazy in readings if lazy]
    expect(
        not unevaluated,
        f"{call}: when the clock was read, {max(unevaluated, default=0)} results of split_work "
        "were still unevaluated; evaluate both results before reading the clock that stops the "
        "timer (without mx.eval the timer measures only graph building)",
    )
    seen = {count for count, _ in readings}
    timed = sum(1 for k in range(len(calls)) if k in seen and k + 1 in seen)
    expect(
        timed >= 3 * repeats,
        f"{call} bracketed {timed} of its {len(calls)} calls of split_work with clock readings; "
        f"expected at least {3 * repeats}: read the clock right before and right after each "
        f"timed call, {repeats} timed calls per configuration",
    )


def test_evaluate_in_thread_evaluates_in_the_worker(student):
    idents = []

    def fn(x):
        idents.append(threading.get_ident())
        return mx.exp(x) + 1

    x = mx.array([0.0, 1.0])
    result = student.evaluate_in_thread(fn, x)
    expect(
        len(idents) == 1, f"evaluate_in_thread(fn, x) called fn {len(idents)} times; expected once"
    )
    expect(
        idents[0] != threading.get_ident(),
        "evaluate_in_thread(fn, x) called fn in the caller's thread; use a worker thread",
    )
    expect(
        isinstance(result, mx.array) and is_evaluated(result),
        f"evaluate_in_thread(fn, x) returned {type(result).__name__} that is not evaluated; evaluate it inside "
        "the worker, whose streams the graph belongs to",
    )
    expect_array(
        result,
        np.exp([0.0, 1.0]).astype(np.float32) + 1,
        "evaluate_in_thread(lambda x: mx.exp(x) + 1, [0., 1.])",
    )

    def boom():
        raise ArithmeticError("from the worker")

    with pytest.raises(ArithmeticError, match="from the worker"):
        student.evaluate_in_thread(boom)


@pytest.mark.gpu
def test_pick_gpu_picks_the_gpu(student):
    device, reason = student.pick_gpu()
    expect(
        _as_device(device) == mx.Device(mx.gpu),
        f"pick_gpu() returned {device!r} on a build with a GPU; expected Device(gpu, 0)",
    )
    backend = backend_name()
    expect(
        isinstance(reason, str) and backend in reason.lower(),
        f"pick_gpu() returned reason {reason!r}; expected it to name the backend {backend!r}",
    )


@pytest.mark.gpu
def test_dependent_adds_from_cpu_to_gpu(student):
    a = mx.array([1.0, 2.0, 3.0])
    b = mx.array([0.5, 0.5, 0.5])
    c, d = keeping_defaults(student.dependent_adds, a, b, mx.cpu, mx.gpu)
    expect_array(c, [1.5, 2.5, 3.5], "dependent_adds([1, 2, 3], [.5, .5, .5], mx.cpu, mx.gpu)[0]")
    expect_array(d, [2.5, 4.5, 6.5], "dependent_adds([1, 2, 3], [.5, .5, .5], mx.cpu, mx.gpu)[1]")
