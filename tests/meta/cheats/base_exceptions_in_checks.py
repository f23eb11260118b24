"""Class: raising SystemExit, GeneratorExit and a home-made BaseException subclass in checks.

Gain: as for KeyboardInterrupt, the session ends or the checks after it are lost; or a check
that raised is counted as not failed. Held: each costs only the check that was running.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "solution"
LOSES = [
    "test_split_work_computes_only_what_is_used",
    "test_split_work_costly_value",
    "test_fit_line_evaluates_once_per_step",
    "test_fit_line_converges",
    "test_build_graph_computes_exp_times_two_plus_one",
    "test_build_graph_stays_lazy_and_keeps_its_operations",
]
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
