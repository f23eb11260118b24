"""Changes the default device for the whole program instead of scoping a stream: fn's ops go to
the device's default stream, not the given stream, and the change outlives the call."""


def run_on_stream(stream, fn, *args):
    device = stream.device if isinstance(stream, mx.Stream) else stream
    mx.set_default_device(device)
    return fn(*args)
