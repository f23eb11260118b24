"""The supervisor: runs the checks in a separate grading process and contains its faults.

Everything runs in one process on the fault-free path. When a check hangs, exhausts memory or
takes the process down, the supervisor kills the whole process group, charges the fault to the
check that was running (to every remaining check of its exercise if the fault struck while the
student module was being imported) and starts a fresh process for the checks still to run.
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from grader.errors import GraderError
from grader.manifest import Course, Exercise

OUTPUT_TAIL = 4000
MEMORY_POLL = 0.05  # seconds between memory readings of the grading process


@dataclass(frozen=True)
class Limits:
    """Resource limits of one grading run."""

    timeout: float  # seconds per check, unless the manifest gives the check its own
    memory_mib: int  # resident memory of the grading process and its children
    jobs: int = 1  # grading processes side by side
    startup: float = 120.0  # seconds for the process to start and collect the checks

    def describe_memory(self) -> str:
        """The memory limit as people write it (`4 GiB`, `512 MiB`)."""
        if self.memory_mib % 1024 == 0:
            return f"{self.memory_mib // 1024} GiB"
        return f"{self.memory_mib} MiB"


@dataclass
class RawResult:
    """One check's outcome as the supervisor saw it (before points are attached)."""

    outcome: str
    message: str = ""
    duration: float = 0.0
    output: str = ""


@dataclass
class Collected:
    """What all grading processes of a run reported."""

    results: dict[str, RawResult] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    suspicious: list[tuple[str | None, str]] = field(default_factory=list)  # (node id, reason)
    restarts: int = 0


@dataclass
class _Run:
    """What every grading process of one run shares."""

    root: Path
    target: Path
    limits: Limits
    timeouts: dict[str, float]  # node id -> seconds
    protected: list[Path]
    collected: Collected
    live: _LiveProcesses


@dataclass
class _Pass:
    """The state of one grading process while it runs."""

    current: str | None = None
    started: float = 0.0
    importing: bool = False
    finished: bool = False
    fault: tuple[str, str] | None = None  # (outcome, message)
    collect_errors: dict[str, str] = field(default_factory=dict)
    progressed: bool = False
    session_started: bool = False
    startup_output: str = ""  # the last line the process printed, for a failed start
    token: str = field(
        default_factory=lambda: secrets.token_hex(16)
    )  # proves an event is the worker's


def default_jobs() -> int:
    """Grading processes to run side by side: one per core, at most four."""
    return max(1, min(os.cpu_count() or 1, 4))


def node_id(exercise: Exercise, check: str) -> str:
    """The pytest node id of one check."""
    return f"{exercise.check_file}::{check}"


def run_checks(
    course: Course,
    exercises: tuple[Exercise, ...],
    target: Path,
    limits: Limits,
    protected: list[Path],
) -> Collected:
    """Run every check of `exercises` against `target`; never raises for faults in student code.

    The exercises are shared out among `limits.jobs` grading processes that run side by side.
    """
    timeouts = {
        node_id(ex, c.name): c.timeout or limits.timeout for ex in exercises for c in ex.checks
    }
    run = _Run(course.root, target, limits, timeouts, protected, Collected(), _LiveProcesses())
    shards = _shards(exercises, limits.jobs)
    errors: list[BaseException] = []

    def grade_shard(shard: list[Exercise]) -> None:
        try:
            _run_shard(run, shard)
        except _Stopped:
            pass
        except BaseException as exc:  # re-raised in the calling thread below
            errors.append(exc)

    threads = [threading.Thread(target=grade_shard, args=(shard,), daemon=True) for shard in shards]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.1)
    except BaseException:
        run.live.kill_all()  # Ctrl-C: no grading process may outlive the run
        for thread in threads:
            thread.join(timeout=5)  # let each shard notice and kill what it was starting
        raise
    if errors:
        raise errors[0]
    return run.collected


def _shards(exercises: tuple[Exercise, ...], jobs: int) -> list[list[Exercise]]:
    """Split the exercises into at most `jobs` groups with about as many checks each."""
    shards: list[list[Exercise]] = [[] for _ in range(max(1, min(jobs, len(exercises))))]
    for ex in sorted(exercises, key=lambda e: -len(e.checks)):
        min(shards, key=lambda group: sum(len(e.checks) for e in group)).append(ex)
    order = {ex.id: i for i, ex in enumerate(exercises)}
    return [sorted(group, key=lambda e: order[e.id]) for group in shards if group]


