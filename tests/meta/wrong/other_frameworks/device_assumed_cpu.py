"""Assumes every array lives on the CPU instead of asking the producer."""


def dlpack_device(x):
    return "cpu", 0
