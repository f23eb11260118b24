"""Class: bytecode handed in with the submission (__pycache__ next to the exercise file).

Gain: the folder holds the untouched stub, so its digest and any scan of its source look
pristine, while Python runs a compiled reference solution from __pycache__ (an
unchecked-hash .pyc, which Python never compares with its source). Full marks for a stub.
"""

# ruff: noqa
EXERCISE = "indexing"
BASE = "stub"
PYC = "solution"
WITNESSES = ["inplace_updates"]

# --- attack ---
