"""The `grade` command: parses options, calls the grader library and prints. Nothing else.

Exit codes: 0 every selected check passed; 1 graded, some checks did not pass; 2 usage error;
3 grading could not run.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from grader.errors import GraderError
from grader.grading import grade
from grader.hints import next_hints
from grader.instructor.cli import instructor_commands
from grader.manifest import Course, load_course
from grader.render import list_line, run_lines, summary_lines
from grader.report import build_report, check_writable, write_report
from grader.reset import is_pristine, reset_exercise
from grader.runner import Limits, default_jobs

CONTEXT = {"help_option_names": ["-h", "--help"]}
DEFAULT_REPORT = "grade-report.json"


def _color(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _echo(text: str, color: bool) -> None:
    click.echo(text, color=color)


def handle_errors(command):
    """Turn the library's errors into one line on stderr and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GraderError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo(
                "Interrupted: nothing was written; the previous report is unchanged.", err=True
            )
            sys.exit(130)

    return wrapper


def _numbers(course: Course) -> dict[str, int]:
    return {ex.id: i for i, ex in enumerate(course.exercises, start=1)}


color_option = click.option(
    "--color/--no-color",
    default=None,
    help="Colour the output (default: on a terminal, unless NO_COLOR is set).",
)


@click.group(
    invoke_without_command=True,
    context_settings=CONTEXT,
    epilog="Each check may run for 10 s (--timeout, or its own limit in course.toml) and each grading "
    "process may use 4096 MiB of memory (--memory-limit); a check that goes past either is stopped "
    "and loses its points, and grading goes on. Run `grade COMMAND --help` for a command's options.",
)
@click.version_option(package_name="mlx-course", prog_name="grade")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Grade your MLX course exercises. With no command, grades every exercise (same as `grade run`)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(run)


@cli.command("run", context_settings=CONTEXT)
@click.argument("exercise_ids", nargs=-1, metavar="[EXERCISE_ID]...")
@click.option(
    "--target",
    default="exercises",
    show_default=True,
    metavar="exercises|solutions|DIR",
    help="Folder to grade: your exercises, the reference solutions, or any folder laid out like exercises/ (a student's submission).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=True, path_type=Path),
    default=None,
    help=f"Where to write the JSON report [default: {DEFAULT_REPORT} at the course root].",
)
@click.option("--student", default=None, help="Student id recorded in the report.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Time limit per check [default: 10, from course.toml; checks with their own limit keep it].",
)
@click.option(
    "--memory-limit",
    type=click.IntRange(min=64),
    default=None,
    metavar="MIB",
    help="Memory limit of each grading process in MiB [default: 4096, from course.toml].",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Grading processes side by side [default: one per core, at most 4].",
)
@color_option
@handle_errors
def run(
    exercise_ids: tuple[str, ...],
    target: str,
    out: Path | None,
    student: str | None,
    timeout: float | None,
    memory_limit: int | None,
    jobs: int | None,
    color: bool | None,
) -> None:
    """Grade exercises (all of them unless EXERCISE_IDs are given) and write the JSON report."""
    use_color = _color(color)
    course = load_course()
    exercises = course.select(exercise_ids)
    report_path = (out if out is not None else course.root / DEFAULT_REPORT).resolve()
    check_writable(report_path)
    limits = Limits(
        timeout=timeout or course.default_timeout,
        memory_mib=memory_limit or course.memory_limit_mib,
        jobs=jobs or default_jobs(),
    )
    graded = grade(course, exercises, target, limits, student, report_path)
    write_report(build_report(graded.run, graded.provenance), report_path)
    for line in run_lines(graded.run, _numbers(course)):
        _echo(line, use_color)
    shown = (
        os.path.relpath(report_path) if report_path.is_relative_to(Path.cwd()) else str(report_path)
    )
    for line in summary_lines(graded.run, graded.provenance.modified_files, shown):
        _echo(line, use_color)
    sys.exit(0 if graded.run.all_passed else 1)


@cli.command("list", context_settings=CONTEXT)
@color_option
@handle_errors
def list_(color: bool | None) -> None:
    """Every exercise in course order with its status and score (grades without writing a report)."""
    use_color = _color(color)
    course = load_course()
    limits = Limits(
        timeout=course.default_timeout, memory_mib=course.memory_limit_mib, jobs=default_jobs()
    )
    graded = grade(course, course.exercises, "exercises", limits, None, None)
    numbers = _numbers(course)
    for result, exercise in zip(graded.run.exercises, course.exercises, strict=True):
        _echo(list_line(numbers[result.id], result, is_pristine(course, exercise)), use_color)
    run_ = graded.run
    _echo(
        f"\nScore: {run_.score:g}/{run_.max_score:g} points. `grade run` writes the report; `grade hint ID` gives a hint.",
        use_color,
    )


@cli.command("hint", context_settings=CONTEXT)
@click.argument("exercise_id")
@click.option("--all", "show_all", is_flag=True, help="Show every hint of the exercise at once.")
@handle_errors
def hint(exercise_id: str, show_all: bool) -> None:
    """Show the next hint for an exercise (run it again for the next one)."""
    course = load_course()
    exercise = course.exercise(exercise_id)
    total = len(exercise.hints)
    for number, text in next_hints(course, exercise, show_all):
        click.echo(f"Hint {number} of {total} for {exercise.id} ({exercise.title}):\n  {text}")
    if not show_all:
        click.echo(
            "That was the last hint."
            if number == total
            else f"Run `grade hint {exercise.id}` again for hint {number + 1}."
        )


@cli.command("reset", context_settings=CONTEXT)
@click.argument("exercise_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@handle_errors
def reset(exercise_id: str, yes: bool) -> None:
    """Restore an exercise's original stub, keeping a backup of your file."""
    course = load_course()
    exercise = course.exercise(exercise_id)
    path = f"exercises/{exercise.file}"
    if is_pristine(course, exercise):
        click.echo(f"{path} is already the original stub; nothing to do.")
        return
    if not yes and not click.confirm(
        f"Replace {path} with the original stub? Your version is backed up first.", default=False
    ):
        click.echo("Nothing changed.")
        return
    backup = reset_exercise(course, exercise)
    where = f"; your version is in {os.path.relpath(backup)}" if backup else ""
    click.echo(f"Restored {path}{where}.")


for _command in instructor_commands():  # grade collect, grade export (grader/instructor/)
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="grade")
