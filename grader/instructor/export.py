"""`grade export`: the course's grader for other platforms (Gradescope, GitHub Classroom)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader.clitools import hidden_checks_option, memory_limit_option, timeout_option
from grader.errors import ReportError
from grader.instructor.classroom import classroom_result, encode
from grader.instructor.gradescope import (
    DEFAULT_DEADLINE_S,
    DEFAULT_MEMORY_MIB,
    GRADESCOPE_MEMORY_MB,
    build_autograder,
)
from grader.instructor.lms import SCALES, LmsExport, export_class
from grader.manifest import load_course
from grader.text import escape

CONTEXT = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT)
def export() -> None:
    """Export the grader for Gradescope or GitHub Classroom, or the grades for Canvas or Moodle."""


@export.command("gradescope", context_settings=CONTEXT)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("autograder.zip"),
    show_default=True,
    help="Where to write the autograder zip.",
)
@hidden_checks_option(" Students never see them.")
@memory_limit_option(
    default=DEFAULT_MEMORY_MIB,
    note=f" Gradescope's default container has {GRADESCOPE_MEMORY_MB} MB; raise both together.",
)
@timeout_option("from course.toml")
@click.option(
    "--deadline",
    type=click.FloatRange(min=10),
    default=DEFAULT_DEADLINE_S,
    show_default=True,
    metavar="SECONDS",
    help="Stop grading a submission after this long and say so (Gradescope's own limit is 10 minutes unless you raise it).",
)
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Grade the reference solutions with the bundle first; refuse it unless they score full marks.",
)
def gradescope(
    out: Path,
    checks: Path | None,
    memory_limit: int,
    timeout: float | None,
    deadline: float,
    verify: bool,
) -> None:
    """Build the Gradescope autograder zip (setup.sh, run_autograder, the grader and its checks)."""
    course = load_course()
    bundle = build_autograder(
        course,
        out.resolve(),
        checks.resolve() if checks else None,
        timeout=timeout,
        memory_mib=memory_limit,
        deadline=deadline,
        verify=verify,
    )
    hidden = f" and {bundle.hidden_files} hidden check file(s)" if bundle.hidden_files else ""
    click.echo(
        f"Wrote {out} ({bundle.size / 2**20:.1f} MiB): setup.sh, run_autograder, the grader wheel, "
        f"{bundle.check_files} check files{hidden}."
    )
    if bundle.verified is not None:
        run = bundle.verified
        click.echo(
            f"Verified: the reference solutions score {run.score:g}/{run.max_score:g} with it "
            "on this machine."
        )
    click.echo(
        "On Gradescope: create a Programming Assignment, open Configure Autograder, pick the "
        f"Ubuntu 22.04 base image and upload {out.name}. The grading process may use "
        f"{memory_limit} MiB; the rest of the grader needs about 150 MiB more "
        f"(Gradescope's default is {GRADESCOPE_MEMORY_MB} MB)."
    )


@export.command("classroom", context_settings=CONTEXT)
@click.option(
    "--report",
    type=click.Path(path_type=Path),
    default=Path("grade-report.json"),
    show_default=True,
    help="The report `grade run` wrote.",
)
def classroom(report: Path) -> None:
    """Print `result=<base64>` for GitHub Classroom's reporter (append it to $GITHUB_OUTPUT)."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        result = classroom_result(data, load_course())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(
            f"cannot read the grade report {report} ({exc}); run `grade run` first"
        ) from exc
    click.echo(f"result={encode(result)}")


def _lms_options(command: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option(
                "--out-dir",
                type=click.Path(path_type=Path, file_okay=False),
                default=Path("gradebook"),
                show_default=True,
                help="The folder `grade collect` wrote (its gradebook.sqlite is read).",
            ),
            click.option(
                "--roster",
                type=click.Path(path_type=Path, dir_okay=False, exists=True),
                help="The LMS's own export of the class (Canvas gradebook or Moodle grades export).",
            ),
            click.option(
                "--out",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Where to write the file (default: <out-dir>/<lms>.csv).",
            ),
        ]
    ):
        command = option(command)
    return command


def _report(done: LmsExport, steps: str) -> None:
    for note in done.notes:
        click.echo(f"Note: {escape(note)}")
    click.echo(f"Wrote {escape(str(done.path))}: {done.rows} student row(s). {steps}")


@export.command("canvas", context_settings=CONTEXT)
@_lms_options
def canvas(out_dir: Path, roster: Path | None, out: Path | None) -> None:
    """Write the class's grades as Canvas's gradebook import reads them."""
    done = export_class(load_course(), "canvas", out_dir, out, roster)
    _report(
        done,
        "In Canvas: Grades, Import, choose the file; each exercise column is a new assignment "
        "(its points possible come with it), Final Points is not imported.",
    )


@export.command("moodle", context_settings=CONTEXT)
@_lms_options
@click.option(
    "--scale",
    type=click.Choice(SCALES),
    default="points",
    show_default=True,
    help="Exercises in points (for grade items with the exercises' maxima) or as percentages "
    "(for new grade items, whose maximum is 100). The total is a percentage either way.",
)
def moodle(out_dir: Path, roster: Path | None, out: Path | None, scale: str) -> None:
    """Write the class's grades as Moodle's CSV grade import reads them."""
    done = export_class(load_course(), "moodle", out_dir, out, roster, scale)
    _report(
        done,
        f"In Moodle: Grades, Import, CSV file; under Identify user map {done.identity}; map each "
        "exercise column to its grade item (or one column to New grade item) and ignore the rest.",
    )
