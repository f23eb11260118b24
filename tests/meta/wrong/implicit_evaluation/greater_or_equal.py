"""Takes the `* 3` branch when the sum is 10 or more, where the chapter says greater than 10."""


def check_and_process(x):
    processed = x * 2
    return mx.where(mx.sum(processed) >= 10, processed * 3, processed + 5)
