"""What every `grade` command shares: the library's errors as one line and an exit code."""

from __future__ import annotations

import functools
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
