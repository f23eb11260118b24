"""What `grade` prints: one line per exercise with its score and a mark per check, the first
failure's message, and a closing summary. Pure functions of the results; the CLI echoes them."""

from __future__ import annotations

from collections import Counter

import click

from grader.results import ExerciseResult, GradingRun

MARKS = {
    "passed": (".", "green"),
    "failed": ("F", "red"),
    "error": ("E", "red"),
    "skipped": ("s", "yellow"),
    "timeout": ("T", "magenta"),
    "crashed": ("C", "magenta"),
}
LEGEND = ". passed  F failed  E error  s skipped  T timed out  C crashed"


def _points(value: float) -> str:
    return f"{value:g}"


def exercise_line(number: int, ex: ExerciseResult) -> str:
    """`01 lazy_evaluation   9/14  ..F.s` with colour styles (stripped on plain output)."""
    status = click.style("done", fg="green") if ex.complete else click.style("todo", fg="red")
    marks = "".join(click.style(MARKS[c.outcome][0], fg=MARKS[c.outcome][1]) for c in ex.checks)
    score = f"{_points(ex.score)}/{_points(ex.max_score)}"
    return f"{status} {number:02d} {ex.id:<22} {score:>7}  {marks}"


def run_lines(run: GradingRun, numbers: dict[str, int]) -> list[str]:
    """The per-exercise lines of a run, each followed by its first problem's message."""
    lines = []
    for ex in run.exercises:
        lines.append(exercise_line(numbers[ex.id], ex))
        problem = ex.first_problem
        if problem is not None:
            lines.append(
                f"     {click.style(problem.name, bold=True)}: {problem.message or problem.outcome}"
            )
        for reason in ex.suspicious:
            lines.append(click.style(f"     suspicious: {reason}", fg="yellow"))
    return lines


def summary_lines(run: GradingRun, modified: list[str], report: str | None) -> list[str]:
    """Score, integrity warnings and what to do next."""
    complete = sum(1 for ex in run.exercises if ex.complete)
    percent = 100 * run.score / run.max_score if run.max_score else 0.0
    lines = [
        "",
        click.style(
            f"Score: {_points(run.score)}/{_points(run.max_score)} points ({percent:.0f}%)",
            bold=True,
        )
        + f", {complete} of {len(run.exercises)} exercises complete.   {LEGEND}",
    ]
    reasons = Counter(
        c.message for ex in run.exercises for c in ex.checks if c.outcome == "skipped"
    )
    for reason, count in reasons.items():
        lines.append(f"{count} check(s) skipped and not counted: {reason}")
    if modified:
        lines.append(
            click.style(
                f"Warning: check files differ from this release: {', '.join(modified)}", fg="yellow"
            )
        )
    for note in run.notes:
        lines.append(click.style(f"Warning: {note}", fg="yellow"))
    if report:
        lines.append(f"Report written to {report}")
    todo = next((ex for ex in run.exercises if ex.first_problem is not None), None)
    if todo is not None:
        lines.append(f"Next: exercises/{todo.file}; stuck? run `grade hint {todo.id}`")
    return lines


def list_line(number: int, ex: ExerciseResult, pristine: bool) -> str:
    """One row of `grade list`: number, id, title, status and score."""
    problem = ex.first_problem
    if ex.complete:
        status = click.style("done", fg="green")
    elif problem is not None and problem.outcome in ("error", "timeout", "crashed"):
        status = click.style(f"broken ({problem.outcome})", fg="magenta")
    elif pristine:
        status = "not started"
    else:
        passed = sum(1 for c in ex.checks if c.outcome == "passed")
        status = click.style(f"in progress ({passed}/{len(ex.checks)} checks)", fg="yellow")
    score = f"{_points(ex.score)}/{_points(ex.max_score)}"
    return f"{number:02d} {ex.id:<22} {ex.title:<32} {score:>7}  {status}"
