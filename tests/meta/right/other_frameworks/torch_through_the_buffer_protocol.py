"""PyTorch through NumPy's buffer-protocol view of the array (np.asarray shares memory on a Mac
as here), with bfloat16 carried as its 16-bit pattern and viewed back; cloned for the copy."""

import numpy as np

NEEDS = "torch"  # graded only where this framework is installed


def to_torch(a, share):
    import torch

    if a.dtype == mx.bfloat16:
        tensor = torch.from_numpy(np.asarray(a.view(mx.uint16))).view(torch.bfloat16)
    else:
        tensor = torch.from_numpy(np.asarray(a))
    return tensor if share else tensor.clone()
