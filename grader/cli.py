"""The `grade` command: parses options, calls the grader library and prints. Nothing else.

Exit codes: 0 every selected check passed; 1 graded, some checks did not pass; 2 usage error;
3 grading could not run.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from grader.clitools import (
    ErrorBoundary,
    jobs_option,
    memory_limit_option,
    timeout_option,
)
from grader.devtools import dev
from grader.engine.grading import grade, resolve_target
from grader.engine.jobs import Limits
from grader.errors import GraderError
from grader.instructor.cli import instructor_commands
from grader.manifest import Course, Exercise, load_course
from grader.report import build_report, check_out_path, write_report
from grader.student import assist
from grader.student.hints import reset_hints
from grader.student.loop import keys_for, remember
from grader.student.progress import activity
from grader.student.render import NORMAL, QUIET, VERBOSE, run_lines, summary_lines
from grader.student.reset import is_pristine, reset_exercise
from grader.student.state import ResultCache

CONTEXT = {"help_option_names": ["-h", "--help"]}


DEFAULT_REPORT = "grade-report.json"


def _color(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _echo(text: str, color: bool) -> None:
    click.echo(text, color=color)


def _numbers(course: Course) -> dict[str, int]:
    return {ex.id: i for i, ex in enumerate(course.exercises, start=1)}


color_option = click.option(
    "--color/--no-color",
    default=None,
    help="Colour the output (default: on a terminal, unless NO_COLOR is set).",
)


class GradeGroup(ErrorBoundary):
    """`grade` itself: anything that is not a command goes to `grade run`, so `grade`, `grade 3`,
    `grade exercises/01_lazy_evaluation.py` and `grade -q --target solutions` all grade. It is
    the CLI's one error boundary (grader/clitools.py)."""

    interrupted = {"run": "Interrupted: nothing was written; the previous report is unchanged."}

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = args[0] if args else None
        if first is None or (first not in self.commands and first not in _GROUP_OPTIONS):
            if first is not None and not first.startswith("-"):
                _refuse_command_typo(first, sorted(self.commands))
            args = ["run", *args]
        return super().parse_args(ctx, args)


_GROUP_OPTIONS = ("-h", "--help", "--version")


def _refuse_command_typo(word: str, names: list[str]) -> None:
    """`grade lst`: not an exercise but close to a command name, so say which one."""
    try:
        course = load_course()
    except GraderError:
        return  # `grade run` will report the broken course itself
    if course.match(word) is not None:
        return
    close = [c for c in course.suggestions(word, tuple(names)) if c in names]
    if close:
        raise click.UsageError(f"no command or exercise {word!r}; did you mean `grade {close[0]}`?")


@click.group(
    cls=GradeGroup,
    invoke_without_command=True,
    context_settings=CONTEXT,
    epilog="Each check may run for 10 s (--timeout, or its own limit in course.toml) and each grading "
    "process may use 4096 MiB of memory (--memory-limit); a check that goes past either is stopped "
    "and loses its points, and grading goes on. Run `grade COMMAND --help` for a command's options.",
)
@click.version_option(package_name="mlx-course", prog_name="grade")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Grade your MLX course exercises. With no command, `grade` is `grade run`: `grade` grades
    every exercise, `grade 3` or `grade exercises/03_function_transforms.py` one of them, and
    `grade -q` takes run's options."""
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
@timeout_option()
@memory_limit_option()
@jobs_option("Grading processes side by side [default: one per core, at most 4].")
@click.option("-q", "--quiet", is_flag=True, help="One line per exercise, no failure messages.")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also show all that student code printed and where in it a check failed.",
)
@color_option
def run(
    exercise_ids: tuple[str, ...],
    target: str,
    out: Path | None,
    student: str | None,
    timeout: float | None,
    memory_limit: int | None,
    jobs: int | None,
    quiet: bool,
    verbose: bool,
    color: bool | None,
) -> None:
    """Grade exercises (all of them unless EXERCISE_IDs are given) and write the JSON report.

    An EXERCISE_ID is an id, a number or the exercise's file path. Each failing check gets a
    line with its message, and what student code printed during it.
    """
    if quiet and verbose:
        raise click.UsageError("choose one of --quiet and --verbose")
    verbosity = QUIET if quiet else VERBOSE if verbose else NORMAL
    use_color = _color(color)
    course = load_course()
    exercises = course.select(exercise_ids)
    folder = resolve_target(course, target, exercises)
    report_path = check_out_path(
        out if out is not None else course.root / DEFAULT_REPORT, course.root, folder
    )
    limits = Limits.for_course(course, timeout=timeout, memory_mib=memory_limit, jobs=jobs)
    own = target == "exercises"  # the student's own files: remember the results for next time
    before = keys_for(course, exercises, limits) if own else {}
    with activity(_grading_label(exercises)):
        graded = grade(course, exercises, folder=folder, limits=limits, student=student)
    write_report(build_report(graded.run, graded.provenance), report_path)
    cache = ResultCache(course) if own else None
    newly = remember(cache, course, limits, graded.run.exercises, before) if cache else set()
    recaps = {ex.id: ex.recap for ex in exercises if ex.id in newly or len(exercises) == 1}
    for line in run_lines(graded.run, _numbers(course), verbosity, recaps, folder):
        _echo(line, use_color)
    shown = (
        os.path.relpath(report_path) if report_path.is_relative_to(Path.cwd()) else str(report_path)
    )
    for line in summary_lines(
        graded.run, graded.provenance.modified_files, shown, verbosity, own=own
    ):
        _echo(line, use_color)
    if cache is not None and len(exercises) < len(course.exercises):
        for line in assist.course_lines(course, limits, cache, graded.run):
            _echo(line, use_color)
    sys.exit(0 if graded.run.all_passed else 1)


