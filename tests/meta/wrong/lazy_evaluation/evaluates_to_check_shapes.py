"""Evaluates a + b to find out whether it is valid: right answers, but it computes everything."""


def can_add(a, b):
    try:
        mx.eval(a + b)
    except ValueError:
        return False
    return True
