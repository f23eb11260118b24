"""What machine and MLX build a grading run used."""

from __future__ import annotations

import importlib.util
import platform
import sys
from typing import Any

from grader.errors import CourseError


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


def require_mlx() -> None:
    """Raise CourseError, saying how to get MLX, when this Python has no `mlx.core` to import
    (found without importing it). On a Mac under Rosetta pip installs the course without MLX
    and says nothing: MLX publishes wheels for arm64 Macs only."""
    try:
        found = importlib.util.find_spec("mlx.core") is not None
    except (ImportError, ValueError):
        found = False
    if found:
        return
    where = f"MLX is not installed in this Python ({sys.executable})"
    if sys.platform == "darwin" and platform.machine() != "arm64":
        raise CourseError(
            f"{where}: it runs as {platform.machine()} (under Rosetta), and MLX exists only for "
            "arm64 Macs. Make the .venv with a native arm64 Python 3.10 to 3.13 (python.org's "
            "installer, or Homebrew's under /opt/homebrew; `python3 -c \"import platform; "
            'print(platform.machine())"` prints arm64), then run `pip install -e .` again'
        )
    if sys.platform == "darwin":
        raise CourseError(
            f"{where}: MLX needs macOS 14 or later (this is macOS {platform.mac_ver()[0]}); "
            "update macOS, then run `pip install -e .` again"
        )
    raise CourseError(f"{where}: run `pip install -e .` in the course folder")