def _grading_label(exercises: tuple[Exercise, ...]) -> str:
    if len(exercises) == 1:
        return f"grading {exercises[0].id}"
    return f"grading {len(exercises)} exercises"


@cli.command("list", context_settings=CONTEXT)
@color_option
def list_(color: bool | None) -> None:
    """Every exercise in course order with its status and score. Reuses the last results of
    files unchanged since they were graded; grades the rest (without writing a report)."""
    use_color = _color(color)
    course = load_course()
    for line in assist.list_lines(course, Limits.for_course(course)):
        _echo(line, use_color)


@cli.command("hint", context_settings=CONTEXT)
@click.argument("exercise_id", required=False, metavar="[EXERCISE_ID]")
@click.option("--all", "show_all", is_flag=True, help="Show every hint of the exercise at once.")
@click.option("--reset", is_flag=True, help="Start the exercise's hints again from the first.")
def hint(exercise_id: str | None, show_all: bool, reset: bool) -> None:
    """Show the next hint for an exercise (run it again for the next one). Without an id, for
    the current exercise: the first one that is not done."""
    course = load_course()
    exercise = assist.exercise_or_current(course, exercise_id, Limits.for_course(course))
    if exercise is None:
        click.echo("Every exercise is done; name one to see its hints (`grade hint 3`).")
        return
    if reset:
        reset_hints(course, exercise)
        click.echo(
            f"The hints of {exercise.id} start again: `grade hint {exercise.id}` shows hint 1."
        )
        return
    for line in assist.hint_lines(course, exercise, show_all):
        click.echo(line)


@cli.command("solution", context_settings=CONTEXT)
@click.argument("exercise_id")
@click.option(
    "--yes", "-y", is_flag=True, help="Do not ask before showing an unfinished exercise's solution."
)
@click.option(
    "--diff",
    "as_diff",
    is_flag=True,
    help="Show how your file differs from the reference solution.",
)
def solution(exercise_id: str, yes: bool, as_diff: bool) -> None:
    """Show the reference solution of an exercise. Once the exercise is done it is shown at once;
    before that, only after you confirm."""
    course = load_course()
    exercise = course.exercise(exercise_id)
    limits = Limits.for_course(course)
    result = assist.result_of(course, exercise, limits)
    if not result.complete and not yes:
        click.echo(
            f"{exercise.id} is not done yet ({result.score:g}/{result.max_score:g} points). "
            "Reading the solution now skips the part where you work it out."
        )
        if not click.confirm("Show it anyway?", default=False):
            click.echo("Nothing shown. `grade hint` gives a hint instead.")
            return
    for line in assist.solution_lines(course, exercise, as_diff):
        click.echo(line)


@cli.command("watch", context_settings=CONTEXT)
@click.argument("exercise_id", required=False, metavar="[EXERCISE_ID]")
@click.option(
    "--poll",
    is_flag=True,
    help="Poll for changes instead of file-system events (WSL, containers, network drives).",
)
@timeout_option()
@click.option(
    "--target",
    default="exercises",
    show_default=True,
    metavar="exercises|DIR",
    help="Folder whose files are watched and graded.",
)
@color_option
def watch(
    exercise_id: str | None, poll: bool, timeout: float | None, target: str, color: bool | None
) -> None:
    """Grade the current exercise (the first not done, or EXERCISE_ID) and again on every save.

    Shows every check's verdict; when the exercise is done, its recap, then moves to the next.
    Keys: h next hint, l list, q quit (Ctrl-C too). Without a terminal, type the key and Enter.
    """
    from grader.student.watch import Watcher

    course = load_course()
    limits = Limits.for_course(course, timeout=timeout)
    start = course.exercise(exercise_id) if exercise_id else None
    watcher = Watcher(course, limits, target, start, poll=poll, color=_color(color))
    sys.exit(watcher.run())


@cli.command("reset", context_settings=CONTEXT)
@click.argument("exercise_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
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
cli.add_command(dev)  # grade dev policy, grade dev digests (grader/devtools.py)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM and SIGHUP stop a run the way Ctrl-C does


def main() -> None:
    """Console-script entry point."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
    cli(prog_name="grade")
