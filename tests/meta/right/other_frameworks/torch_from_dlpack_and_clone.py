"""PyTorch through torch.from_dlpack of a CPU export, cloned for the copy."""

NEEDS = "torch"  # graded only where this framework is installed


def to_torch(a, share):
    import torch

    tensor = torch.from_dlpack(CpuExport(a))
    return tensor if share else tensor.clone()
