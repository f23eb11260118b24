"""Class: monkeypatching MLX through a function parameter: the module is passed to a helper,
which assigns to an attribute of its argument, so no statement assigns to `mx.<name>` and no
module name appears on the left of an assignment.

Gain: as fake_mlx_observers: an eager answer passes the laziness check it fails honestly.
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "solution"
LOSES = ["test_build_graph_stays_lazy*"]

# --- attack ---
_mine = []


def _install(library, real_size, real_dot):
    def size(array):
        if any(array is m for m in _mine):
            raise ValueError("not evaluated")
        return real_size(array)

    def dot(out, *arrays, **kwargs):
        if any(a is m for a in arrays for m in _mine):
            out.write(
                'a [label ="Exp", shape=rectangle]; b [label ="Multiply", shape=rectangle]; '
                'c [label ="Add", shape=rectangle];\n'
            )
            return None
        return real_dot(out, *arrays, **kwargs)

    library.get_array_buffer_size = size
    library.export_to_dot = dot


_install(mx, mx.get_array_buffer_size, mx.export_to_dot)


def build_graph(x):
    y = mx.exp(x) * 2 + 1
    mx.eval(y)
    _mine.append(y)
    return y
