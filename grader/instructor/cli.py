"""The instructor's commands of `grade`. grader/cli.py adds every command `instructor_commands`
returns; this module must not import grader.cli (that would be an import cycle)."""

from __future__ import annotations

import click


def instructor_commands() -> list[click.Command]:
    """The commands grader/cli.py adds to `grade`."""
    from grader.instructor.class_cli import class_group
    from grader.instructor.collect_cli import collect_command
    from grader.instructor.export import export

    return [collect_command, export, class_group]
