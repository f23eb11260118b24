"""`grade watch`: grade the current exercise, then again on every save, and move on when it is done.

Three sources feed one queue that the main thread reads: file changes (watchfiles, or polling
with --poll), keys (h, l, q; a line at a time without a terminal) and the end of a grading run.
Grading goes through the same supervisor as `grade run`, so a loop, a crash or a `sys.exit` in
student code costs that run only: the watcher itself never runs student code.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click

from grader.engine import grading
from grader.engine.jobs import Limits
from grader.engine.protocol import Outcome
from grader.engine.results import ExerciseResult
from grader.errors import GraderError
from grader.manifest import Course, Exercise
from grader.student.assist import known_progress
from grader.student.hints import load_state, next_hints
from grader.student.loop import keys_for, remember
from grader.student.progress import activity
from grader.student.render import (
    PROBLEMS,
    blocked_by_policy,
    check_lines,
    list_line,
    mark,
    policy_lines,
    recap_lines,
)
from grader.student.reset import is_pristine
from grader.student.state import ResultCache
from grader.text import escape, one_line

STEP_MS = 30  # quiet time after a change before it is reported (editors write in bursts)
POLL_MS = 150  # how often --poll looks at the files
KEYS = "Keys: h next hint, l list, q quit."


class _Grader:
    """Grades one exercise at a time, through a warm grading session when the engine has one."""

    def __init__(self, course: Course, limits: Limits, target: str) -> None:
        self.course, self.limits, self.target = course, limits, target
        self._session: grading.GradingSession | None
        try:
            self._session = grading.GradingSession(course, limits)
        except (GraderError, OSError):  # no warm process: each run starts its own, slower
            self._session = None

    def grade(self, exercise: Exercise) -> ExerciseResult:
        if self._session is not None:
            graded = self._session.grade((exercise,), self.target)
        else:
            folder = grading.resolve_target(self.course, self.target, (exercise,))
            graded = grading.grade(self.course, (exercise,), folder=folder, limits=self.limits)
        return graded.run.exercises[0]

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


@contextlib.contextmanager
def _cbreak(stream: TextIO) -> Iterator[bool]:
    """Single keys without Enter on a terminal (Ctrl-C still interrupts); yields whether it is one."""
    try:
        import termios
        import tty

        fd = stream.fileno()
        if not os.isatty(fd):
            raise OSError
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError, AttributeError):
        yield False
        return
    try:
        tty.setcbreak(fd)
        yield True
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class Watcher:
    """The watch loop of one `grade watch` command."""

    def __init__(
        self,
        course: Course,
        limits: Limits,
        target: str,
        start: Exercise | None,
        *,
        poll: bool = False,
        color: bool = False,
        out: TextIO | None = None,
        keys: TextIO | None = None,
    ) -> None:
        self.course, self.limits, self.target, self.start = course, limits, target, start
        self.poll, self.color = poll, color
        self.out = out or sys.stdout
        self.keys = keys or sys.stdin
        self.folder = grading.resolve_target(course, target, ())
        self.own = target == "exercises"
        self.cache = ResultCache(course) if self.own else None
        self.known: dict[str, ExerciseResult] = {}
        self.graded: dict[str, str | None] = {}  # id -> digest of the file last graded
        self.events: queue.Queue[tuple[str, object]] = queue.Queue()
        self.stop = threading.Event()
        self.busy = False
        self.numbers = {ex.id: i for i, ex in enumerate(course.exercises, start=1)}

    # ---- output -----------------------------------------------------------------------------

    def say(self, line: str = "") -> None:
        click.echo(line, file=self.out, color=self.color)

    # ---- sources ----------------------------------------------------------------------------

    def _watch_files(self) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(
                self.folder,
                stop_event=self.stop,
                step=STEP_MS,
                force_polling=True if self.poll else None,
                poll_delay_ms=POLL_MS,
                recursive=False,
                raise_interrupt=False,
            ):
                self.events.put(("change", {Path(p).name for _, p in changes}))
        except Exception as exc:  # the watcher dies, the loop should say so rather than hang
            self.events.put(("watch-failed", f"{type(exc).__name__}: {exc}"))

    def _read_keys(self, single: bool) -> None:
        main = threading.main_thread().ident
        while not self.stop.is_set():
            try:
                if single:
                    data = os.read(self.keys.fileno(), 1).decode(errors="replace")
                else:
                    data = self.keys.readline()
            except (OSError, ValueError):
                return
            if not data:
                return  # no more input: keep watching, without keys
            key = data.strip()[:1].lower()
            if not key:
                continue
            self.events.put(("key", key))
            if key == "q" and self.busy and main is not None and hasattr(signal, "pthread_kill"):
                signal.pthread_kill(main, signal.SIGINT)  # stop a grading run under way

    # ---- grading ----------------------------------------------------------------------------

    def _key(self, exercise: Exercise) -> str | None:
        if not self.own:
            return None
        return keys_for(self.course, (exercise,), self.limits)[exercise.id]

    def _grade(self, grader: _Grader, exercise: Exercise) -> ExerciseResult | None:
        before = keys_for(self.course, (exercise,), self.limits) if self.own else {}
        self.busy = True
        try:
            with activity(f"grading {exercise.id}"):
                result = grader.grade(exercise)
        except GraderError as exc:
            self.say(click.style(f"Error: {escape(str(exc))}", fg="red"))
            return None
        except Exception as exc:  # a fault of the grader, not of student code: keep watching
            failure = escape(f"{type(exc).__name__}: {exc}")
            self.say(click.style(f"Error: grading failed ({failure})", fg="red"))
            return None
        finally:
            self.busy = False
        if self.cache is not None:
            remember(self.cache, self.course, self.limits, [result], before)
        self.known[exercise.id] = result
        return result

    def _show(self, exercise: Exercise, result: ExerciseResult, why: str) -> None:
        if self.out.isatty():
            self.out.write("\x1b[2J\x1b[H")  # a fresh screen for each verdict, as rustlings does
        number = self.numbers[exercise.id]
        self.say(
            click.style(f"{number:02d} {exercise.id}: {exercise.title}", bold=True)
            + f"  ({self._shown_path(exercise)}, {why} at {time.strftime('%H:%M:%S')})"
        )
        for line in policy_lines(result):
            self.say(line)
        previous = None
        for check in result.checks:
            if blocked_by_policy(result, check):
                self.say(f"     {mark(check.outcome)} {check.name}")
            elif check.outcome in PROBLEMS:
                for line in check_lines(check, folder=self.folder, previous=previous):
                    self.say(line)
                previous = check
            else:
                note = (
                    "" if check.outcome == Outcome.PASSED else f": {one_line(check.message, 300)}"
                )
                self.say(f"     {mark(check.outcome)} {check.name}{note}")
        for reason in result.suspicious:
            self.say(click.style(f"     suspicious: {one_line(reason, 400)}", fg="yellow"))
        failing = sum(1 for c in result.checks if c.outcome in PROBLEMS)
        if result.complete:
            verdict = click.style("done", fg="green", bold=True)
        else:
            verdict = click.style(
                f"{failing} check{'s' if failing != 1 else ''} to fix", fg="red", bold=True
            )
        self.say(
            f"Verdict: {number:02d} {exercise.id} {result.score:g}/{result.max_score:g} points, "
            + verdict
        )

    def _shown_path(self, exercise: Exercise) -> str:
        path = self.folder / exercise.file
        try:
            return os.path.relpath(path)
        except ValueError:
            return str(path)

    def _progress(self) -> None:
        self.say("Course: " + known_progress(self.course, self.known))

    def _next(self, after: Exercise) -> Exercise | None:
        """The next exercise after `after` (wrapping round) not known to be done."""
        order = list(self.course.exercises)
        start = order.index(after) + 1
        for exercise in order[start:] + order[:start]:
            known = self.known.get(exercise.id)
            if known is None or not known.complete:
                return exercise
        return None

    # ---- keys -------------------------------------------------------------------------------

    def _hint(self, exercise: Exercise) -> None:
        state = load_state(self.course)
        if state.note:
            self.say(f"Note: {state.note}.")
        note, total = state.note, len(exercise.hints)
        for number, text in next_hints(self.course, exercise, state=state):
            self.say(f"Hint {number} of {total} for {exercise.id}:")
            self.say(f"  {text}")
        if state.note != note:
            self.say(f"Note: {state.note}.")
        if not exercise.hints:
            self.say(f"{exercise.id} has no hints.")

    def _list(self) -> None:
        for exercise in self.course.exercises:
            number = self.numbers[exercise.id]
            result = self.known.get(exercise.id)
            if result is None:
                self.say(
                    f"{number:02d} {exercise.id:<22} {exercise.title:<32} {'':>7}  not graded yet"
                )
            else:
                pristine = self.own and is_pristine(self.course, exercise)
                self.say(list_line(number, result, pristine))

    # ---- the loop ---------------------------------------------------------------------------

    def _load_known(self) -> None:
        if self.cache is None:
            return
        keys = keys_for(self.course, self.course.exercises, self.limits)
        for exercise in self.course.exercises:
            result = self.cache.get(exercise, keys[exercise.id])
            if result is not None:
                self.known[exercise.id] = result

    def _first_exercise(self, grader: _Grader) -> Exercise | None:
        if self.start is not None:
            return self.start
        for exercise in self.course.exercises:
            known = self.known.get(exercise.id)
            if known is not None and known.complete:
                continue
            return exercise
        return None

    def run(self) -> int:
        """Watch until q, Ctrl-C or every exercise is done; returns the exit code."""
        if not self.folder.is_dir():
            raise GraderError(f"no folder {self.folder} to watch; pass --target exercises or DIR")
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            raise GraderError(
                "grade watch needs the watchfiles package: run `pip install -e .` again"
            ) from None
        self._load_known()
        grader = _Grader(self.course, self.limits, self.target)
        with _cbreak(self.keys) as single:
            threading.Thread(target=self._watch_files, daemon=True).start()
            threading.Thread(target=self._read_keys, args=(single,), daemon=True).start()
            try:
                return self._loop(grader, single)
            except KeyboardInterrupt:
                self.say("\nStopped watching.")
                return 0
            finally:
                self.stop.set()
                grader.close()

    def _loop(self, grader: _Grader, single: bool) -> int:
        exercise = self._first_exercise(grader)
        why = "started"
        moved_on = False
        while exercise is not None:
            self.graded[exercise.id] = self._digest(exercise)
            result = self._grade(grader, exercise)
            if result is not None and result.complete and moved_on:
                self.say(f"{self.numbers[exercise.id]:02d} {exercise.id} is already done.")
                exercise = self._next(exercise)
                continue
            moved_on = False
            if result is not None:
                self._show(exercise, result, why)
                if result.complete:
                    for line in recap_lines(exercise.id, exercise.recap):
                        self.say(line)
                    self._progress()
                    following = self._next(exercise)
                    if following is None:
                        self.say(click.style("Every exercise is done. Well done!", bold=True))
                        if self.start is None:
                            return 0
                        # The student asked for this exercise: keep watching it.
                    else:
                        self.say(f"Next: {self.numbers[following.id]:02d} {following.id}\n")
                        exercise, why, moved_on = following, "started", True
                        continue
                else:
                    self._progress()
            self.say(
                f"Watching {self._shown_path(exercise)}: save it to grade again. "
                + (KEYS if single else KEYS.replace(".", " (then Enter)."))
            )
            why, exercise = self._wait(exercise)
            if why == "quit":
                self.say("Stopped watching.")
                return 0
        self.say(click.style("Every exercise is done. Well done!", bold=True))
        return 0

    def _digest(self, exercise: Exercise) -> str | None:
        return self._key(exercise) or _digest(self.folder / exercise.file)

    def _saved(self, names: set[str], current: Exercise) -> Exercise | None:
        """The exercise whose file was saved with new content: the current one first, else any
        other (a student going back to an earlier exercise is followed there)."""
        by_file = {ex.file: ex for ex in self.course.exercises}
        candidates = [current] + [by_file[n] for n in sorted(names) if n in by_file]
        for exercise in candidates:
            if exercise.file in names and self._digest(exercise) != self.graded.get(exercise.id):
                return exercise
        return None

    def _wait(self, exercise: Exercise) -> tuple[str, Exercise]:
        """Block until an exercise file is saved with new content (returns "saved" and that
        exercise) or q is pressed (returns "quit")."""
        while True:
            try:
                kind, value = self.events.get(timeout=0.5)
            except queue.Empty:
                # A backstop for a save no event reported (one made while the watcher was
                # still starting, say): the file's content is what counts.
                if self._digest(exercise) != self.graded.get(exercise.id):
                    return "saved", exercise
                continue
            if kind == "change":
                assert isinstance(value, set)  # a change event carries the names saved
                saved = self._saved(value, exercise)
                if saved is not None:
                    return "saved", saved
            elif kind == "watch-failed":
                self.say(f"Watching files failed ({value}); try `grade watch --poll`.")
                return "quit", exercise
            elif kind == "key":
                if value == "q":
                    return "quit", exercise
                if value == "h":
                    self._hint(exercise)
                elif value == "l":
                    self._list()
                else:
                    self.say(KEYS)


def _digest(path: Path) -> str | None:
    from grader.engine.integrity import sha256_file

    try:
        return sha256_file(path)
    except OSError:
        return None
