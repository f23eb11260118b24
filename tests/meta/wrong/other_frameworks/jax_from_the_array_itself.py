"""Hands JAX the MLX array itself: right on Linux, but JAX has no Metal device type, so on Apple
silicon it raises TypeError."""

NEEDS = "jax"  # rejected only by checks that need this framework


def to_jax(a):
    import jax

    return jax.dlpack.from_dlpack(a)
