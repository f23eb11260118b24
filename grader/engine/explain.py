"""How a check that did not pass is told to the student: its outcome, a one-paragraph message
that names the student's line and the call that raised, and the student's own frames of the
traceback. Runs in the grading process (it reads pytest's exception info).
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path
from typing import Any

import pytest

from grader.engine.protocol import Outcome

MESSAGE_LIMIT = 600
STREAM_LIMIT = 2000


# Hypothesis shows every argument of a failing example, fixtures included: their reprs
# (`student=<...StudentModule object at 0x...>`, `tmp_path_factory=TempPathFactory(...)`) are
# noise to the student, and a pytest temporary folder means nothing outside the run.
_FIXTURE_ARGUMENT = re.compile(
    r"\b(?:student|tmp_path_factory|tmp_path|tmpdir|request|monkeypatch)="
)
_PYTEST_TMP = re.compile(
    r"(?:/private)?/[^\s'\"]*?/pytest-of-[^/\s'\"]+/pytest-\d+(?:/[^/\s'\"]+)?"
)


def _drop_fixture_arguments(text: str) -> str:
    """Hypothesis's example `text` without the `name=value, ` of each fixture argument (the
    value runs to the next comma outside brackets)."""
    out, position = [], 0
    for found in _FIXTURE_ARGUMENT.finditer(text):
        if found.start() < position:
            continue
        depth, end = 0, found.end()
        while end < len(text):
            char = text[end]
            if char in "([{<":
                depth += 1
            elif char in ")]}>":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                end += 1
                break
            end += 1
        while end < len(text) and text[end] == " ":
            end += 1
        out.append(text[position : found.start()])
        position = end
    out.append(text[position:])
    return "".join(out)


def outcome_of(total: str, stages: list[dict[str, Any]]) -> str:
    if total == Outcome.ERROR:
        return Outcome.ERROR
    if any(stage.get("outcome") == Outcome.FAILED for stage in stages):
        return Outcome.FAILED
    if total in (Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED):
        return Outcome(total)
    return Outcome.ERROR


def skip_reason(stages: list[dict[str, Any]]) -> str:
    for stage in stages:
        text = stage.get("longrepr", "")
        if text:
            # pytest renders a skip as "('file', line, 'Skipped: reason')"
            reason: str = text.rsplit("Skipped: ", 1)[-1].rstrip("')\"")
            return reason
    return "skipped"


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[: limit - 60]}... [{len(text) - limit + 60} more characters cut]"


def explain(
    excinfo: pytest.ExceptionInfo[BaseException], when: str, target: Path
) -> tuple[str, str]:
    """The outcome and the one-paragraph message for a check that raised."""
    try:
        return _explain_with_notes(excinfo, when, target)
    except BaseException:  # noqa: BLE001 - an exception that cannot be described still fails
        return Outcome.FAILED, "student code raised an exception whose message could not be read"


def _explain_with_notes(
    excinfo: pytest.ExceptionInfo[BaseException], when: str, target: Path
) -> tuple[str, str]:
    outcome, message = _explain(excinfo, when, target)
    notes = " ".join(" ".join(str(n).split()) for n in getattr(excinfo.value, "__notes__", ()))
    notes = _drop_fixture_arguments(notes)  # the example's own arguments are what matter
    if notes and outcome != Outcome.SKIPPED:  # hypothesis's failing example: enough to reproduce it
        message = f"{message} [{notes}]"
    message = _PYTEST_TMP.sub("<tmp>", message)
    return outcome, clip(message, MESSAGE_LIMIT)


def _explain(
    excinfo: pytest.ExceptionInfo[BaseException], when: str, target: Path
) -> tuple[str, str]:
    from grader import checks

    exc = excinfo.value
    where = _student_frame(excinfo.tb, target)
    place = f" ({where[0]} line {where[1]}, in {where[2]})" if where else ""
    if checks.failed_call is not None and not isinstance(exc, AssertionError):
        place += f", raised by the call {checks.failed_call}"
    if isinstance(exc, pytest.skip.Exception):
        if when == "call":
            return (
                Outcome.FAILED,
                "the check was skipped from inside its own run; only skips decided before a check runs count",
            )
        return Outcome.SKIPPED, str(exc)
    if when != "call":
        return Outcome.ERROR, clip(
            f"{type(exc).__name__}: {exc}"
            if type(exc).__name__ != "StudentImportError"
            else str(exc),
            MESSAGE_LIMIT,
        )
    if isinstance(exc, NotImplementedError):
        todo = re.match(r"TODO (\w+)", str(exc))
        name = where[2] if where else todo.group(1) if todo else "a function"
        return Outcome.FAILED, clip(f"{name} is not implemented yet{place}: {exc}", MESSAGE_LIMIT)
    if isinstance(exc, SystemExit):
        return (
            Outcome.FAILED,
            f"student code called sys.exit({exc.code!r}){place}; return a value instead",
        )
    if isinstance(exc, MemoryError):
        return (
            Outcome.FAILED,
            f"MemoryError{place}: an allocation was refused; the grading process has a memory limit",
        )
    if isinstance(exc, AssertionError):
        text = str(exc).strip() or excinfo.exconly().strip()
        return Outcome.FAILED, clip(text.split("\nassert ")[0], MESSAGE_LIMIT)
    return Outcome.FAILED, clip(f"{type(exc).__name__}{place}: {exc}", MESSAGE_LIMIT)


def student_traceback(tb: Any, target: Path, limit: int = 8) -> str:
    """The frames of a traceback that are in the graded folder, innermost last, one per line:
    `exercises/01_x.py line 12, in fn: <the line>` (what `grade -v` shows)."""
    try:
        frames = [
            f"{target.name}/{Path(f.filename).name} line {f.lineno}, in {f.name}: {(f.line or '').strip()}"
            for f in traceback.extract_tb(tb)
            if Path(f.filename).is_absolute() and target in Path(f.filename).parents
        ]
    except BaseException:  # noqa: BLE001 - a traceback that cannot be read adds nothing
        return ""
    return clip("\n".join(frames[-limit:]), STREAM_LIMIT)


def _student_frame(tb: Any, target: Path) -> tuple[str, int, str] | None:
    """(file, line, function) of the innermost traceback frame inside the graded folder."""
    found = None
    for frame in traceback.extract_tb(tb):
        path = Path(frame.filename)
        if path.is_absolute() and target in path.parents:
            found = (f"{target.name}/{path.name}", frame.lineno or 0, frame.name)
    return found
