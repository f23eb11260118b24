"""The chapter's tf.constant(memoryview(a)): read as a sequence, so 2-D arrays fail and int64,
uint8 become int32."""

NEEDS = "tensorflow"  # rejected only by checks that need this framework


def to_tensorflow(a):
    import tensorflow as tf

    return tf.constant(memoryview(a))
