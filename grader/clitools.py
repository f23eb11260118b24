"""What every `grade` command shares: the library's errors as one line and an exit code, and
the type of a time limit."""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from typing import Any

import click

from grader.errors import GraderError


def one_line_errors(interrupted: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator: a GraderError becomes `Error: ...` on stderr and its exit code (2 for a
    usage error, 3 when grading could not run); Ctrl-C prints `interrupted` and exits 130."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return command(*args, **kwargs)
            except GraderError as exc:
                click.echo(f"Error: {exc}", err=True)
                sys.exit(exc.exit_code)
            except KeyboardInterrupt:
                click.echo(interrupted, err=True)
                sys.exit(130)

        return wrapper

    return decorate


# The instructor's commands: what finished of a collect stays in its gradebook.
instructor_errors = one_line_errors("Interrupted.")


class PositiveSeconds(click.ParamType):
    """A finite number of seconds above zero (`inf` and `nan` would disable the limit)."""

    name = "seconds"

    def convert(self, value, param, ctx) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"{value!r} is not a finite number of seconds above 0", param, ctx)
        return seconds


SECONDS = PositiveSeconds()
