"""The same behaviour in other idioms: bytes through tobytes(), the write through a NumPy view,
a read-only buffer-protocol view, the device code matched with `match`, and a producer that
takes its options as **kwargs."""

import numpy as np


def snapshot(a):
    return memoryview(a).tobytes()


def write_into_buffer(a, index, value):
    np.asarray(a).reshape(-1)[index] = value


def share_with_numpy(a):
    view = np.asarray(a)
    view.flags.writeable = False
    return view


def dlpack_device(x):
    kind, index = x.__dlpack_device__()
    match int(kind):
        case 1:
            return "cpu", int(index)
        case 2:
            return "cuda", int(index)
        case 8:
            return "metal", int(index)
    raise ValueError(f"no name for DLPack device type {kind}")


class CpuExport:
    def __init__(self, array):
        self.array = array

    def __dlpack_device__(self):
        return 1, 0

    def __dlpack__(self, **options):
        requested = options.get("dl_device")
        if requested not in (None, (1, 0)):
            raise BufferError(f"cannot export to {requested}")
        return self.array.__dlpack__(dl_device=(1, 0), copy=options.get("copy"))
