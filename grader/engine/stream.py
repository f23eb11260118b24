"""The grading process's results channel: one JSON event per line, signed with the job's token,
and the pytest plugin that emits them as collection and each check go (built on
pytest-json-report's per-test records), so a crash or a kill loses nothing already graded."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest
from pytest_jsonreport.plugin import JSONReport

from grader.engine.explain import (
    MESSAGE_LIMIT,
    STREAM_LIMIT,
    clip,
    explain,
    outcome_of,
    skip_reason,
    student_traceback,
)
from grader.engine.protocol import CheckId, Event, Outcome


class EventStream:
    """Line-delimited JSON written straight to a file descriptor, flushed per event."""

    def __init__(self, fd: int, token: str) -> None:
        self._file = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
        self._token = token  # the supervisor ignores events without it

    def emit(self, event: Event, **fields: Any) -> None:
        record = {"event": event, "token": self._token, **fields}
        self._file.write(json.dumps(record, default=str) + "\n")
        self._file.flush()


class StreamingReport(JSONReport):  # type: ignore[misc]  # pytest-json-report has no types
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
                message=clip(str(report.longrepr), MESSAGE_LIMIT),
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
    def pytest_fixture_setup(
        self, fixturedef: Any, request: pytest.FixtureRequest
    ) -> Generator[None, None, None]:
        # Importing the student's module is the one step that a fault can turn into the loss of
        # every check of the exercise; the supervisor needs to know when it is under way.
        if fixturedef.argname != "student":
            yield
            return
        self._events.emit(Event.IMPORT, phase="start", nodeid=self._id(request.node.nodeid))
        yield
        self._events.emit(Event.IMPORT, phase="done", nodeid=self._id(request.node.nodeid))

    def pytest_json_runtest_metadata(
        self, item: pytest.Item, call: pytest.CallInfo[None]
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
        outcome = grade.get("outcome") or outcome_of(record["outcome"], stages)
        message = grade.get("message", "")
        if outcome == Outcome.SKIPPED and not message:
            message = skip_reason(stages)
        output = "".join(stage.get(s, "") for stage in stages for s in ("stdout", "stderr"))
        self._events.emit(
            Event.RESULT,
            nodeid=self._id(report.nodeid),
            outcome=outcome,
            message=message,
            duration=round(sum(stage.get("duration", 0.0) for stage in stages), 4),
            output=clip(output, STREAM_LIMIT),
            traceback=grade.get("traceback", ""),
        )

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        super().pytest_sessionfinish(session)
        self._events.emit(Event.FINISHED)
