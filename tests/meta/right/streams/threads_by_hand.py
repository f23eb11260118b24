"""run_on_stream with try/finally in place of a with block, restoring the device and its stream;
evaluate_in_thread with a plain threading.Thread and a box for the result or the exception."""

import threading


def run_on_stream(stream, fn, *args):
    if not isinstance(stream, mx.Stream):
        stream = mx.default_stream(stream if isinstance(stream, mx.Device) else mx.Device(stream))
    previous = mx.default_stream(mx.default_device())
    mx.set_default_device(stream.device)
    mx.set_default_stream(stream)
    try:
        return fn(*args)
    finally:
        mx.set_default_device(previous.device)
        mx.set_default_stream(previous)


def evaluate_in_thread(fn, *args):
    box = {}

    def work():
        try:
            value = fn(*args)
            mx.eval(value)
            box["value"] = value
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
