"""The chapter's check_and_process with a Python `if` on an array: right values when run eagerly,
but the `if` is an implicit evaluation, so it fails under mx.compile and mx.vmap."""


def check_and_process(x):
    processed = x * 2
    if mx.sum(processed) > 10:
        return processed * 3
    return processed + 5
