"""Hints shown one at a time; how many of each exercise's hints a student has seen is kept in
.grade/hints.json at the course root (private to the student's checkout)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError
from grader.files import write_atomically
from grader.manifest import Course, Exercise

STATE_DIR = ".grade"


@dataclass
class HintState:
    """How many hints of each exercise were seen, and a note if the stored state was unreadable."""

    seen: dict[str, int] = field(default_factory=dict)
    note: str | None = None


def _state_file(course: Course) -> Path:
    return course.root / STATE_DIR / "hints.json"


def load_state(course: Course) -> HintState:
    """The stored hint state; a damaged file restarts the hints and says so in `note`."""
    path = _state_file(course)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return HintState()
    except (OSError, ValueError):
        return HintState(note=f"{STATE_DIR}/hints.json could not be read; the hints start again")
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return HintState({str(k): max(0, int(v)) for k, v in data.items()})
    except (ValueError, TypeError, OverflowError):
        return HintState(note=f"{STATE_DIR}/hints.json was damaged; the hints start again")


def _save(course: Course, seen: dict[str, int]) -> None:
    path = _state_file(course)
    path.parent.mkdir(exist_ok=True)
    write_atomically(path, (json.dumps(seen, indent=2) + "\n").encode("utf-8"), sync=False)


def next_hints(
    course: Course, exercise: Exercise, show_all: bool = False, state: HintState | None = None
) -> list[tuple[int, str]]:
    """The hints to show now as (number, text): the next unseen one, or all of them."""
    state = state or load_state(course)
    if not exercise.hints:
        return []
    seen = state.seen
    if show_all:
        count = len(exercise.hints)
    else:
        count = min(seen.get(exercise.id, 0) + 1, len(exercise.hints))
    seen[exercise.id] = max(seen.get(exercise.id, 0), count)
    try:
        _save(course, seen)
    except OSError as exc:  # the hint is still worth showing; only the count is not kept
        state.note = f"{STATE_DIR}/hints.json could not be written ({exc.strerror or exc})"
    if show_all:
        return list(enumerate(exercise.hints, start=1))
    return [(count, exercise.hints[count - 1])]


def reset_hints(course: Course, exercise: Exercise) -> None:
    """Forget which hints of `exercise` were seen, so the next `grade hint` shows the first."""
    state = load_state(course)
    state.seen.pop(exercise.id, None)
    try:
        _save(course, state.seen)
    except OSError as exc:
        raise GraderError(
            f"cannot write {STATE_DIR}/hints.json ({exc.strerror or exc}); "
            "check that the course folder is writable"
        ) from None
