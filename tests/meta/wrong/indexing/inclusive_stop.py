"""Slices with the stop one past the last card, as if the stop were inclusive: `deck[2:9:2]` for
the 3rd to the 8th card picks the 9th card too when the step lands on it. And the rows are
subtracted one by one in a Python loop."""


def cards_between(deck, first, last, step=1):
    return deck[first - 1 : last + 1 : step]


def pairwise_differences(x):
    return mx.stack([x[i] - x for i in range(x.shape[0])])
