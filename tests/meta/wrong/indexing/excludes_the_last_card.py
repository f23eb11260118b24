"""Treats the last card as an exclusive stop, as a slice would: `deck[first - 1 : last - 1]`
leaves out the last card even when the step lands on it."""


def cards_between(deck, first, last, step=1):
    return deck[first - 1 : last - 1 : step]
