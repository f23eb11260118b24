"""The supervisor: runs each exercise's checks in a grading process of its own and contains
its faults.

A grading process starts in an empty folder of its own, with a small environment, as an
unprivileged user when the supervisor is root, and learns its job (what to run, the token that
signs its results and the channel to send them on) on stdin, never through argv or the
environment. When a check hangs, exhausts memory or takes the process down, the supervisor kills
the process and everything it started, charges the fault to the check that was running (to
every remaining check of the exercise if the fault struck while the student module was being
imported) and starts a fresh process for the checks still to run.
"""

from __future__ import annotations

import os
import queue
import selectors
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from grader.engine.events import (
    Collected,
    ProcessState,
    RawResult,
    charge_fault,
    handle_event,
    unreported,
)
from grader.engine.jobs import Confinement, ExerciseJob, Limits
from grader.engine.launch import GradingProcess, Launcher
from grader.engine.protocol import CheckId, Job, Outcome
from grader.engine.sandbox import descendants
from grader.errors import GraderError

OUTPUT_TAIL = 4000
MEMORY_POLL = 0.05  # seconds between memory readings of the grading process
DRAIN = 0.3  # seconds to keep reading after a grading process has exited
DEADLINE_MARGIN = 30.0  # seconds an exercise may take beyond its checks' own time limits


@dataclass
class _Run:
    """What every grading process of one run shares."""

    root: Path
    target: Path  # the private copy being graded
    limits: Limits
    timeouts: dict[str, float]  # check id -> seconds
    confinement: Confinement
    launcher: Launcher
    collected: Collected
    live: _LiveProcesses


def run_checks(
    root: Path,
    jobs: list[ExerciseJob],
    target: Path,
    limits: Limits,
    launcher: Launcher,
    confinement: Confinement,
) -> Collected:
    """Run every check of `jobs` against the private copy `target`, one grading process per
    exercise and `limits.jobs` of them side by side; never raises for faults in student code."""
    timeouts = {
        f.check_id(c.name): c.timeout or limits.timeout
        for job in jobs
        for f in job.files
        for c in f.checks
    }
    run = _Run(
        root,
        target,
        limits,
        timeouts,
        confinement,
        launcher,
        Collected(),
        _LiveProcesses(),
    )
    work: queue.Queue[ExerciseJob] = queue.Queue()
    for job in sorted(jobs, key=lambda j: -len(j.ids())):  # the longest first
        work.put(job)
    errors: list[BaseException] = []

    def grade_jobs() -> None:
        try:
            while not run.live.closed:
                try:
                    job = work.get_nowait()
                except queue.Empty:
                    return
                _run_exercise(run, job)
        except _Stopped:
            pass
        except BaseException as exc:  # re-raised in the calling thread below
            errors.append(exc)

    threads = [
        threading.Thread(target=grade_jobs, daemon=True)
        for _ in range(max(1, min(limits.jobs, len(jobs))))
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.1)
    except BaseException:
        run.live.kill_all()  # Ctrl-C: no grading process may outlive the run
        for thread in threads:
            thread.join(timeout=5)  # let each thread notice and kill what it was starting
        raise
    finally:
        descendants().sweep()
    if errors:
        raise errors[0]
    return run.collected


def _run_exercise(run: _Run, job: ExerciseJob) -> None:
    pending = job.ids()
    collected = run.collected
    while pending and not run.live.closed:
        state = _run_process(run, job, pending)
        if not state.session_started:
            raise GraderError(
                f"the grading process failed to start ({state.startup_output or 'no output'}); "
                "reinstall the course with `pip install -e .` and try again"
            )
        charge_fault(state, pending, collected)
        remaining = [n for n in pending if n not in collected.results]
        if remaining and (state.finished or not state.progressed):
            for check_id in remaining:
                collected.results[check_id] = unreported(check_id, state)
            remaining = []
        if remaining:
            with run.live.lock:
                collected.restarts += 1
        pending = remaining


class _Stopped(Exception):
    """The run is being stopped: no more grading processes may start."""