def _run_shard(run: _Run, shard: list[Exercise]) -> None:
    pending = [node_id(ex, c.name) for ex in shard for c in ex.checks]
    collected = run.collected
    while pending and not run.live.closed:
        state = _run_process(run, pending)
        if not state.session_started:
            raise GraderError(
                f"the grading process failed to start ({state.startup_output or 'no output'}); "
                "reinstall the course with `pip install -e .` and try again"
            )
        _charge_fault(state, pending, collected)
        remaining = [n for n in pending if n not in collected.results]
        if remaining and (state.finished or not state.progressed):
            for nodeid in remaining:
                collected.results[nodeid] = _unreported(nodeid, state)
            remaining = []
        if remaining:
            with run.live.lock:
                collected.restarts += 1
        pending = remaining


class _Stopped(Exception):
    """The run is being stopped: a shard must start no more grading processes."""


class _LiveProcesses:
    """The grading processes running now, so an interrupted run can kill every one of them and
    start no more."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.closed = False
        self._procs: set[subprocess.Popen] = set()

    def add(self, proc: subprocess.Popen) -> None:
        with self.lock:
            if not self.closed:
                self._procs.add(proc)
                return
        _kill_group(proc)  # started while the run was being stopped
        raise _Stopped()

    def discard(self, proc: subprocess.Popen) -> None:
        with self.lock:
            self._procs.discard(proc)

    def kill_all(self) -> None:
        with self.lock:
            self.closed = True
            procs = list(self._procs)
        for proc in procs:
            _kill_group(proc)


def _unreported(nodeid: str, state: _Pass) -> RawResult:
    check_file = nodeid.split("::")[0]
    if check_file in state.collect_errors:
        return RawResult(
            "error",
            f"the check file {check_file} could not be loaded: {state.collect_errors[check_file]}",
        )
    if state.fault:
        return RawResult(state.fault[0], state.fault[1])
    return RawResult(
        "error",
        f"{nodeid} was not found: the check file and course.toml disagree; reinstall the course",
    )


def _charge_fault(state: _Pass, pending: list[str], collected: Collected) -> None:
    if state.fault is None or state.current is None:
        return
    victims = [state.current]
    if state.importing:
        check_file = state.current.split("::")[0]
        victims += [n for n in pending if n.startswith(check_file + "::")]
    for nodeid in victims:
        collected.results.setdefault(nodeid, RawResult(*state.fault))


def _worker_command(run: _Run, pending: list[str], events_fd: int) -> list[str]:
    root, target = run.root, run.target
    files = list(dict.fromkeys(n.split("::")[0] for n in pending))
    options = {
        "protected": [str(p) for p in run.protected],
        "target": str(target),
        "select": pending,
    }
    return [
        sys.executable, "-m", "grader.worker", str(events_fd), json.dumps(options), "--",
        "-p", "pytest_jsonreport.plugin", "--json-report-file=none",
        "-q", "--no-header", "--tb=no", "-rN", "--show-capture=no", "-p", "no:cacheprovider",
        "--continue-on-collection-errors", "--assert=plain", "--rootdir", str(root),
        "-c", str(root / "pyproject.toml"), "-o", "testpaths=tests",
        "--target", str(target), *files,
    ]  # fmt: skip


def _run_process(run: _Run, pending: list[str]) -> _Pass:
    read_fd, write_fd = os.pipe()
    state = _Pass()
    env = dict(
        os.environ,
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        GRADE_EVENTS_TOKEN=state.token,
        PYTHONPATH=os.pathsep.join(filter(None, [str(run.root), os.environ.get("PYTHONPATH")])),
    )
    proc = subprocess.Popen(
        _worker_command(run, pending, write_fd),
        cwd=run.root,
        env=env,
        pass_fds=(write_fd,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so one kill takes every child with it
    )
    os.close(write_fd)
    try:
        run.live.add(proc)
        _supervise(run, proc, read_fd, state)
    finally:
        _kill_group(proc)
        run.live.discard(proc)
        os.close(read_fd)
    return state


def _supervise(run: _Run, proc: subprocess.Popen, read_fd: int, state: _Pass) -> None:
    limits, timeouts, collected = run.limits, run.timeouts, run.collected
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(read_fd, selectors.EVENT_READ, "events")
    selector.register(proc.stdout, selectors.EVENT_READ, "output")
    pending_line = b""
    tail = b""
    open_streams = 2
    started_at = time.monotonic()
    next_memory_check = started_at
    monitor = psutil.Process(proc.pid)
    while open_streams:
        for key, _ in selector.select(timeout=MEMORY_POLL):
            data = os.read(key.fd if key.data == "events" else proc.stdout.fileno(), 1 << 16)
            if not data:
                selector.unregister(key.fileobj)
                open_streams -= 1
            elif key.data == "output":
                tail = (tail + data)[-OUTPUT_TAIL:]
            else:
                pending_line += data
                *lines, pending_line = pending_line.split(b"\n")
                for line in lines:
                    _handle_event(line, state, collected)
        now = time.monotonic()
        if state.current is not None and now - state.started > timeouts.get(
            state.current, limits.timeout
        ):
            seconds = timeouts.get(state.current, limits.timeout)
            state.fault = ("timeout", f"timed out after {seconds:g} s")
        elif state.current is None and not state.progressed and now - started_at > limits.startup:
            state.fault = (
                "error",
                f"the grading process did not start within {limits.startup:g} s",
            )
        elif now >= next_memory_check:
            next_memory_check = now + MEMORY_POLL
            if _group_rss(monitor) > limits.memory_mib * 1024 * 1024:
                state.fault = (
                    "crashed",
                    f"exceeded the memory limit of {limits.describe_memory()}",
                )
        if state.fault or state.finished:
            # Every result is in once the session has finished: the interpreter's shutdown
            # adds nothing worth waiting for.
            _kill_group(proc)
            break
    returncode = proc.wait()
    lines = _decode(tail).strip().splitlines()
    state.startup_output = lines[-1] if lines else ""
    if state.fault is None and not state.finished:
        state.fault = ("crashed", _crash_message(returncode, tail))
    if state.fault and state.current is not None:
        if state.importing:
            exercise = Path(state.current.split("::")[0]).name.removeprefix("test_")
            state.fault = (
                state.fault[0],
                f"{state.fault[1]} while importing {exercise}, so every remaining check of it is charged",
            )
        collected.results.setdefault(state.current, RawResult(*state.fault, output=_decode(tail)))


def _handle_event(line: bytes, state: _Pass, collected: Collected) -> None:
    try:
        event = json.loads(line)
        kind = event["event"]
    except (ValueError, KeyError, TypeError):
        return  # not ours: something else wrote to the events pipe; ignore it
    if not isinstance(event, dict) or event.get("token") != state.token:
        collected.suspicious.append(
            (
                state.current,
                "an event without the grading process's token was written to its results channel (ignored)",
            )
        )
        return
    if kind == "result" and event.get("nodeid") != state.current:
        collected.suspicious.append(
            (
                state.current,
                f"a result for {event.get('nodeid')}, which was not running, was written to the results channel (ignored)",
            )
        )
        return
    if kind == "start":
        state.current, state.started, state.importing, state.progressed = (
            event["nodeid"],
            time.monotonic(),
            False,
            True,
        )
    elif kind == "import":
        state.importing = event.get("phase") == "start"
    elif kind == "result":
        nodeid = event["nodeid"]
        if nodeid not in collected.results:
            collected.results[nodeid] = RawResult(
                event["outcome"],
                event.get("message", ""),
                event.get("duration", 0.0),
                event.get("output", ""),
            )
        state.current = None
    elif kind == "environment":
        state.session_started = True
        collected.environment = {k: v for k, v in event.items() if k not in ("event", "token")}
    elif kind == "collect_error":
        state.collect_errors[event["nodeid"]] = event.get("message", "")
    elif kind == "suspicious":
        collected.suspicious.append((state.current, event.get("reason", "")))
    elif kind == "finished":
        state.finished = True


def _crash_message(returncode: int, tail: bytes) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the grading process crashed with {name}"
    return (
        f"the grading process exited with code {returncode} in the middle of grading "
        "(os._exit() or a fatal error in native code); exiting is never a pass"
    )


def _group_rss(monitor: psutil.Process) -> int:
    try:
        processes = [monitor, *monitor.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")
