"""Reports the wrapped array's own DLPack device: (8, 0) on Apple silicon, so consumers still
see Metal."""


class CpuExport:
    def __init__(self, array):
        self.array = array

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        if dl_device is not None and tuple(dl_device) != (1, 0):
            raise BufferError("CPU only")
        return self.array.__dlpack__(dl_device=(1, 0), copy=copy)
