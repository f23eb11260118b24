"""Returns the memoryview itself as the snapshot: a live window that shows every later write."""


def snapshot(a):
    return memoryview(a)
