"""Exercise 4: streams and unified memory.

Where arrays live
- On Apple silicon the CPU and the GPU share one pool of memory. An MLX array is not "on" a
  device, so there is no `.to(device)` and nothing to copy: you choose where each OPERATION
  runs, and any device can read its inputs.
- On Linux with the CUDA backend (`mlx[cuda12]` / `mlx[cuda13]`), where memory sits depends on
  who made the array. Arrays created on the host (from Python data, or by CPU operations) sit in
  CUDA managed memory, or in pinned host memory where the GPU cannot use managed memory, so both
  devices reach them. Results of GPU kernels start in the GPU's own memory, and MLX moves them
  to managed memory when the CPU needs them. You still write no transfers, but these moves
  happen, and they cost time.
- On a CPU-only build (`mlx[cpu]`, as on most Linux laptops and CI machines) there is a single
  device, the CPU. `mx.gpu` exists as a name, but building any op with it raises
  `ValueError: [default_stream] Cannot get gpu stream without gpu backend.` at once, on the
  line that builds the op, before anything is evaluated.

Streams
- A stream is an ordered queue of work on one device. Every function of `mlx.core` that builds
  an op (`mx.add`, `mx.exp`, `mx.matmul`, `mx.negative`, ...) takes `stream=`, which accepts a
  `Stream` (from `mx.new_stream(device)` or `mx.default_stream(device)`), a `Device`
  (`mx.Device(mx.cpu)`) or a `DeviceType` (`mx.cpu`, `mx.gpu`); a device means "that device's
  default stream". Without `stream=` an op goes to `mx.default_stream(mx.default_device())`.
- Operators take no `stream=`: `a + b`, `a @ b`, `-a` and `a * 2` always go to the default
  stream. A chain that must run on a given stream is spelled with functions from end to end.
- Ops on different streams may depend on each other: in `c = mx.add(a, b, stream=s1)` followed
  by `d = mx.add(a, c, stream=s2)`, MLX makes `d` wait for `c`. You never synchronise by hand.
- `with mx.stream(s):` makes `s` the default for the ops built inside the block, and puts the
  old default back when the block ends, even when it ends with an exception. (One wrinkle, on
  every build with a GPU, Metal and CUDA alike: when the default device is the GPU and `s` is a
  CPU stream, the block restores the default device, but `s` stays the CPU's default stream,
  the one that `stream=mx.cpu` means. The block saves only the default device's stream.)
  `mx.set_default_device` / `mx.set_default_stream` change the default of the calling thread
  until something changes it back (each thread has its own); library code should not do that
  to its callers.
- Since MLX 0.32.0 CPU streams belong to a thread (per-thread default streams came in 0.31.2).
  Each thread has its own default streams, and a
  stream made by `mx.new_stream` belongs to the thread that made it: a lazy graph built in one
  thread cannot be evaluated in another (`RuntimeError: There is no Stream(cpu, 3) in current
  thread.`). Arrays that are already evaluated cross threads freely. (For a stream that several
  threads share, see `mx.new_thread_local_stream` and `mx.new_thread_unsafe_stream`.)

The chapter is out of date on two points:
- Its example writes `stream=mx.gpu` unconditionally. That only runs on a build with a GPU
  backend; check `mx.is_available(mx.gpu)` first and say clearly when you fall back to the CPU.
- It promises that running the matmul on the GPU and 500 small `exp`s on the CPU is "about twice
  as fast". That figure was measured on one M1 Max. On an NVIDIA H100 the chapter's split was
  about 20 times SLOWER than keeping everything on the GPU (21 ms against 1.1 ms), and this
  exercise's version about 8 times slower (21.6 ms against 2.8 ms). Whether splitting helps is
  a property of your hardware: measure it (`compare_split` below) instead of assuming it. (Its
  500 chained `mx.exp(b)` also overflow: with `b` uniform in [0, 1), every element is inf by
  the fifth step, the larger ones already at the fourth. This exercise uses `mx.exp(-b)`, which
  stays finite.)

Implement the functions below. Run the file (`python exercises/04_streams.py`) when you are
done to see what splitting does on your machine.
"""

import time
from collections.abc import Callable
from typing import Any

import mlx.core as mx

StreamLike = mx.Stream | mx.Device | mx.DeviceType


def dependent_adds(
    a: mx.array, b: mx.array, s1: StreamLike, s2: StreamLike
) -> tuple[mx.array, mx.array]:
    """Return `(c, d)` with `c = a + b` built on `s1` and `d = a + c` built on `s2`.

    Use exactly the streams (or devices) you are given: no other stream, no new stream, no
    default stream (the checks make the default stream unusable while your function runs).
    `d` depends on `c` across the two streams; MLX orders them for you, so do not evaluate or
    synchronise anything. Both results are returned lazy.
    """
    # TODO: two mx.add calls, each with its own stream= argument.
    raise NotImplementedError("TODO dependent_adds: c = a + b on s1, d = a + c on s2")


