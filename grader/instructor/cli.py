"""The instructor's commands of `grade`. grader/cli.py adds every command `instructor_commands`
returns; this module must not import grader.cli (that would be an import cycle)."""

from __future__ import annotations

import functools
import sys

import click

from grader.errors import GraderError


def instructor_errors(command):
    """Turn the library's errors into one line on stderr and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GraderError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper


def instructor_commands() -> list[click.Command]:
    """The commands grader/cli.py adds to `grade`."""
    from grader.instructor.collect_cli import collect_command
    from grader.instructor.export import export

    return [collect_command, export]
