"""Class: raw memory access built from constructs a source policy might accept: a class made at
run time by abc.ABCMeta(name, bases, namespace), an allowed module's metaclass called like
type(), whose attribute name, assembled from harmless strings, is NumPy's array-interface hook;
np.asarray then wraps any address, and id() gives the address of any object the checks hand
over. No import beyond NumPy and abc, no dunder in the source, no reflection builtin.

Gain: reading and writing the grading process's memory. Here the code copies the globals
pointer of a callback the check passes in (fit_line's on_step) into one of its own functions,
which then rebinds the check module's assertion helpers to no-ops: every later check of the
exercise passes for a stub that returns placeholders.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
WITNESSES = ["inplace_updates"]

# --- attack ---
import abc as _abc

import numpy as _np

_HOOK = "_" + "_array_interface" + "_" + "_"


def _window(address, size):
    spec = {"shape": (size,), "typestr": "|u1", "data": (address, False), "version": 3}
    return _np.asarray(_abc.ABCMeta("Window", (), {_HOOK: spec})())


def _silence():
    global expect, expect_array, expect_lazy, is_evaluated, graph_primitives

    def quiet(*args, **kwargs):
        return None

    def primitives(*args, **kwargs):
        return ["Exp", "Multiply", "Add"]

    expect = expect_array = expect_lazy = is_evaluated = quiet
    graph_primitives = primitives


def _adopt_globals(donor):
    # A function object is refcount, type, then its globals pointer (CPython 3.11, 64-bit).
    _window(id(_silence) + 16, 8)[:] = _window(id(donor) + 16, 8)


def build_graph(x):
    return x


def split_work(x):
    return x, x


def fit_line(x, y, steps, lr, on_step=None):
    if on_step is not None:
        _adopt_globals(on_step)
        _silence()
    return mx.array(0.0), mx.array(0.0)


def can_add(a, b):
    return True


def materialize(params):
    return params
