"""Error types of the grading library; the CLI maps each to a one-line message and an exit code."""

from __future__ import annotations


class GraderError(Exception):
    """Base class: grading could not run. The message says what to do next."""

    exit_code = 3


class UsageError(GraderError):
    """The user asked for something that does not exist or cannot be done (exit code 2)."""

    exit_code = 2


class CourseError(GraderError):
    """The course checkout itself is broken or missing (exit code 3)."""


class ReportError(GraderError):
    """A report could not be written or read (exit code 3)."""
