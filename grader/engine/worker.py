"""The grading process's entry points: a spawned process that serves one job (`serve`), the
zygote that forks one child per job (`zygote`), and what both do first (warm imports, MLX's
`nn.Module` dunder patch). A job runs its exercise's checks under pytest with two plugins:
grader.engine.stream (the results channel to the supervisor) and grader.engine.containment.

The launcher starts it through a small bootstrap (grader.engine.launch.BOOTSTRAP) and sends the
job on stdin or the zygote's control socket; it is never imported by the supervisor itself (it
needs pytest and MLX).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from grader.engine.containment import Containment
from grader.engine.protocol import Event, Job
from grader.engine.stream import EventStream, StreamingReport


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

    def __getattr__(self: nn.Module, key: str) -> Any:  # noqa: N807 - replaces the class's hook
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
    landlock.confine(writable)
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
