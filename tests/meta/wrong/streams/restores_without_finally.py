"""Sets the default stream and restores it by hand after the call: an exception in fn skips the
restore and leaves the stream as everyone's default."""


def run_on_stream(stream, fn, *args):
    before = mx.default_stream(mx.default_device())
    mx.set_default_stream(stream)
    result = fn(*args)
    mx.set_default_stream(before)
    return result
