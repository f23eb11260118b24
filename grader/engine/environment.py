"""What machine and MLX build a grading run used."""

from __future__ import annotations

import platform
import sys
from typing import Any


def describe_host() -> dict[str, Any]:
    """Python and platform facts; the MLX fields stay None (for runs where MLX never started)."""
    return {
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "apple_silicon": sys.platform == "darwin" and platform.machine() == "arm64",
        "mlx_version": None,
        "backend": None,
        "default_device": None,
    }


def describe_environment() -> dict[str, Any]:
    """Host facts plus the MLX version, backend and default device (imports MLX)."""
    import mlx.core as mx

    from grader.checks import backend_name

    return {
        **describe_host(),
        "mlx_version": getattr(mx, "__version__", "unknown"),
        "backend": backend_name(),
        "default_device": str(mx.default_device()),
    }
