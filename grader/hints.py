"""Hints shown one at a time; how many of each exercise's hints a student has seen is kept in
.grade/hints.json at the course root (private to the student's checkout)."""

from __future__ import annotations

import json
from pathlib import Path

from grader.manifest import Course, Exercise

STATE_DIR = ".grade"


def _state_file(course: Course) -> Path:
    return course.root / STATE_DIR / "hints.json"


def _load(course: Course) -> dict[str, int]:
    try:
        data = json.loads(_state_file(course).read_text(encoding="utf-8"))
        return {str(k): int(v) for k, v in data.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}  # no state yet, or a damaged file: start the hints again rather than fail


def next_hints(course: Course, exercise: Exercise, show_all: bool = False) -> list[tuple[int, str]]:
    """The hints to show now as (number, text): the next unseen one, or all of them."""
    seen = _load(course)
    if show_all:
        count = len(exercise.hints)
    else:
        count = min(seen.get(exercise.id, 0) + 1, len(exercise.hints))
    seen[exercise.id] = max(seen.get(exercise.id, 0), count)
    state = _state_file(course)
    state.parent.mkdir(exist_ok=True)
    state.write_text(json.dumps(seen, indent=2) + "\n", encoding="utf-8")
    if show_all:
        return list(enumerate(exercise.hints, start=1))
    return [(count, exercise.hints[count - 1])]
