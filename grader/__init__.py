"""The grading engine of the MLX course: manifest, check runner, report and CLI."""

__version__ = "0.1.0"
