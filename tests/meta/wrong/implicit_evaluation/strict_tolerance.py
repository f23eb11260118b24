"""Tests |a - b| < tol where the spec says at most tol: a difference of exactly tol counts as
outside."""


def all_within(a, b, tol):
    return bool(mx.all(mx.abs(a - b) < tol))
