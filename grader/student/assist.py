"""What the student's commands do around grading: the current exercise, the course-wide
progress, hints, and the reference solution. The CLI prints what these return."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable

from grader.engine.grading import grade, resolve_target
from grader.engine.jobs import Limits
from grader.engine.results import ExerciseResult, GradingRun
from grader.errors import UsageError
from grader.manifest import Course, Exercise
from grader.student.hints import load_state, next_hints
from grader.student.loop import Results, current_exercise, grade_cached
from grader.student.progress import activity, styled_progress
from grader.student.render import list_line
from grader.student.reset import is_pristine
from grader.student.state import ResultCache
from grader.text import one_line


def _grade_own(course: Course, limits: Limits) -> Callable[[tuple[Exercise, ...]], GradingRun]:
    def grade_fn(exercises: tuple[Exercise, ...]) -> GradingRun:
        with activity(f"grading {', '.join(ex.id for ex in exercises)}"):
            folder = resolve_target(course, "exercises", exercises)
            return grade(course, exercises, folder=folder, limits=limits).run

    return grade_fn


def course_results(course: Course, limits: Limits, cache: ResultCache | None = None) -> Results:
    """The result of every exercise file the student has: stored for unchanged files, graded
    now for the others (a missing file has none)."""
    folder = course.root / "exercises"
    present = tuple(ex for ex in course.exercises if (folder / ex.file).is_file())
    return grade_cached(course, present, limits, _grade_own(course, limits), cache)


def list_lines(course: Course, limits: Limits) -> list[str]:
    """`grade list`: a row per exercise (from the cache where the file has not changed), the
    progress bar, and what to run next. A missing exercise file gets a row saying so."""
    results = course_results(course, limits)
    by_id = {r.id: r for r in results.exercises}
    lines = []
    for number, exercise in enumerate(course.exercises, start=1):
        result = by_id.get(exercise.id)
        if result is None:
            lines.append(
                f"{number:02d} {exercise.id:<22} {exercise.title:<32} {'':>7}  "
                f"missing: `grade reset {exercise.id}` restores exercises/{exercise.file}"
            )
        else:
            lines.append(list_line(number, result, is_pristine(course, exercise)))
    lines += ["", known_progress(course, by_id)]
    if results.reused:
        lines.append(
            f"({results.reused} of {len(course.exercises)} results reused: those files have not "
            "changed since they were graded.)"
        )
    lines.append(
        "`grade` grades and writes the report; `grade watch` regrades on every save; "
        "`grade hint` gives a hint."
    )
    return lines


def result_of(course: Course, exercise: Exercise, limits: Limits) -> ExerciseResult:
    """One exercise's result, from the cache when its file has not changed since."""
    return grade_cached(course, (exercise,), limits, _grade_own(course, limits)).exercises[0]


def exercise_or_current(course: Course, ident: str | None, limits: Limits) -> Exercise | None:
    """The exercise `ident` names or, without one, the first that is not done (None if all are)."""
    if ident:
        return course.exercise(ident)
    return current_exercise(course, limits, _grade_own(course, limits))


def known_progress(course: Course, known: dict[str, ExerciseResult]) -> str:
    """The course's progress bar from the results known so far (id -> result); an exercise
    without one counts as not done, with its declared points."""
    results = [known.get(ex.id) for ex in course.exercises]
    done = sum(1 for r in results if r is not None and r.complete)
    score = sum(r.score for r in results if r is not None)
    max_score = sum(
        r.max_score if r is not None else ex.max_score
        for r, ex in zip(results, course.exercises, strict=True)
    )
    return styled_progress(done, len(course.exercises), score, max_score)


def course_lines(
    course: Course, limits: Limits, cache: ResultCache, graded: GradingRun
) -> list[str]:
    """After grading some exercises: the course's progress as `grade list` would show it, and,
    when every graded exercise is done, the next one to do.

    It is computed as `grade list` computes it (stored results for unchanged files, the others
    graded now), so the two always agree."""
    results = {r.id: r for r in course_results(course, limits, cache).exercises}
    lines = ["Course: " + known_progress(course, results)]
    if graded.exercises and all(ex.complete for ex in graded.exercises):
        numbered = list(enumerate(course.exercises, start=1))
        todo = next(((n, ex) for n, ex in numbered if not _done(results.get(ex.id))), None)
        if todo is None:
            lines.append("Every exercise is done.")
        else:
            number, exercise = todo
            lines.append(f"Next: {number:02d} {exercise.id} (`grade {number}`, or `grade watch`)")
    return lines


def _done(result: ExerciseResult | None) -> bool:
    return result is not None and result.complete


def hint_lines(course: Course, exercise: Exercise, show_all: bool) -> list[str]:
    """The next hint of `exercise` (or all of them) and what to run next."""
    state = load_state(course)
    lines = [f"Note: {state.note}."] if state.note else []
    total = len(exercise.hints)
    note = state.note
    shown = next_hints(course, exercise, show_all, state)
    if state.note != note:  # the hint could be shown but not remembered
        lines.append(f"Note: {state.note}.")
    if not shown:
        return [*lines, f"{exercise.id} has no hints."]
    for number, text in shown:
        lines.append(f"Hint {number} of {total} for {exercise.id} ({exercise.title}):\n  {text}")
    last = shown[-1][0]
    if show_all or last == total:
        lines.append(
            f"That was the last hint. `grade hint {exercise.id} --reset` starts them again; "
            f"once the exercise is done, `grade solution {exercise.id}` shows the reference."
        )
    else:
        lines.append(f"Run `grade hint {exercise.id}` again for hint {last + 1}.")
    return lines


def _code_line(line: str) -> str:
    return one_line(line.rstrip("\n").expandtabs(4))


def code_lines(source: str) -> list[str]:
    """The lines of `source` without its docstrings, comment-only lines and blank lines, for a
    diff of what the code does; all its lines when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source.splitlines()
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            if isinstance(body[0].value.value, str):
                end = body[0].end_lineno or body[0].lineno
                skip.update(range(body[0].lineno, end + 1))
    return [
        line
        for number, line in enumerate(source.splitlines(), start=1)
        if number not in skip and line.strip() and not line.lstrip().startswith("#")
    ]


def solution_lines(course: Course, exercise: Exercise, as_diff: bool) -> list[str]:
    """The reference solution of `exercise`, or a unified diff from the student's file to it."""
    reference = course.root / "solutions" / exercise.file
    try:
        solution = reference.read_text(encoding="utf-8")
    except OSError:
        raise UsageError(
            f"this copy of the course has no solutions/{exercise.file}; "
            "download it from the course repository"
        ) from None
    if not as_diff:
        return [
            f"Reference solution of {exercise.id} (solutions/{exercise.file}):",
            "",
            *(_code_line(line) for line in solution.splitlines()),
            "",
            f"`grade solution {exercise.id} --diff` shows how your file differs from it.",
        ]
    mine = course.root / "exercises" / exercise.file
    try:
        yours = mine.read_text(encoding="utf-8", errors="replace")
    except OSError:
        yours = ""
    diff = list(
        difflib.unified_diff(
            code_lines(yours),
            code_lines(solution),
            fromfile=f"exercises/{exercise.file} (yours)",
            tofile=f"solutions/{exercise.file} (reference)",
            lineterm="",
        )
    )
    if not diff:
        return [f"exercises/{exercise.file} has the reference solution's code, line for line."]
    return [
        "The code only (docstrings and comments left out). Lines starting with - are yours "
        "only, lines starting with + the reference's only:",
        "",
        *(_code_line(line) for line in diff),
    ]
