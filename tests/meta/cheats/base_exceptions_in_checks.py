"""Class: raising SystemExit, GeneratorExit and a home-made BaseException subclass in checks.

Gain: as for KeyboardInterrupt, the session ends or the checks after it are lost; or a check
that raised is counted as not failed. Held: each costs only the check that was running.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "solution"
LOSES = ["test_split_work_*", "test_fit_line_*", "test_build_graph_*"]
KEEPS = True
WITNESSES = ["inplace_updates", "saving_loading"]

# --- attack ---


class _Stop(BaseException):
    pass


def split_work(x):
    raise SystemExit(0)


def fit_line(x, y, steps, lr, on_step=None):
    raise _Stop("stop everything")


def build_graph(x):
    raise GeneratorExit
