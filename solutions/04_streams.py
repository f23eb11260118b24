"""Exercise 4: streams and unified memory (reference solution)."""

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import mlx.core as mx

StreamLike = mx.Stream | mx.Device | mx.DeviceType


def dependent_adds(
    a: mx.array, b: mx.array, s1: StreamLike, s2: StreamLike
) -> tuple[mx.array, mx.array]:
    """Return `(c, d)` with `c = a + b` on `s1` and `d = a + c` on `s2`."""
    c = mx.add(a, b, stream=s1)
    # d reads c from another stream: MLX records the dependency and waits for c when it runs.
    d = mx.add(a, c, stream=s2)
    return c, d


def run_on_stream(stream: StreamLike, fn: Callable[..., Any], *args: Any) -> Any:
    """Call `fn(*args)` with `stream` as the default stream."""
    # The context manager restores the previous default on exit, exceptions included;
    # mx.set_default_stream would leak the change to every later caller.
    with mx.stream(stream):
        return fn(*args)


def _backend() -> str:
    if mx.metal.is_available():
        return "metal"
    if mx.cuda.is_available():
        return "cuda"
    return "cpu"


def pick_gpu() -> tuple[mx.Device, str]:
    """Return `(device, reason)`: the GPU when this build has one, the CPU otherwise."""
    backend = _backend()
    # Asking is safe on every build; building anything on mx.gpu raises on CPU-only builds.
    if mx.is_available(mx.gpu):
        return mx.Device(mx.gpu), f"using the GPU of the {backend} backend"
    return mx.Device(
        mx.cpu
    ), f"no GPU: this MLX build has only the {backend} backend, so work runs on the CPU"


def split_work(
    a: mx.array, b: mx.array, d1: StreamLike, d2: StreamLike, exps: int = 500
) -> tuple[mx.array, mx.array]:
    """Matmul on `d1`, `exps` rounds of `exp(-b)` on `d2`; both lazy."""
    x = mx.matmul(a, b, stream=d1)
    for _ in range(exps):
        # exp(-b) converges instead of overflowing like the chapter's exp(b). The operator -b
        # takes no stream, so the negation is spelled mx.negative to keep it on d2.
        b = mx.exp(mx.negative(b, stream=d2), stream=d2)
    return x, b


def compare_split(
    shape_a: tuple[int, int] = (4096, 512),
    shape_b: tuple[int, int] = (512, 4),
    exps: int = 500,
    repeats: int = 20,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Median wall time, in seconds, of split_work on three device configurations."""
    a = mx.random.uniform(shape=shape_a)
    b = mx.random.uniform(shape=shape_b)
    mx.eval(a, b)  # generating the inputs is not part of what we time
    gpu_or_cpu, _ = pick_gpu()
    configs = {
        "default": (mx.default_device(), mx.default_device()),
        "split": (gpu_or_cpu, mx.cpu),
        "cpu": (mx.cpu, mx.cpu),
    }
    medians = {}
    for name, (d1, d2) in configs.items():
        mx.eval(*split_work(a, b, d1, d2, exps))  # warm-up: first-call costs are not the workload
        samples = []
        for _ in range(repeats):
            start = clock()
            # Without eval we would time graph construction only: nothing runs until evaluated.
            mx.eval(*split_work(a, b, d1, d2, exps))
            samples.append(clock() - start)
        medians[name] = statistics.median(samples)
    return medians


def evaluate_in_thread(fn: Callable[..., mx.array], *args: Any) -> mx.array:
    """Run `fn(*args)` in a worker thread and return its evaluated result."""

    def work() -> mx.array:
        result = fn(*args)
        # The graph lives on this thread's streams; evaluate it before the thread lets go.
        mx.eval(result)
        return result

    # The executor runs `work` in a new thread and re-raises its exception in .result().
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


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
