"""The protocol between the supervisor, the launcher and a grading process: the job a grading
process receives, the events it streams back, the ids of checks and the outcomes they end in.

Everything that crosses the trust boundary is named here once. A job travels as one JSON line
(on stdin, or the zygote's control socket); events come back as JSON lines signed with the job's
token. Outcome and Event are `str` enums, so they serialise as their plain values.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from enum import Enum


class Outcome(str, Enum):
    """How one check ended."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"
    CRASHED = "crashed"

    def __str__(self) -> str:
        return self.value


class Event(str, Enum):
    """The kinds of event a grading process streams to the supervisor."""

    ENVIRONMENT = "environment"  # the session started: what machine and MLX build this is
    COLLECT_ERROR = "collect_error"  # a check file could not be loaded
    START = "start"  # a check started
    IMPORT = "import"  # the student module's import started (phase "start") or ended
    CALL = "call"  # the running check calls into student code (a summary of the call)
    RESULT = "result"  # a check ended
    SUSPICIOUS = "suspicious"  # the guard saw something a submission should not do
    FINISHED = "finished"  # every selected check has reported

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class CheckId:
    """A check's id: the label of its file and the check's name, `tests/test_01_x.py::test_y`."""

    label: str
    name: str

    SEPARATOR = "::"

    @classmethod
    def parse(cls, text: str) -> CheckId:
        """The id that `str(check_id)` wrote (the name is everything after the first `::`)."""
        label, sep, name = text.partition(cls.SEPARATOR)
        if not sep:
            raise ValueError(f"not a check id (no {cls.SEPARATOR}): {text!r}")
        return cls(label, name)

    def __str__(self) -> str:
        return f"{self.label}{self.SEPARATOR}{self.name}"


@dataclass(frozen=True)
class Job:
    """What one grading process is asked to do. The supervisor fills in what to grade; the
    launcher adds the folders it may write and, for a spawned process, its results channel."""

    token: str  # signs every event; lives only in the two processes' memory
    target: str  # the private copy of the submission
    select: tuple[str, ...]  # the check ids to run
    labels: dict[str, str]  # real path of a check file -> the label its ids carry
    hidden: tuple[str, ...]  # folders it may never read
    hidden_after_collection: tuple[str, ...]  # read while pytest collects, hidden after
    pytest_args: tuple[str, ...]
    startup: float  # seconds to start and collect
    kernels: str  # the MLX kernel cache of the run
    writable: tuple[str, ...] = ()  # its working folder first, then its temporary folder
    events_fd: int | None = None  # a spawned process's end of the results channel

    def launched(self, writable: tuple[str, ...], events_fd: int | None = None) -> Job:
        """The job as the launcher hands it over: with its folders and results channel."""
        return replace(self, writable=writable, events_fd=events_fd)

    def to_json(self) -> str:
        """One line of JSON."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, line: str | bytes) -> Job:
        """The job a line of JSON holds; ValueError when it is not one."""
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("a job is a JSON object")
        known = set(cls.__dataclass_fields__)
        if set(data) - known:
            raise ValueError(f"a job has unknown fields: {', '.join(sorted(set(data) - known))}")
        try:
            for name in ("select", "hidden", "hidden_after_collection", "pytest_args", "writable"):
                if name in data:  # a missing one is refused below, unless it has a default
                    data[name] = tuple(str(v) for v in data[name])
            return cls(**data)
        except TypeError as exc:  # a field missing, or a list that is not one
            raise ValueError(f"not a job: {exc}") from None
