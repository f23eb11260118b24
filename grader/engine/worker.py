"""The grading process: runs the checks of one exercise under pytest and streams one JSON event
per line to the supervisor (grader.engine.supervisor) as things happen, so a crash or a kill loses nothing
already graded.

The supervisor starts it through a small bootstrap (grader.engine.launch.BOOTSTRAP) and sends the job
on stdin; it is never imported by the supervisor itself (it needs pytest and MLX).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_jsonreport.plugin import JSONReport

from grader.engine.protocol import CheckId, Event, Job, Outcome

MESSAGE_LIMIT = 600
STREAM_LIMIT = 2000


# How Hypothesis shows the `student` fixture in a failing example: noise to the student.
_FIXTURE_ARGUMENT = re.compile(r"student=<grader\.checks\.StudentModule object at 0x[0-9a-f]+>,\s*")


class StudentInterrupt(Exception):
    """Student code raised KeyboardInterrupt or asked pytest to stop: it costs one check."""


_STOPPERS = (KeyboardInterrupt, pytest.exit.Exception)


class EventStream:
    """Line-delimited JSON written straight to a file descriptor, flushed per event."""

    def __init__(self, fd: int, token: str) -> None:
        self._file = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
        self._token = token  # the supervisor ignores events without it

    def emit(self, event: Event, **fields: Any) -> None:
        record = {"event": event, "token": self._token, **fields}
        self._file.write(json.dumps(record, default=str) + "\n")
        self._file.flush()


class StreamingReport(JSONReport):
    """pytest-json-report's per-test records, streamed as each check finishes."""

    def __init__(
        self, events: EventStream, target: Path, select: set[str], labels: dict[str, str]
    ) -> None:
        super().__init__()
        self._events = events
        self._target = target
        self._select = select
        self._labels = labels  # check file path -> the label its ids carry
        self._ids: dict[str, str] = {}  # pytest node id -> check id
        self.after_collection: Callable[[], None] = lambda: None

    def _id(self, nodeid: str) -> str:
        return self._ids.get(nodeid, nodeid)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        super().pytest_sessionstart(session)
        from grader.engine.environment import describe_environment

        self._events.emit(Event.ENVIRONMENT, **describe_environment())

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        super().pytest_collectreport(report)
        if report.failed:
            path = str(report.fspath) if report.fspath else report.nodeid
            self._events.emit(
                Event.COLLECT_ERROR,
                nodeid=self._labels.get(os.path.realpath(path), report.nodeid),
                message=_clip(str(report.longrepr), MESSAGE_LIMIT),
            )

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.after_collection()

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        for item in items:
            label = self._labels.get(os.path.realpath(str(item.path)))
            if label is not None:
                self._ids[item.nodeid] = str(CheckId(label, item.name))
        keep = [item for item in items if self._id(item.nodeid) in self._select]
        dropped = [item for item in items if self._id(item.nodeid) not in self._select]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        from grader import checks

        checks.failed_call = None
        self._events.emit(Event.START, nodeid=self._id(nodeid))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: pytest.FixtureRequest):
        # Importing the student's module is the one step that a fault can turn into the loss of
        # every check of the exercise; the supervisor needs to know when it is under way.
        if fixturedef.argname != "student":
            yield
            return
        self._events.emit(Event.IMPORT, phase="start", nodeid=self._id(request.node.nodeid))
        yield
        self._events.emit(Event.IMPORT, phase="done", nodeid=self._id(request.node.nodeid))

    def pytest_json_runtest_metadata(
        self, item: pytest.Item, call: pytest.CallInfo
    ) -> dict[str, Any]:
        if call.excinfo is None:
            return {}
        outcome, message = explain(call.excinfo, call.when, self._target)
        trace = student_traceback(call.excinfo.tb, self._target)
        return {"grade": {"outcome": outcome, "message": message, "traceback": trace}}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        super().pytest_runtest_logreport(report)
        if report.when != "teardown":
            return
        record = self._json_tests[report.nodeid]
        stages = [record[s] for s in ("setup", "call", "teardown") if s in record]
        grade = record.get("metadata", {}).get("grade", {})
        outcome = grade.get("outcome") or _outcome(record["outcome"], stages)
        message = grade.get("message", "")
        if outcome == Outcome.SKIPPED and not message:
            message = _skip_reason(stages)
        output = "".join(stage.get(s, "") for stage in stages for s in ("stdout", "stderr"))
        self._events.emit(
            Event.RESULT,
            nodeid=self._id(report.nodeid),
            outcome=outcome,
            message=message,
            duration=round(sum(stage.get("duration", 0.0) for stage in stages), 4),
            output=_clip(output, STREAM_LIMIT),
            traceback=grade.get("traceback", ""),
        )

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        super().pytest_sessionfinish(session)
        self._events.emit(Event.FINISHED)


