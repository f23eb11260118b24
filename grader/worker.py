"""The grading process: runs the checks under pytest and streams one JSON event per line to the
supervisor (grader.runner) as things happen, so a crash or a kill loses nothing already graded.

It is started as `python -m grader.worker EVENTS_FD PROTECTED_JSON -- PYTEST_ARGS...` and is
never imported by the supervisor itself (it needs pytest and MLX, the supervisor does not).
"""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest
from pytest_jsonreport.plugin import JSONReport

MESSAGE_LIMIT = 600
STREAM_LIMIT = 2000

# Audit events through which code can change or delete a file.
_FILE_EVENTS = frozenset(
    {"open", "os.remove", "os.rename", "os.replace", "os.truncate", "shutil.rmtree", "os.rmdir"}
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


class EventStream:
    """Line-delimited JSON written straight to a file descriptor, flushed per event."""

    def __init__(self, fd: int, token: str) -> None:
        self._file = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
        self._token = token  # the supervisor ignores events without it

    def emit(self, event: str, **fields: Any) -> None:
        record = {"event": event, "token": self._token, **fields}
        self._file.write(json.dumps(record, default=str) + "\n")
        self._file.flush()


class StreamingReport(JSONReport):
    """pytest-json-report's per-test records, streamed as each check finishes."""

    def __init__(self, events: EventStream, target: Path, select: set[str]) -> None:
        super().__init__()
        self._events = events
        self._target = target
        self._select = select

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        super().pytest_sessionstart(session)
        from grader.environment import describe_environment

        self._events.emit("environment", **describe_environment())

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        super().pytest_collectreport(report)
        if report.failed:
            self._events.emit(
                "collect_error",
                nodeid=report.nodeid,
                message=_clip(str(report.longrepr), MESSAGE_LIMIT),
            )

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keep = [item for item in items if item.nodeid in self._select]
        dropped = [item for item in items if item.nodeid not in self._select]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self._events.emit("start", nodeid=nodeid)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: pytest.FixtureRequest):
        # Importing the student's module is the one step that a fault can turn into the loss of
        # every check of the exercise; the supervisor needs to know when it is under way.
        if fixturedef.argname != "student":
            yield
            return
        self._events.emit("import", phase="start", nodeid=request.node.nodeid)
        yield
        self._events.emit("import", phase="done", nodeid=request.node.nodeid)

    def pytest_json_runtest_metadata(
        self, item: pytest.Item, call: pytest.CallInfo
    ) -> dict[str, Any]:
        if call.excinfo is None:
            return {}
        outcome, message = explain(call.excinfo, call.when, self._target)
        return {"grade": {"outcome": outcome, "message": message}}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        super().pytest_runtest_logreport(report)
        if report.when != "teardown":
            return
        record = self._json_tests[report.nodeid]
        stages = [record[s] for s in ("setup", "call", "teardown") if s in record]
        grade = record.get("metadata", {}).get("grade", {})
        outcome = grade.get("outcome") or _outcome(record["outcome"], stages)
        message = grade.get("message", "")
        if outcome == "skipped" and not message:
            message = _skip_reason(stages)
        output = "".join(stage.get(s, "") for stage in stages for s in ("stdout", "stderr"))
        self._events.emit(
            "result",
            nodeid=report.nodeid,
            outcome=outcome,
            message=message,
            duration=round(sum(stage.get("duration", 0.0) for stage in stages), 4),
            output=_clip(output, STREAM_LIMIT),
        )

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        super().pytest_sessionfinish(session)
        self._events.emit("finished")


def _outcome(total: str, stages: list[dict[str, Any]]) -> str:
    if total == "error":
        return "error"
    if any(stage.get("outcome") == "failed" for stage in stages):
        return "failed"
    return total if total in ("passed", "failed", "skipped") else "error"


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
    exc = excinfo.value
    where = _student_frame(excinfo.tb, target)
    place = f" ({where[0]} line {where[1]}, in {where[2]})" if where else ""
    if isinstance(exc, pytest.skip.Exception):
        if when == "call":
            return (
                "failed",
                "the check was skipped from inside its own run; only skips decided before a check runs count",
            )
        return "skipped", str(exc)
    if when != "call":
        return "error", _clip(
            f"{type(exc).__name__}: {exc}"
            if type(exc).__name__ != "StudentImportError"
            else str(exc),
            MESSAGE_LIMIT,
        )
    if isinstance(exc, NotImplementedError):
        todo = re.match(r"TODO (\w+)", str(exc))
        name = where[2] if where else todo.group(1) if todo else "a function"
        return "failed", _clip(f"{name} is not implemented yet{place}: {exc}", MESSAGE_LIMIT)
    if isinstance(exc, SystemExit):
        return (
            "failed",
            f"student code called sys.exit({exc.code!r}){place}; return a value instead",
        )
    if isinstance(exc, MemoryError):
        return (
            "failed",
            f"MemoryError{place}: an allocation was refused; the grading process has a memory limit",
        )
    if isinstance(exc, AssertionError):
        text = str(exc).strip() or excinfo.exconly().strip()
        return "failed", _clip(text.split("\nassert ")[0], MESSAGE_LIMIT)
    return "failed", _clip(f"{type(exc).__name__}{place}: {exc}", MESSAGE_LIMIT)


def _student_frame(tb: Any, target: Path) -> tuple[str, int, str] | None:
    """(file, line, function) of the innermost traceback frame inside the graded folder."""
    found = None
    for frame in traceback.extract_tb(tb):
        path = Path(frame.filename)
        if path.is_absolute() and target in path.parents:
            found = (f"{target.name}/{path.name}", frame.lineno or 0, frame.name)
    return found


def install_tamper_watch(events: EventStream, protected: list[str]) -> None:
    """Report any attempt by code in this process to write, move or delete a protected file
    (the report, the checks, the manifest). An audit hook cannot be removed once added."""
    watched = {os.path.realpath(p) for p in protected}

    def hook(event: str, args: tuple) -> None:
        if event not in _FILE_EVENTS or not args:
            return
        path = args[0]
        if not isinstance(path, (str, bytes, os.PathLike)):
            return
        if event == "open":
            mode, flags = (args[1] or "r"), (args[2] if len(args) > 2 else 0)
            writing = any(c in str(mode) for c in "wax+") or bool(flags & _WRITE_FLAGS)
            if not writing:
                return
        try:
            resolved = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return
        if resolved in watched:
            events.emit("suspicious", reason=f"{event} on protected file {resolved}")

    sys.addaudithook(hook)


def main(argv: list[str]) -> int:
    """Entry point of the grading process."""
    fd, protected_json, sep, *pytest_args = argv
    assert sep == "--", "usage: python -m grader.worker FD PROTECTED_JSON -- PYTEST_ARGS..."
    # Taken out of the environment before any student code runs, so it cannot simply be read back.
    events = EventStream(int(fd), os.environ.pop("GRADE_EVENTS_TOKEN", ""))
    options = json.loads(protected_json)
    install_tamper_watch(events, options["protected"])
    plugin = StreamingReport(events, Path(options["target"]).resolve(), set(options["select"]))
    code = pytest.main(pytest_args, plugins=[plugin])
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