class _LiveProcesses:
    """The grading processes running now, so an interrupted run can kill every one of them and
    start no more."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.closed = False
        self._procs: set[GradingProcess] = set()

    def add(self, proc: GradingProcess) -> None:
        with self.lock:
            if not self.closed:
                self._procs.add(proc)
                return
        proc.kill()  # started while the run was being stopped
        raise _Stopped()

    def discard(self, proc: GradingProcess) -> None:
        with self.lock:
            self._procs.discard(proc)

    def kill_all(self) -> None:
        with self.lock:
            self.closed = True
            procs = list(self._procs)
        for proc in procs:
            proc.kill()


def _job_fields(run: _Run, job: ExerciseJob, pending: list[str], token: str) -> Job:
    root = run.root
    labels = {CheckId.parse(n).label for n in pending}
    files = [f for f in job.files if f.label in labels]
    pytest_args = [
        "-p", "grader.checks", "--noconftest",
        "-p", "pytest_jsonreport.plugin", "--json-report-file=none",
        "-q", "--no-header", "--tb=no", "-rN", "--show-capture=no", "-p", "no:cacheprovider",
        "--continue-on-collection-errors", "--assert=plain", "--rootdir", str(root),
        "-c", str(root / "pyproject.toml"), "-o", "testpaths=tests",
        "--target", str(run.target), *[str(f.path) for f in files],
    ]  # fmt: skip
    if job.policy_blocked:
        pytest_args += ["--policy-blocked", job.exercise.file]
    return Job(
        token=token,
        target=str(run.target),
        select=tuple(pending),
        labels={os.path.realpath(f.path): f.label for f in files},
        hidden=tuple(run.confinement.hidden),
        hidden_after_collection=tuple(run.confinement.hidden_after_collection),
        pytest_args=tuple(pytest_args),
        startup=run.limits.startup,
        kernels=str(run.confinement.kernels),
    )


def _run_process(run: _Run, job: ExerciseJob, pending: list[str]) -> ProcessState:
    state = ProcessState()
    if run.live.closed:
        raise _Stopped()
    process = run.launcher.start(_job_fields(run, job, pending, state.token))
    try:
        run.live.add(process)
        _supervise(run, process, state, pending)
    finally:
        process.kill()
        run.live.discard(process)
        process.close()
        descendants().sweep()
    return state


def _supervise(run: _Run, proc: GradingProcess, state: ProcessState, pending: list[str]) -> None:
    limits, timeouts, collected = run.limits, run.timeouts, run.collected
    selector = selectors.DefaultSelector()
    selector.register(proc.events_fd, selectors.EVENT_READ, "events")
    selector.register(proc.output_fd, selectors.EVENT_READ, "output")
    pending_line = b""
    tail = b""
    open_streams = 2
    started_at = time.monotonic()
    deadline = (
        started_at
        + limits.startup
        + sum(timeouts.get(n, limits.timeout) for n in pending)
        + DEADLINE_MARGIN
    )
    exited_at: float | None = None
    next_memory_check = started_at
    try:
        monitor: psutil.Process | None = psutil.Process(proc.pid)
    except psutil.Error:
        monitor = None
    while open_streams:
        for key, _ in selector.select(timeout=MEMORY_POLL):
            data = os.read(key.fd, 1 << 16)
            if not data:
                selector.unregister(key.fileobj)
                open_streams -= 1
            elif key.data == "output":
                tail = (tail + data)[-OUTPUT_TAIL:]
            else:
                pending_line += data
                *lines, pending_line = pending_line.split(b"\n")
                for line in lines:
                    handle_event(line, state, collected)
        now = time.monotonic()
        check_memory = now >= next_memory_check
        if check_memory:
            next_memory_check = now + MEMORY_POLL
        state.fault = state.fault or _limit_fault(
            run, state, now, now - started_at, now > deadline, monitor if check_memory else None
        )
        if state.fault or state.finished:
            # Every result is in once the session has finished: the interpreter's shutdown
            # adds nothing worth waiting for.
            proc.kill()
            break
        if exited_at is None and proc.poll() is not None:
            exited_at = now
        elif exited_at is not None and now - exited_at > DRAIN:
            break  # it is gone; whatever still holds its pipes is not worth waiting for
    returncode = proc.wait(5.0)
    printed = _decode(tail).strip().splitlines()
    state.startup_output = printed[-1] if printed else ""
    if state.fault is None and not state.finished:
        state.fault = (Outcome.CRASHED, _crash_message(returncode, tail))
    if state.fault and state.current is not None:
        if state.importing:
            exercise = Path(CheckId.parse(state.current).label).name.removeprefix("test_")
            state.fault = (
                state.fault[0],
                f"{state.fault[1]} while importing {exercise}, so every remaining check of it is charged",
            )
        collected.results.setdefault(state.current, RawResult(*state.fault, output=_decode(tail)))


def _limit_fault(
    run: _Run,
    state: ProcessState,
    now: float,
    elapsed: float,
    past_deadline: bool,
    monitor: psutil.Process | None,
) -> tuple[Outcome, str] | None:
    """The limit the process has broken, if any: the running check's time, the time to start,
    the exercise's overall deadline, or (when `monitor` is given) the memory of its group."""
    limits = run.limits
    limit = run.timeouts.get(state.current or "", limits.timeout)
    if state.current is not None and now - state.started > limit:
        during = f" in {CheckId.parse(state.current).name}"
        if state.call:
            during += f", during the call {state.call}"
        return (Outcome.TIMEOUT, f"timed out after {limit:g} s{during}")
    if not state.progressed and elapsed > limits.startup:
        return (Outcome.ERROR, f"the grading process did not start within {limits.startup:g} s")
    if past_deadline:
        return (
            Outcome.TIMEOUT,
            "the exercise ran past its overall deadline (its checks' time limits plus "
            f"{DEADLINE_MARGIN:g} s)",
        )
    if monitor is not None and _group_rss(monitor) > limits.memory_mib * 1024 * 1024:
        return (Outcome.CRASHED, f"exceeded the memory limit of {limits.describe_memory()}")
    return None


def _crash_message(returncode: int | None, tail: bytes) -> str:
    if returncode is None:
        return "the grading process stopped answering"
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


def _group_rss(monitor: psutil.Process | None) -> int:
    if monitor is None:
        return 0
    try:
        processes = [monitor, *monitor.children(recursive=True)]
    except psutil.Error:
        return 0
    descendants().note(processes[1:])
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")
