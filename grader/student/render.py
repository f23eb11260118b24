"""What `grade` prints: one line per exercise with its score and a mark per check, one line per
failing check, a recap for each exercise just finished, and a closing summary. Pure functions of
the results; the CLI echoes them.

Text that came from student code (messages, printed output, source lines) goes through
grader.text first: it is shown on one line, escaped, so it cannot forge lines of its own.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from pathlib import Path

import click

from grader.engine.protocol import Outcome
from grader.engine.results import POLICY_BLOCKED, CheckResult, ExerciseResult, GradingRun
from grader.student.progress import bar
from grader.text import one_line, tail

MARKS: dict[str, tuple[str, str]] = {
    Outcome.PASSED: (".", "green"),
    Outcome.FAILED: ("F", "red"),
    Outcome.ERROR: ("E", "red"),
    Outcome.SKIPPED: ("s", "yellow"),
    Outcome.TIMEOUT: ("T", "magenta"),
    Outcome.CRASHED: ("C", "magenta"),
}
LEGEND = ". passed  F failed  E error  s skipped  T timed out  C crashed"
PROBLEMS = (Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT, Outcome.CRASHED)
QUIET, NORMAL, VERBOSE = -1, 0, 1

MESSAGE_LIMIT = 400  # characters of a check's message on a normal run
OUTPUT_LIMIT = 160  # characters of printed output shown under a failing check
VERBOSE_MESSAGE_LIMIT = 4000
VERBOSE_OUTPUT_LINES = 40
INDENT = "     "
DETAIL = "       "
# "(exercises/01_lazy_evaluation.py line 31, in build_graph)", as the worker names the place.
_PLACE = re.compile(r"\(([^()\s]+\.py) line (\d+), in ([\w<>]+)\)")
# "build_graph is not implemented yet (place), raised by the call ...: TODO ... [Failing test case: ...]"
_NOT_IMPLEMENTED = re.compile(
    r"^(?P<name>\w+) is not implemented yet(?P<place> \([^()]*\))?.*?(?P<todo>TODO\b.*?)"
    r"(?: \[Failing test case:.*)?$",
    re.DOTALL,
)


def short_message(message: str) -> str:
    """A check's message as a normal run shows it: an unwritten function is named with its TODO,
    without the call and the example that only repeat it for every check that calls it."""
    found = _NOT_IMPLEMENTED.match(message)
    if found is None:
        return message
    return f"{found['name']} is not implemented yet{found['place'] or ''}: {found['todo'].strip()}"


def _points(value: float) -> str:
    return f"{value:g}"


def mark(outcome: str) -> str:
    """The one-character mark of an outcome, coloured."""
    char, colour = MARKS.get(outcome, ("?", "red"))
    return click.style(char, fg=colour)


def exercise_line(number: int, ex: ExerciseResult) -> str:
    """`todo 01 lazy_evaluation   9/14  ..F.s` with colour styles (stripped on plain output)."""
    status = click.style("done", fg="green") if ex.complete else click.style("todo", fg="red")
    marks = "".join(mark(c.outcome) for c in ex.checks)
    score = f"{_points(ex.score)}/{_points(ex.max_score)}"
    return f"{status} {number:02d} {ex.id:<22} {score:>7}  {marks}"


def _source_line(folder: Path | None, message: str) -> str | None:
    """`at exercises/01_x.py:31 in build_graph: <that line>` for the place a message names."""
    found = _PLACE.search(message)
    if found is None:
        return None
    shown, line, function = found.group(1), int(found.group(2)), found.group(3)
    text = ""
    if folder is not None:
        try:
            lines = (folder / Path(shown).name).read_text(encoding="utf-8").splitlines()
            text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        except (OSError, UnicodeDecodeError):
            text = ""
    where = f"at {shown}:{line} in {function}"
    return f"{where}: {one_line(text, MESSAGE_LIMIT)}" if text else where


def check_lines(
    check: CheckResult,
    verbosity: int = NORMAL,
    folder: Path | None = None,
    previous: CheckResult | None = None,
) -> list[str]:
    """A failing check: `F name: message` on one line, then what student code printed. A message
    identical to the `previous` failing check's (an unwritten function fails every check that
    calls it) is not repeated unless verbose."""
    if verbosity >= VERBOSE:
        message = one_line(check.message or check.outcome, VERBOSE_MESSAGE_LIMIT)
    else:
        text = short_message(check.message)
        message = one_line(text or check.outcome, MESSAGE_LIMIT)
        if (
            previous is not None
            and short_message(previous.message) == text
            and previous.outcome == check.outcome
            and not check.output.strip()
        ):
            message = "the same as above"
    lines = [f"{INDENT}{mark(check.outcome)} {click.style(check.name, bold=True)}: {message}"]
    output = check.output.strip("\n")
    if output and verbosity >= VERBOSE:
        printed = output.splitlines()
        cut = len(printed) - VERBOSE_OUTPUT_LINES
        lines.append(
            f"{DETAIL}printed{f' (last {VERBOSE_OUTPUT_LINES} lines)' if cut > 0 else ''}:"
        )
        lines += [f"{DETAIL}| {one_line(line, 300)}" for line in printed[-VERBOSE_OUTPUT_LINES:]]
    elif output:
        lines.append(f"{DETAIL}printed: {tail(output, OUTPUT_LIMIT)}")
    if verbosity >= VERBOSE:
        trace = getattr(check, "traceback", "") or ""
        if trace.strip():
            lines.append(f"{DETAIL}traceback into your code:")
            lines += [f"{DETAIL}> {one_line(line, 300)}" for line in trace.strip("\n").splitlines()]
        else:
            source = _source_line(folder, check.message)
            if source:
                lines.append(f"{DETAIL}{source}")
    return lines


def recap_lines(exercise_id: str, recap: str) -> list[str]:
    """What an exercise just finished taught, and where to compare with the reference."""
    if not recap.strip():
        return [
            click.style(f"{INDENT}Done!", fg="green", bold=True)
            + f" Compare with the reference solution: `grade solution {exercise_id}`"
        ]
    lines = [click.style(f"{INDENT}Done! What {exercise_id} taught:", fg="green", bold=True)]
    for paragraph in re.split(r"\n\s*\n", recap.strip()):  # a blank line starts a paragraph
        lines += textwrap.wrap(
            " ".join(paragraph.split()), width=96, initial_indent=DETAIL, subsequent_indent=DETAIL
        )
    lines.append(f"{DETAIL}Compare with the reference solution: `grade solution {exercise_id}`")
    return lines


def blocked_by_policy(ex: ExerciseResult, check: CheckResult) -> bool:
    """True for a check that did not run because the policy refused the exercise's file."""
    return bool(ex.violations) and check.message.startswith(POLICY_BLOCKED)


