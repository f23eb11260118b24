"""Passes the consumer's device request on to MLX: on Apple silicon a request for Metal then
gets Metal memory from a producer that reports the CPU."""


class CpuExport:
    def __init__(self, array):
        self.array = array

    def __dlpack_device__(self):
        return (1, 0)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        return self.array.__dlpack__(dl_device=dl_device or (1, 0), copy=copy)
