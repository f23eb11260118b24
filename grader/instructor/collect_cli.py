"""The `grade collect` command: options in, one collect, a short account out.

Exit codes: 0 every submission graded without a flag; 1 graded, with flags (see summary.html);
2 usage error; 3 could not run; 130 interrupted (what finished is kept).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from grader.clitools import hidden_checks_option, jobs_option, memory_limit_option, timeout_option
from grader.instructor.collect import collect
from grader.instructor.model import ClassResult, Options
from grader.manifest import load_course
from grader.text import escape

CONTEXT = {"help_option_names": ["-h", "--help"]}
SHOWN = 40  # flagged students and input notes listed on the terminal; the summary has them all


class _Progress:
    """A progress bar on a terminal, one plain line per grading elsewhere."""

    def __init__(self) -> None:
        self.bar: Any = None  # click's progress bar, entered by hand
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int, what: str) -> None:
        if done == 0:
            click.echo(escape(what), err=True)
            if self.tty and total:
                self.bar = click.progressbar(
                    length=total, label="Grading", file=sys.stderr, show_pos=True
                )
                self.bar.__enter__()
            return
        if self.bar is not None:
            self.bar.label = escape(what)[:40].ljust(40)
            self.bar.update(1)
            if done == total:
                self.bar.__exit__(None, None, None)
                self.bar = None
        else:
            click.echo(f"[{done}/{total}] {escape(what)}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("collect", context_settings=CONTEXT)
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH..."
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("gradebook"),
    show_default=True,
    help="Folder for gradebook.sqlite, grades.csv, checks.csv, reports/ and summary.html; an existing gradebook there is added to.",
)
@hidden_checks_option()
@click.option(
    "--roster",
    type=click.Path(path_type=Path),
    default=None,
    metavar="CSV",
    help="Class list (CSV with a header; a student/id column, optionally name): flags strangers and lists who handed nothing in.",
)
@jobs_option("Gradings at once [default: one per core].")
@timeout_option("from course.toml")
@memory_limit_option(default_help="from course.toml")
def collect_command(
    paths: tuple[Path, ...],
    out_dir: Path,
    checks: Path | None,
    roster: Path | None,
    jobs: int | None,
    timeout: float | None,
    memory_limit: int | None,
) -> None:
    """Regrade a class's submissions into a gradebook.

    Each PATH is a grade-report.json, a folder laid out like exercises/, a folder holding one of
    those per student, or a .zip of any of them. Every report is checked (schema, source digests,
    course version) and its sources regraded with this checkout's checks; results are cached in
    the gradebook, so running collect again grades only what is new."""
    course = load_course()
    progress = _Progress()
    options = Options(
        paths=list(paths),
        out_dir=out_dir,
        checks=checks,
        roster=roster,
        jobs=jobs or os.cpu_count() or 1,
        timeout=timeout,
        memory_mib=memory_limit,
    )
    try:
        result = collect(course, options, progress)
    finally:
        progress.close()
    for line in account(result):
        click.echo(line)
    sys.exit(1 if result.flagged or result.notes else 0)


def account(result: ClassResult) -> list[str]:
    """What the instructor reads after a collect."""
    lines = [
        f"Collected {result.collected} submission(s): {result.graded_now} exercise grading(s) "
        f"run, {result.cached} taken from the gradebook. The class: {result.students} "
        f"student(s), {result.graded} graded, {result.flagged} flagged."
    ]
    for row in result.first_flagged[:SHOWN]:
        kinds = ", ".join(dict.fromkeys(kind for kind, _ in row.flags))
        score = f"{row.total:g}/{row.maximum:g}" if row.graded else "not graded"
        lines.append(f"  {escape(row.student)} ({score}): {escape(kinds)}")
    if result.flagged > SHOWN:
        lines.append(f"  and {result.flagged - SHOWN} more flagged student(s): see summary.html")
    for note in result.notes[:SHOWN]:
        lines.append(f"  input: {escape(note)}")
    if len(result.notes) > SHOWN:
        lines.append(f"  and {len(result.notes) - SHOWN} more input note(s): see summary.html")
    flagged_checks = [s for s in result.checks if s.flags]
    if flagged_checks:
        lines.append(
            f"{len(flagged_checks)} of {len(result.checks)} checks flagged (pass rate or discrimination): see checks.csv."
        )
    out = result.out_dir
    shown = os.path.relpath(out) if out.is_relative_to(Path.cwd()) else str(out)
    lines.append(
        f"Wrote {shown}/: grades.csv, checks.csv, summary.html, reports/ ({result.graded}), gradebook.sqlite."
    )
    return lines
