"""Class: a helper started through the setsid(1) command and a shell, outside Python (so no
audit hook of the grading process follows it), that overwrites the report after `grade` exits.

Gain: a forged report with full marks on disk after an honest-looking run.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"

# --- attack ---
import os as _os

_os.system(
    'setsid sh -c \'sleep 2; printf %s "{\\"forged\\": true, \\"score\\": 142}" > "@REPORT@"\' '
    "</dev/null >/dev/null 2>&1 &"
)
