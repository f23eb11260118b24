"""Goes through NumPy, as the chapter advised: fine for int32 and float32, but NumPy has no
bfloat16, so bfloat16 arrays fail."""

import numpy as np

NEEDS = "torch"  # rejected only by checks that need this framework


def to_torch(a, share):
    import torch

    return torch.from_numpy(np.asarray(a) if share else np.array(a))