class Containment:
    """Keeps what student code raises to the check that raised it; a plugin of its own, as
    these hooks are also JSONReport's.

    A KeyboardInterrupt (or pytest.exit) would end the whole session; an exception whose
    message, repr or notes raise in turn would do the same later, when pytest reports it. Both
    become an ordinary failure of the running check.
    """

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item):
        try:
            return (yield)
        except BaseException as exc:  # noqa: BLE001 - whatever student code raised
            raise _contained(exc) from None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        try:
            return (yield)
        except BaseException as exc:  # noqa: BLE001
            raise _contained(exc) from None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item):
        try:
            return (yield)
        except BaseException as exc:  # noqa: BLE001
            raise _contained(exc) from None


def _contained(exc: BaseException) -> BaseException:
    """`exc` itself when pytest can report it safely, else a plain stand-in for it. (Whatever
    slips through still costs only this exercise: it has a process of its own.)"""
    if isinstance(exc, _STOPPERS):
        return _interrupt(exc)
    try:
        str(exc), repr(exc)
        for note in getattr(exc, "__notes__", None) or ():
            str(note)
        return exc
    except BaseException:  # noqa: BLE001 - a message that raises is itself the fault
        return StudentInterrupt(
            "student code raised an exception whose message could not be read; "
            "only this check is charged for it"
        )


def _interrupt(exc: BaseException) -> StudentInterrupt:
    # In a grading process nothing but student code raises these (the real Ctrl-C goes to the
    # supervisor): pytest would end the whole session and lose every remaining check.
    return StudentInterrupt(
        f"student code raised {type(exc).__name__}; only this check is charged for it"
    )


def _outcome(total: str, stages: list[dict[str, Any]]) -> str:
    if total == Outcome.ERROR:
        return Outcome.ERROR
    if any(stage.get("outcome") == Outcome.FAILED for stage in stages):
        return Outcome.FAILED
    if total in (Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED):
        return Outcome(total)
    return Outcome.ERROR


def _skip_reason(stages: list[dict[str, Any]]) -> str:
    for stage in stages:
        text = stage.get("longrepr", "")
        if text:
            # pytest renders a skip as "('file', line, 'Skipped: reason')"
            return text.rsplit("Skipped: ", 1)[-1].rstrip("')\"")
    return "skipped"


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[: limit - 60]}... [{len(text) - limit + 60} more characters cut]"


def explain(excinfo: pytest.ExceptionInfo, when: str, target: Path) -> tuple[str, str]:
    """The outcome and the one-paragraph message for a check that raised."""
    try:
        return _explain_with_notes(excinfo, when, target)
    except BaseException:  # noqa: BLE001 - an exception that cannot be described still fails
        return Outcome.FAILED, "student code raised an exception whose message could not be read"


def _explain_with_notes(excinfo: pytest.ExceptionInfo, when: str, target: Path) -> tuple[str, str]:
    outcome, message = _explain(excinfo, when, target)
    notes = " ".join(" ".join(str(n).split()) for n in getattr(excinfo.value, "__notes__", ()))
    notes = _FIXTURE_ARGUMENT.sub("", notes)  # the example's own arguments are what matter
    if notes and outcome != Outcome.SKIPPED:  # hypothesis's failing example: enough to reproduce it
        message = f"{message} [{notes}]"
    return outcome, _clip(message, MESSAGE_LIMIT)


def _explain(excinfo: pytest.ExceptionInfo, when: str, target: Path) -> tuple[str, str]:
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
        return Outcome.ERROR, _clip(
            f"{type(exc).__name__}: {exc}"
            if type(exc).__name__ != "StudentImportError"
            else str(exc),
            MESSAGE_LIMIT,
        )
    if isinstance(exc, NotImplementedError):
        todo = re.match(r"TODO (\w+)", str(exc))
        name = where[2] if where else todo.group(1) if todo else "a function"
        return Outcome.FAILED, _clip(f"{name} is not implemented yet{place}: {exc}", MESSAGE_LIMIT)
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
        return Outcome.FAILED, _clip(text.split("\nassert ")[0], MESSAGE_LIMIT)
    return Outcome.FAILED, _clip(f"{type(exc).__name__}{place}: {exc}", MESSAGE_LIMIT)


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
    return _clip("\n".join(frames[-limit:]), STREAM_LIMIT)


def _student_frame(tb: Any, target: Path) -> tuple[str, int, str] | None:
    """(file, line, function) of the innermost traceback frame inside the graded folder."""
    found = None
    for frame in traceback.extract_tb(tb):
        path = Path(frame.filename)
        if path.is_absolute() and target in path.parents:
            found = (f"{target.name}/{path.name}", frame.lineno or 0, frame.name)
    return found


def _warm_up() -> None:
    # Imported before any job arrives, so that a process started ahead of time, or forked from
    # the zygote, begins warm.
    import hypothesis  # noqa: F401
    import mlx.core  # noqa: F401
    import numpy  # noqa: F401

    import grader.checklib  # noqa: F401
    import grader.checks  # noqa: F401

    _close_module_dunders()
    from _pytest.config import default_plugins

    for name in default_plugins:  # pytest.main imports these for every session otherwise
        importlib.import_module(f"_pytest.{name}")

    try:  # Hypothesis reads constants out of every local module at its first example: do it now
        from hypothesis.internal.conjecture.providers import _get_local_constants

        _get_local_constants()
    except (ImportError, AttributeError):
        pass