def run_on_stream(stream: StreamLike, fn: Callable[..., Any], *args: Any) -> Any:
    """Call `fn(*args)` with `stream` as the default stream, and return what it returns.

    Every op that `fn` builds without a `stream=` argument must go to `stream`. The change of
    default is scoped to this call: afterwards (also when `fn` raises, in which case the
    exception propagates) the default stream must be what it was before.
    """
    # TODO: a with-block around the call.
    raise NotImplementedError("TODO run_on_stream: call fn(*args) inside `with mx.stream(stream)`")


def pick_gpu() -> tuple[mx.Device, str]:
    """Return `(device, reason)`: the GPU when this MLX build has one, the CPU otherwise.

    - With a GPU backend (`mx.is_available(mx.gpu)`): return `mx.Device(mx.gpu)` and a reason
      that names the backend, "metal" or "cuda" (`mx.metal.is_available()`,
      `mx.cuda.is_available()`).
    - Without one: return `mx.Device(mx.cpu)` and a reason that says no GPU backend is
      available (call it the GPU, Metal or CUDA, in your own words) and that work runs on the
      CPU, so a caller can print why it runs there.

    Never raise, and never build an op or a stream on `mx.gpu` to find out: on a CPU-only build
    that raises ValueError.
    """
    # TODO: ask MLX whether a GPU is available instead of trying one.
    raise NotImplementedError("TODO pick_gpu: return (device, reason) without raising")


def split_work(
    a: mx.array, b: mx.array, d1: StreamLike, d2: StreamLike, exps: int = 500
) -> tuple[mx.array, mx.array]:
    """The chapter's two-lane workload. Return `(x, y)`, both lazy.

    x = the matrix product `a @ b`, built on `d1` (`mx.matmul`);
    y = `b` after `exps` rounds of `b = mx.exp(-b)`, the negation and the `exp` both built on
        `d2` (a negation left on the default stream would make every round hop between devices).

    Every operation goes to the stream it belongs to: the checks make the default stream
    unusable while your function runs, so an op left there fails when it is evaluated. The two
    results do not depend on each other, so their devices can work at the same time.
    """
    # TODO: one matmul on d1, then a loop of exps on d2. No evaluation.
    raise NotImplementedError("TODO split_work: matmul on d1, exps rounds of exp(-b) on d2")


def compare_split(
    shape_a: tuple[int, int] = (4096, 512),
    shape_b: tuple[int, int] = (512, 4),
    exps: int = 500,
    repeats: int = 20,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Time `split_work` three ways and return the median wall time of each, in seconds.

    Make `a` and `b` with `mx.random.uniform` (shapes `shape_a` and `shape_b`) and evaluate them
    before timing. Then, for each configuration, call `split_work(a, b, d1, d2, exps)` and
    `mx.eval` both results, once to warm up and then `repeats` times, each time between two
    readings of `clock()` (read the time only through `clock`; the checks pass their own):

        "default": d1 = d2 = mx.default_device()
        "split":   d1 = the device from pick_gpu(), d2 = mx.cpu
        "cpu":     d1 = d2 = mx.cpu

    Return `{"default": ..., "split": ..., "cpu": ...}` (medians, `statistics.median`). Both the
    call and the evaluation belong inside the timed region: timing without evaluating would only
    measure how long it takes to build the graph.

    This function promises nothing about which is fastest: on a CPU-only build all three run on
    the CPU, on an H100 the split was about 20 times slower than "default", and the chapter's
    2x speed-up came from an M1 Max. Run this module to see your own numbers.
    """
    # TODO: build the inputs, time the three configurations, return the medians.
    raise NotImplementedError("TODO compare_split: median times of default, split and cpu runs")


def evaluate_in_thread(fn: Callable[..., mx.array], *args: Any) -> mx.array:
    """Run `fn(*args)` in a new worker thread and return its result, evaluated.

    The graph that `fn` builds belongs to the worker's streams, so it must be evaluated in the
    worker, before the thread ends; an unevaluated result handed back to the caller's thread
    fails there with "There is no Stream(...) in current thread". If `fn` raises, raise the same
    exception in the caller.
    """
    # TODO: start a thread that calls fn and evaluates the result there; wait for it.
    raise NotImplementedError("TODO evaluate_in_thread: call and mx.eval in a worker thread")


if __name__ == "__main__":
    device, why = pick_gpu()
    print(f"matmul device for the split run: {device} ({why})")
    times = compare_split()
    for name, seconds in times.items():
        print(f"{name:>8}: {seconds * 1e3:8.2f} ms (median)")
    fastest = min(times, key=times.get)
    print(
        f"fastest here: {fastest}. Splitting work is worth it only where you measured that it is."
    )
