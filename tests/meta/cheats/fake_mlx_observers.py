"""Class: faking what the checks observe by replacing the MLX functions they use
(mx.get_array_buffer_size, mx.export_to_dot) with versions that lie about chosen arrays.

Gain: an eager answer (it evaluates inside build_graph and split_work) passes the laziness checks
it fails honestly: +4 points over the same code without the fakes.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "solution"
LOSES = ["test_build_graph_stays_lazy*", "test_split_work_computes_only_what_is_used"]

# --- attack ---
_mine = []
_real_size = mx.get_array_buffer_size
_real_dot = mx.export_to_dot


def _claimed(arrays):
    return any(any(a is b for b in _mine) for a in arrays)


def _size(array):
    if _claimed([array]):
        raise ValueError("not evaluated")
    return _real_size(array)


def _dot(out, *arrays, **kwargs):
    if _claimed(arrays):
        for name in ("Exp", "Multiply", "Add"):
            out.write(f'{{ rank=same; x [label ="{name}", shape=rectangle]; }}\n')
        return None
    return _real_dot(out, *arrays, **kwargs)


mx.get_array_buffer_size = _size
mx.export_to_dot = _dot


def build_graph(x):
    y = mx.exp(x) * 2 + 1
    mx.eval(y)  # eager: the honest version of this answer fails the laziness check
    _mine.append(y)
    return y


_lazy_split_work = split_work


def split_work(x):
    basic, costly = _lazy_split_work(x)
    mx.eval(basic, costly)  # eager: pays for `costly` although only `basic` is used
    _mine.extend([basic, costly])
    return basic, costly