def _close_module_dunders() -> None:
    """An mlx.nn.Module is a dict whose keys read as attributes, so a key built at run time
    could answer NumPy's `__array_interface__` lookup with a raw address (measured: any memory
    of the process). Its keys never answer a dunder lookup here; its own attributes still do."""
    import mlx.nn as nn

    lookup = nn.Module.__getattr__

    def __getattr__(self: nn.Module, key: str):  # noqa: N807 - replaces the class's hook
        if key.startswith("__") and key.endswith("__"):
            raise AttributeError(key)
        return lookup(self, key)

    nn.Module.__getattr__ = __getattr__  # type: ignore[method-assign]  # the point of it


def serve() -> int:
    """Wait for one job on stdin, then grade it (see grader.engine.protocol.Job).

    The token and the results channel arrive on stdin and live only in this process's memory:
    not in its environment, argv or /proc.
    """
    _warm_up()
    line = sys.stdin.buffer.readline()
    if not line:
        return 0  # the supervisor went away before sending a job
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # nothing more comes in, and nothing reads the job again
    os.close(null)
    job = Job.from_json(line)
    if job.events_fd is None:
        raise ValueError("a spawned grading process needs its results channel in the job")
    return run_job(job, job.events_fd)


def run_job(job: Job, events_fd: int) -> int:
    """Grade one exercise's checks as `job` says, streaming events to `events_fd`."""
    events = EventStream(events_fd, job.token)
    from hypothesis.configuration import set_hypothesis_home_dir

    from grader import checks
    from grader.engine import guard, landlock

    # Its cache folder was fixed when the zygote imported it; this process writes its own.
    set_hypothesis_home_dir(os.path.join(job.writable[0], ".hypothesis"))

    sandbox_guard = guard.install(
        writable=list(job.writable),
        hidden=list(job.hidden),
        report=lambda reason: events.emit(Event.SUSPICIOUS, reason=reason),
    )
    checks.on_call = lambda summary: events.emit(Event.CALL, summary=summary)
    plugin = StreamingReport(events, Path(job.target).resolve(), set(job.select), job.labels)
    plugin.after_collection = lambda: _hide(sandbox_guard, list(job.hidden_after_collection))
    os.environ["GRADE_SANDBOX"] = "1"  # checklib.run_isolated guards its child process too
    # Native writers (MLX's) make no audit event: the kernel holds them to these folders.
    # (CUDA's start-up in a new process writes under /proc: measured on an H200, a child that
    # could not failed in cudaMallocManaged. Without Landlock it could write there anyway.)
    import mlx.core as mx

    writable = [*job.writable, job.kernels, *(["/proc"] if mx.cuda.is_available() else [])]
    landlock.confine_writes(writable)
    code = pytest.main(list(job.pytest_args), plugins=[plugin, Containment()])
    return int(code)


def _hide(sandbox_guard: Any, folders: list[str]) -> None:
    """Hidden checks are read while pytest collects them, before any student code runs; from
    then on they are hidden. Their lines stay in linecache for pytest's own tracebacks."""
    import linecache

    for folder in folders:
        for path in Path(folder).glob("*.py"):
            linecache.getlines(str(path))
    sandbox_guard.hide(folders)


def zygote(control_fd: int) -> int:
    """Fork one grading process per job from this warm, untouched process (Linux).

    Each job arrives on the control socket with two descriptors: the results channel and the
    output pipe. The child starts its own session, moves into its own folders and grades; the
    zygote answers with the child's pid, and later with its exit status. No student code ever
    runs in the zygote itself, so every child starts from the same clean state.
    """
    import select
    import socket

    _warm_up()
    control = socket.socket(fileno=control_fd)
    buffer = b""
    children: set[int] = set()
    while True:
        ready, _, _ = select.select([control], [], [], 0.05)
        for pid in list(children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done:
                children.discard(pid)
                code = os.waitstatus_to_exitcode(status)
                control.sendall(json.dumps({"exit": pid, "code": code}).encode() + b"\n")
        if not ready:
            continue
        data, fds, _flags, _addr = socket.recv_fds(control, 1 << 20, 2)
        if not data:
            return 0  # the supervisor is gone
        buffer += data
        if b"\n" not in buffer or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue
        line, buffer = buffer.split(b"\n", 1)
        job = Job.from_json(line)
        events_fd, output_fd = fds
        pid = os.fork()
        if pid == 0:
            control.close()
            os._exit(_child(job, events_fd, output_fd))
        os.close(events_fd)
        os.close(output_fd)
        children.add(pid)
        control.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _child(job: Job, events_fd: int, output_fd: int) -> int:
    try:
        os.setsid()  # its own session and group: one kill takes everything it starts
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.close(output_fd)
        os.chdir(job.writable[0])
        os.environ.update(HOME=job.writable[0], TMPDIR=job.writable[1])
        import tempfile

        tempfile.tempdir = None  # found again from TMPDIR
        return run_job(job, events_fd)
    except BaseException:  # noqa: BLE001 - a child must never return into the zygote's loop
        traceback.print_exc()
        return 70
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(serve())
