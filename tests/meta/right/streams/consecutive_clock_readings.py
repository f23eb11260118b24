"""compare_split with one clock reading per timed call (each sample is the difference of two
consecutive readings), and the medians taken with sorted() instead of statistics."""


def compare_split(
    shape_a=(4096, 512), shape_b=(512, 4), exps=500, repeats=20, clock=time.perf_counter
):
    a, b = mx.random.uniform(shape=shape_a), mx.random.uniform(shape=shape_b)
    mx.eval(a, b)
    gpu_or_cpu = pick_gpu()[0]
    configs = [
        ("default", mx.default_device(), mx.default_device()),
        ("split", gpu_or_cpu, mx.cpu),
        ("cpu", mx.cpu, mx.cpu),
    ]
    result = {}
    for name, d1, d2 in configs:
        mx.eval(split_work(a, b, d1, d2, exps))
        stamps = [clock()]
        for _ in range(repeats):
            mx.eval(split_work(a, b, d1, d2, exps))
            stamps.append(clock())
        samples = sorted(t1 - t0 for t0, t1 in zip(stamps, stamps[1:], strict=False))
        middle = len(samples) // 2
        result[name] = (
            samples[middle] if len(samples) % 2 else (samples[middle - 1] + samples[middle]) / 2
        )
    return result
