"""Times all repeats of a configuration as one block and divides by their number: a mean of one
measurement, not a median of `repeats` timed calls."""


def compare_split(
    shape_a=(4096, 512), shape_b=(512, 4), exps=500, repeats=20, clock=time.perf_counter
):
    a = mx.random.uniform(shape=shape_a)
    b = mx.random.uniform(shape=shape_b)
    mx.eval(a, b)
    device, _ = pick_gpu()
    means = {}
    for name, (d1, d2) in {
        "default": (mx.default_device(), mx.default_device()),
        "split": (device, mx.cpu),
        "cpu": (mx.cpu, mx.cpu),
    }.items():
        start = clock()
        for _ in range(repeats):
            mx.eval(*split_work(a, b, d1, d2, exps))
        means[name] = (clock() - start) / repeats
    return means
