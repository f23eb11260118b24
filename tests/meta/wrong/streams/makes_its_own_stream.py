"""Makes a fresh stream for the second add instead of using the one it was given."""


def dependent_adds(a, b, s1, s2):
    c = mx.add(a, b, stream=s1)
    own = mx.new_stream(mx.cpu)
    return c, mx.add(a, c, stream=own)
