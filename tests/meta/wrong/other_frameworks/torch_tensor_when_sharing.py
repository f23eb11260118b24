"""Uses torch.tensor for both cases: right dtype and values, but share=True gets a copy."""

NEEDS = "torch"  # rejected only by checks that need this framework


def to_torch(a, share):
    import torch

    return torch.tensor(a)
