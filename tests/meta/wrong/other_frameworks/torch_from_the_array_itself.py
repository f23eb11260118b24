"""Hands PyTorch the MLX array itself: right on Linux, but on Apple silicon MLX exports Metal
memory, so PyTorch makes an MPS tensor (or fails), never the CPU tensor asked for."""

NEEDS = "torch"  # rejected only by checks that need this framework


def to_torch(a, share):
    import torch

    return torch.as_tensor(a) if share else torch.tensor(a)
