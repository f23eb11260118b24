"""The chapter's route: torch.tensor(memoryview(a)). PyTorch reads the memoryview element by
element, so int32 becomes int64, 2-D arrays fail, and the tensor never shares memory."""

NEEDS = "torch"  # rejected only by checks that need this framework


def to_torch(a, share):
    import torch

    return torch.tensor(memoryview(a))
