"""The student's loop around grading: reuse the last results of unchanged files, remember new
ones, tell which exercises were just finished and which one comes next."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from grader.engine.jobs import Limits
from grader.engine.results import ExerciseResult, GradingRun
from grader.manifest import Course, Exercise
from grader.student.reset import is_pristine
from grader.student.state import ResultCache, checks_digest, file_key

# Grades the given exercises of the student's exercises/ folder.
GradeFn = Callable[[tuple[Exercise, ...]], GradingRun]


@dataclass
class Results:
    """Results of some exercises in course order, whether graded now or reused."""

    exercises: list[ExerciseResult]
    newly_done: set[str]  # ids of exercises that pass now and did not the last time
    run: GradingRun | None  # the fresh run, if anything was graded
    reused: int = 0  # how many results came from the cache


def keys_for(
    course: Course, exercises: Iterable[Exercise], limits: Limits
) -> dict[str, str | None]:
    """The cache key of each exercise file as it is now."""
    checks = checks_digest(course)
    folder = course.root / "exercises"
    return {
        ex.id: file_key(folder / ex.file, checks, limits.timeout, limits.memory_mib)
        for ex in exercises
    }


def remember(
    cache: ResultCache,
    course: Course,
    limits: Limits,
    results: Iterable[ExerciseResult],
    before: dict[str, str | None],
) -> set[str]:
    """Store fresh results whose file did not change while it was graded; return the ids of
    exercises that pass now and did not pass the last time they were graded."""
    results = list(results)
    after = keys_for(course, [course.exercise(r.id) for r in results], limits)
    done = set()
    for result in results:
        previous = cache.previous(course.exercise(result.id))
        if result.complete and (previous is None or not previous.complete):
            done.add(result.id)
        if after[result.id] == before.get(result.id):
            cache.put(result, after[result.id])
    cache.save()
    return done


def grade_cached(
    course: Course,
    exercises: tuple[Exercise, ...],
    limits: Limits,
    grade_fn: GradeFn,
    cache: ResultCache | None = None,
) -> Results:
    """Results of `exercises` in the student's folder, grading only what changed since."""
    cache = cache or ResultCache(course)
    before = keys_for(course, exercises, limits)
    stored = {ex.id: cache.get(ex, before[ex.id]) for ex in exercises}
    todo = tuple(ex for ex in exercises if stored[ex.id] is None)
    run = grade_fn(todo) if todo else None
    fresh = {r.id: r for r in run.exercises} if run else {}
    newly_done = remember(cache, course, limits, fresh.values(), before) if fresh else set()
    ordered = [stored[ex.id] or fresh[ex.id] for ex in exercises]
    return Results(ordered, newly_done, run, reused=len(exercises) - len(todo))


def current_exercise(
    course: Course, limits: Limits, grade_fn: GradeFn, cache: ResultCache | None = None
) -> Exercise | None:
    """The first exercise in course order that is not done (None when all are).

    An untouched stub is not done without grading it; a changed file without a stored result is
    graded, together with the others before the first untouched stub.
    """
    cache = cache or ResultCache(course)
    keys = keys_for(course, course.exercises, limits)
    unknown: list[Exercise] = []
    for ex in course.exercises:
        result = cache.get(ex, keys[ex.id])
        if result is not None and not result.complete:
            break
        if result is None:
            if keys[ex.id] is None or is_pristine(course, ex):
                break  # a missing file or an untouched stub is not done
            unknown.append(ex)
    if unknown:
        grade_cached(course, tuple(unknown), limits, grade_fn, cache)
    for ex in course.exercises:
        result = cache.get(ex, keys[ex.id])
        if result is None or not result.complete:
            return ex
    return None
