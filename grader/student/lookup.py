"""Finding an exercise from what a student types: its id, its number, its file name or a path to
it (what tab completion gives), with a "did you mean" for anything else."""

from __future__ import annotations

import difflib
from pathlib import PurePath

from grader.errors import UsageError
from grader.manifest import Course, Exercise


def _names(exercise: Exercise) -> set[str]:
    stem = PurePath(exercise.file).stem
    return {exercise.id, exercise.file, stem, f"test_{exercise.file}", f"test_{stem}"}


def match_exercise(course: Course, ident: str) -> Exercise | None:
    """The exercise `ident` names, or None.

    Accepted: the id (`lazy_evaluation`), the course number (`1`, `01`), the file name with or
    without `.py`, and any path ending in it (`exercises/01_lazy_evaluation.py`,
    `solutions/...`, `tests/test_01_lazy_evaluation.py`, an absolute path).
    """
    text = ident.strip()
    if text.isdigit():
        index = int(text)
        return course.exercises[index - 1] if 1 <= index <= len(course.exercises) else None
    name = PurePath(text.replace("\\", "/")).name if text else ""
    for exercise in course.exercises:
        if text in _names(exercise) or name in _names(exercise):
            return exercise
    return None


def suggestions(course: Course, ident: str, extra: tuple[str, ...] = ()) -> list[str]:
    """Ids (and `extra` words, such as command names) that look like `ident`."""
    name = PurePath(ident.replace("\\", "/")).name.removesuffix(".py")
    by_name = {}
    for exercise in course.exercises:
        for alias in (exercise.id, PurePath(exercise.file).stem):
            by_name[alias] = exercise.id
    for word in extra:
        by_name[word] = word
    close = difflib.get_close_matches(name, list(by_name), n=2, cutoff=0.7)
    # A stem with its number ("01_lazy_evalution") points to the id: report each once, in order.
    return list(dict.fromkeys(by_name[c] for c in close))


def find_exercise(course: Course, ident: str) -> Exercise:
    """The exercise `ident` names (see `match_exercise`); a UsageError with a suggestion if none."""
    exercise = match_exercise(course, ident)
    if exercise is not None:
        return exercise
    close = suggestions(course, ident)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    known = ", ".join(f"{i} {ex.id}" for i, ex in enumerate(course.exercises, start=1))
    raise UsageError(
        f"unknown exercise {ident!r}; {hint}run `grade list` to see them (numbers work too: {known})"
    )


def select(course: Course, idents: tuple[str, ...] | list[str]) -> tuple[Exercise, ...]:
    """The exercises named in `idents`, in course order; all of them when it is empty."""
    if not idents:
        return course.exercises
    wanted = {find_exercise(course, ident).id for ident in idents}
    return tuple(ex for ex in course.exercises if ex.id in wanted)
