"""Counts with `counts[indices] += 1`: a repeated index is counted only once."""

# ruff: noqa: F821 (appended to the solution module, which provides the names)


def histogram(indices, num_bins):
    counts = mx.zeros(num_bins, dtype=mx.int32)
    counts[indices] += 1
    return counts
