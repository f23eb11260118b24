"""Decides can_add by shape equality, forgetting broadcasting; materialize evaluates leaf by leaf."""


def can_add(a, b):
    return a.shape == b.shape


def materialize(params):
    def walk(tree):
        if isinstance(tree, dict):
            for value in tree.values():
                walk(value)
        elif isinstance(tree, list):
            for value in tree:
                walk(value)
        else:
            mx.eval(tree)

    walk(params)
    return params
