"""Hands out CPU memory whatever device the consumer asked for, instead of refusing."""


class CpuExport:
    def __init__(self, array):
        self.array = array

    def __dlpack_device__(self):
        return (1, 0)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        return self.array.__dlpack__(dl_device=(1, 0), copy=copy)
