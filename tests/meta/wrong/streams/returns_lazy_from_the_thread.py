"""Builds the result in a worker thread but returns it unevaluated: its graph belongs to the
worker's stream, which the caller's thread cannot run."""


def evaluate_in_thread(fn, *args):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()