def policy_lines(ex: ExerciseResult) -> list[str]:
    """Why the submission policy refused an exercise, each violation once and whole; nothing
    when it did not."""
    blocked = sum(1 for c in ex.checks if blocked_by_policy(ex, c))
    if not blocked:
        return []
    ran = "its check did not run" if blocked == 1 else f"none of its {blocked} checks ran"
    lines = [
        f"{INDENT}{mark(Outcome.ERROR)} {ex.file} breaks the course policy, so {ran}; "
        "change these lines:"
    ]
    lines += [f"{DETAIL}{one_line(v, VERBOSE_MESSAGE_LIMIT)}" for v in ex.violations]
    return lines


def run_lines(
    run: GradingRun,
    numbers: dict[str, int],
    verbosity: int = NORMAL,
    recaps: dict[str, str] | None = None,  # id -> recap text; an empty text still says "Done!"
    folder: Path | None = None,
) -> list[str]:
    """The per-exercise lines of a run: each exercise, then (unless quiet) every failing check,
    and the recap of each exercise in `recaps` (id -> text) that is done."""
    lines = []
    for ex in run.exercises:
        lines.append(exercise_line(numbers[ex.id], ex))
        if verbosity > QUIET:
            lines += policy_lines(ex)
            previous = None
            for check in ex.checks:
                if blocked_by_policy(ex, check):
                    continue  # policy_lines said why, once for every check
                if check.outcome in PROBLEMS:
                    lines += check_lines(check, verbosity, folder, previous)
                    previous = check
            if ex.complete and recaps is not None and ex.id in recaps:
                lines += recap_lines(ex.id, recaps[ex.id])
        for reason in ex.suspicious:
            lines.append(click.style(f"{INDENT}suspicious: {one_line(reason, 400)}", fg="yellow"))
    return lines


def summary_lines(
    run: GradingRun,
    modified: list[str],
    report: str | None,
    verbosity: int = NORMAL,
    own: bool = True,
) -> list[str]:
    """Score and progress, integrity warnings and, when the student's own exercises/ were
    graded (`own`), what to do next."""
    complete = sum(1 for ex in run.exercises if ex.complete)
    percent = 100 * run.score / run.max_score if run.max_score else 0.0
    lines = [
        "",
        click.style(
            f"Score: {_points(run.score)}/{_points(run.max_score)} points ({percent:.0f}%)",
            bold=True,
        )
        + f"  {bar(complete, len(run.exercises))} {complete} of {len(run.exercises)} exercises complete.",
    ]
    if any(c.outcome != Outcome.PASSED for ex in run.exercises for c in ex.checks):
        lines.append(f"Marks: {LEGEND}")
    reasons = Counter(
        c.message for ex in run.exercises for c in ex.checks if c.outcome == Outcome.SKIPPED
    )
    for reason, count in reasons.items():
        lines.append(f"{count} check(s) skipped and not counted: {one_line(reason, 300)}")
    if modified:
        lines.append(
            click.style(
                f"Warning: check files differ from this release: {', '.join(modified)}", fg="yellow"
            )
        )
    for note in run.notes:
        lines.append(click.style(f"Warning: {one_line(note, 400)}", fg="yellow"))
    if run.unconfined:
        lines.append(f"Note: on this machine {one_line('; '.join(run.unconfined), 300)}")
    if report:
        lines.append(f"Report written to {report}")
    if own:
        lines.append(
            "Your instructor may also grade with checks you cannot see here: a full score on "
            "these checks is not yet your final grade."
        )
    todo = next((ex for ex in run.exercises if ex.first_problem is not None), None)
    if todo is not None and own:
        more = "" if verbosity >= VERBOSE else "; `grade -v` shows more of each failure"
        lines.append(
            f"Next: exercises/{todo.file}; stuck? `grade hint {todo.id}`; "
            f"`grade watch` regrades it on every save{more}"
        )
    return lines


def list_line(number: int, ex: ExerciseResult, pristine: bool) -> str:
    """One row of `grade list`: number, id, title, status and score."""
    problem = ex.first_problem
    if ex.complete:
        status = click.style("done", fg="green")
    elif problem is not None and problem.outcome in (
        Outcome.ERROR,
        Outcome.TIMEOUT,
        Outcome.CRASHED,
    ):
        status = click.style(f"broken ({problem.outcome})", fg="magenta")
    elif pristine:
        status = "not started"
    else:
        passed = sum(1 for c in ex.checks if c.outcome == Outcome.PASSED)
        status = click.style(f"in progress ({passed}/{len(ex.checks)} checks)", fg="yellow")
    score = f"{_points(ex.score)}/{_points(ex.max_score)}"
    return f"{number:02d} {ex.id:<22} {ex.title:<32} {score:>7}  {status}"
