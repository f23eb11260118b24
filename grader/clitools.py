"""What every `grade` command shares: one error boundary (the library's errors as one line and an
exit code), the type of a time limit, and the grading options that several commands take."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from grader.errors import GraderError
from grader.text import escape

F = TypeVar("F", bound=Callable[..., Any])


INTERRUPTED = "Interrupted."


class ErrorBoundary(click.Group):
    """A command group that is the one place errors are turned into output: a GraderError from
    any of its commands becomes `Error: ...` on stderr and its exit code (2 for a usage error, 3
    when grading could not run); Ctrl-C (SIGTERM, SIGHUP) prints the command's `interrupted`
    note and exits 130. Library code raises; no command catches."""

    interrupted: dict[str, str] = {}  # command name -> what an interruption leaves behind

    # Every message may quote what the user typed, a folder name or a student's file name: each is
    # escaped (grader.text) so that no escape sequence reaches the terminal.
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as exc:
            _escape_message(exc)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            click.echo(f"Error: {escape(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except click.ClickException as exc:  # a subcommand's usage error, shown by click
            _escape_message(exc)
            raise
        except KeyboardInterrupt:
            name = ctx.invoked_subcommand or ""
            click.echo(self.interrupted.get(name, INTERRUPTED), err=True)
            ctx.exit(130)


def _escape_message(exc: click.ClickException) -> None:
    # click shows `message` when the exception reaches its main loop; its stubs declare the
    # attribute Final, though click itself sets it as a plain attribute.
    setattr(exc, "message", escape(exc.message))  # noqa: B010


# ParamType is generic in click's own types since 8.2 only: subscripting the base would fail on 8.1.
class PositiveSeconds(click.ParamType):  # type: ignore[type-arg]
    """A finite number of seconds above zero (`inf` and `nan` would disable the limit)."""

    name = "seconds"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"{value!r} is not a finite number of seconds above 0", param, ctx)
        return seconds


SECONDS = PositiveSeconds()


def timeout_option(default_help: str = "10, from course.toml") -> Callable[[F], F]:
    """`--timeout SECONDS`: the time limit per check."""
    return click.option(
        "--timeout",
        type=SECONDS,
        default=None,
        metavar="SECONDS",
        help=f"Time limit per check [default: {default_help}; checks with their own limit keep it].",
    )


def memory_limit_option(
    default: int | None = None, default_help: str = "4096, from course.toml", note: str = ""
) -> Callable[[F], F]:
    """`--memory-limit MIB`: the memory limit of each grading process."""
    shown = f" [default: {default_help}]" if default is None else ""
    return click.option(
        "--memory-limit",
        type=click.IntRange(min=64),
        default=default,
        show_default=default is not None,
        metavar="MIB",
        help=f"Memory limit of each grading process in MiB{shown}.{note}",
    )


def jobs_option(what: str) -> Callable[[F], F]:
    """`--jobs N`: how many gradings run side by side."""
    return click.option("--jobs", type=click.IntRange(min=1), default=None, help=what)


def hidden_checks_option(note: str = "") -> Callable[[F], F]:
    """`--checks DIR`: the instructor's hidden checks."""
    return click.option(
        "--checks",
        type=click.Path(path_type=Path),
        default=None,
        metavar="DIR",
        help=f"Hidden checks: test_NN_<id>.py files and a checks.toml giving their points.{note}",
    )
