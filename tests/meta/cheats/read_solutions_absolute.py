"""Class: reading the answers through an absolute path, with the loaders NumPy and MLX offer as
well as open(): the student knows where the course checkout lives on the grading machine.

Gain: full marks from a stub, by running the reference solution's text in this module.
"""

# ruff: noqa
EXERCISE = "implicit_evaluation"
BASE = "stub"

# --- attack ---
import numpy as _np
import mlx.core as _mx

_text = None
try:
    _lines = _np.loadtxt(
        "@ROOT@/solutions/02_implicit_evaluation.py", dtype=str, delimiter="\x01", comments=None
    )
    _text = "\n".join(_lines)
except Exception:
    pass
if _text is None:
    try:
        _text = (
            _np.fromfile("@ROOT@/solutions/02_implicit_evaluation.py", dtype=_np.uint8)
            .tobytes()
            .decode()
        )
    except Exception:
        pass
if _text is None:
    try:
        _text = open("@ROOT@/solutions/02_implicit_evaluation.py", encoding="utf-8").read()
    except Exception:
        pass
for _format in ("npy", "safetensors", "gguf"):
    try:
        _mx.load("@ROOT@/solutions/02_implicit_evaluation.py", format=_format)
    except Exception:
        pass
if _text:
    exec(_text)
