"""How grading processes are started: forked from a warm zygote on Linux, spawned afresh
elsewhere. Either way each exercise gets a process of its own, in its own session, folders and
environment, and the job (with the token that signs its results) never touches argv or the
environment.

The zygote imports MLX, NumPy and pytest once and runs no student code; forking from it costs
milliseconds where starting an interpreter costs half a second, and every child starts from the
same clean state. macOS gets spawned processes: forking after its system frameworks (Metal among
them) have started is not safe there. So does MLX's CUDA backend, whose context dies in a fork.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import psutil

from grader.engine.protocol import Job
from grader.engine.sandbox import Sandbox, descendants, link_kernels, worker_env
from grader.errors import GraderError

# The first code a grading process runs. Modules of the course (and of anything outside the
# Python installation) are compiled from source, never from a `__pycache__` a submission could
# have planted; nothing writes bytecode (-B); -I keeps PYTHON* variables, the user's site folder
# and the working folder out of the import path.
BOOTSTRAP = """\
import sys, importlib.machinery as m
class SourceOnly(m.SourceFileLoader):
    def path_stats(self, path):
        raise OSError('bytecode caches are not trusted here')
trusted = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix})
ext = (m.ExtensionFileLoader, m.EXTENSION_SUFFIXES)
plain = m.FileFinder.path_hook(ext, (m.SourceFileLoader, m.SOURCE_SUFFIXES), (m.SourcelessFileLoader, m.BYTECODE_SUFFIXES))
source_only = m.FileFinder.path_hook(ext, (SourceOnly, m.SOURCE_SUFFIXES))
def hook(path):
    return plain(path) if path.startswith(trusted) else source_only(path)
sys.path_hooks.insert(0, hook)
sys.path_importer_cache.clear()
sys.path.insert(0, sys.argv[1])
from grader.engine import worker
sys.exit(worker.zygote(int(sys.argv[2])) if len(sys.argv) > 2 else worker.serve())
"""
# `GRADE_LAUNCHER=spawn` forces spawned processes on Linux too (the project's tests use it to
# prove the macOS path).
LAUNCHER_VARIABLE = "GRADE_LAUNCHER"


class GradingProcess(Protocol):
    """A started grading process with its job: what the supervisor watches and kills."""

    pid: int
    events_fd: int  # our end of its results channel
    output_fd: int  # our end of its stdout and stderr

    def poll(self) -> int | None:
        """Its exit code once it has ended (negative: the signal), else None."""

    def wait(self, timeout: float) -> int | None:
        """Wait up to `timeout` seconds for it to end; its exit code, or None."""

    def kill(self) -> None:
        """Kill it and everything in its process group."""

    def close(self) -> None:
        """Release our ends of its pipes."""


class Launcher(Protocol):
    """Starts grading processes."""

    def start(self, job: Job) -> GradingProcess:
        """A process running `job` (its events_fd and writable folders are filled in here;
        `job.kernels` names the MLX kernel cache it uses)."""

    def close(self) -> None:
        """Stop whatever the launcher keeps running."""


def default_launcher(root: Path, sandbox: Sandbox, spares: int = 0) -> Launcher:
    """The zygote on Linux with MLX's CPU backend; spawned processes elsewhere, or when
    GRADE_LAUNCHER=spawn."""
    forking = sys.platform.startswith("linux") and not _gpu_build()
    if forking and os.environ.get(LAUNCHER_VARIABLE) != "spawn":
        return ForkLauncher(root, sandbox)
    return SpawnLauncher(root, sandbox, spares)


def _gpu_build() -> bool:
    """True when MLX's CUDA backend is installed: importing MLX then starts CUDA, and a CUDA
    context does not survive a fork (its children fail with "initialization error")."""
    for name in ("mlx-cuda-13", "mlx-cuda-12", "mlx-cuda"):
        try:
            metadata.version(name)
            return True
        except metadata.PackageNotFoundError:
            pass
    return False


def _user_options(sandbox: Sandbox) -> dict[str, Any]:
    user = sandbox.user
    return {} if user is None else {"user": user[0], "group": user[1], "extra_groups": []}


def _killpg(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class _Spawned:
    """A grading process started as a fresh interpreter."""

    def __init__(
        self, proc: subprocess.Popen[bytes], events_fd: int, write_fd: int, dirs: tuple[Path, Path]
    ):
        self.proc = proc
        self.pid = proc.pid
        self.events_fd = events_fd
        self.write_fd = write_fd  # its end's number, which the job names
        assert proc.stdout is not None
        self.output_fd = proc.stdout.fileno()
        self.dirs = dirs

    def poll(self) -> int | None:
        return self.proc.poll()

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        _killpg(self.pid)
        self.proc.wait()
        descendants().ended(self.pid)

    def close(self) -> None:
        os.close(self.events_fd)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.dirs[0].parent, ignore_errors=True)


class SpawnLauncher:
    """One fresh interpreter per exercise; `spares` of them started ahead of time."""

    def __init__(self, root: Path, sandbox: Sandbox, spares: int = 0) -> None:
        self.root = root
        self.sandbox = sandbox
        self.spares = spares
        self._ready: list[_Spawned] = []
        self._lock = threading.Lock()
        self.refill()

    def _spawn(self) -> _Spawned:
        work, tmp = self.sandbox.process_dirs()
        read_fd, write_fd = os.pipe()
        record = descendants()
        with record.spawning:  # a sweep must not take a process being started for an orphan
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-I", "-B", "-c", BOOTSTRAP, str(self.root)],
                    cwd=work,
                    env=worker_env(work, tmp),
                    pass_fds=(write_fd,),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    **_user_options(self.sandbox),
                )
            finally:
                os.close(write_fd)
            record.started(proc.pid)
        return _Spawned(proc, read_fd, write_fd, (work, tmp))

    def refill(self) -> None:
        """Start processes until `spares` wait for a job."""
        with self._lock:
            missing = self.spares - len(self._ready)
        for _ in range(max(0, missing)):
            process = self._spawn()
            with self._lock:
                self._ready.append(process)

    def start(self, job: Job) -> GradingProcess:
        process = None
        with self._lock:
            while self._ready and process is None:
                candidate = self._ready.pop(0)
                if candidate.poll() is None:
                    process = candidate
                else:
                    candidate.close()
        process = process or self._spawn()
        work, tmp = process.dirs
        link_kernels(tmp, Path(job.kernels))
        job = job.launched((str(work), str(tmp)), events_fd=process.write_fd)
        assert process.proc.stdin is not None
        try:
            process.proc.stdin.write((job.to_json() + "\n").encode())
            process.proc.stdin.close()
        except OSError:
            pass  # it died before reading its job: the supervisor sees it end
        return process

    def close(self) -> None:
        with self._lock:
            ready, self._ready = self._ready, []
        for process in ready:
            process.kill()
            process.close()


class _Forked:
    """A grading process forked from the zygote."""

    def __init__(
        self, launcher: ForkLauncher, pid: int, events_fd: int, output_fd: int, base: Path
    ):
        self.base = base  # its folders, removed once it is gone
        self.launcher = launcher
        self.pid = pid
        self.events_fd = events_fd
        self.output_fd = output_fd

    def poll(self) -> int | None:
        return self.launcher.exit_code(self.pid, 0)

    def wait(self, timeout: float) -> int | None:
        return self.launcher.exit_code(self.pid, timeout)

    def kill(self) -> None:
        _killpg(self.pid)
        if self.launcher.exit_code(self.pid, 5.0) is None:
            self.launcher.forget(self.pid, -signal.SIGKILL)
        descendants().ended(self.pid)

    def close(self) -> None:
        os.close(self.events_fd)
        os.close(self.output_fd)
        shutil.rmtree(self.base, ignore_errors=True)


class ForkLauncher:
    """Forks each grading process from a zygote started once (Linux)."""

    def __init__(self, root: Path, sandbox: Sandbox) -> None:
        self.root = root
        self.sandbox = sandbox
        self._lock = threading.Lock()  # one job handed over at a time
        self._exits: dict[int, int] = {}
        self._changed = threading.Condition()
        self._zygote: subprocess.Popen[bytes] | None = None
        self._start_zygote()

    def _start_zygote(self) -> None:
        work, tmp = self.sandbox.process_dirs()
        ours, theirs = socket.socketpair()
        self._log = work.parent / "zygote.log"
        record = descendants()
        with self._log.open("wb") as log, record.spawning:
            try:
                self._zygote = subprocess.Popen(
                    [
                        sys.executable,
                        "-I",
                        "-B",
                        "-c",
                        BOOTSTRAP,
                        str(self.root),
                        str(theirs.fileno()),
                    ],
                    cwd=work,
                    env=worker_env(work, tmp),
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    **_user_options(self.sandbox),
                )
            finally:
                theirs.close()
            record.started(self._zygote.pid)
        self._control = ours
        self._replies: queue.Queue[int | None] = queue.Queue()
        threading.Thread(target=self._read, args=(ours, self._replies), daemon=True).start()

    def _read(self, control: socket.socket, replies: queue.Queue[int | None]) -> None:
        buffer = b""
        while True:
            try:
                data = control.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                replies.put(None)  # the zygote is gone
                return
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                message = json.loads(line)
                if "pid" in message:
                    replies.put(int(message["pid"]))
                else:
                    self.forget(int(message["exit"]), int(message["code"]))

    def forget(self, pid: int, code: int) -> None:
        """Record that `pid` ended with `code`."""
        with self._changed:
            self._exits.setdefault(pid, code)
            self._changed.notify_all()

    def exit_code(self, pid: int, timeout: float) -> int | None:
        """The exit code of a forked process, waiting up to `timeout` seconds for it."""
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits, timeout)
            if pid in self._exits:
                return self._exits[pid]
        try:  # the zygote may be gone: then nobody reports it, so look for ourselves
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return None
        except psutil.Error:
            pass
        return -signal.SIGKILL

    def start(self, job: Job) -> GradingProcess:
        work, tmp = self.sandbox.process_dirs()
        link_kernels(tmp, Path(job.kernels))
        job = job.launched((str(work), str(tmp)))
        events_r, events_w = os.pipe()
        output_r, output_w = os.pipe()
        try:
            with self._lock:
                if self._zygote is None or self._zygote.poll() is not None:
                    self._start_zygote()
                try:
                    socket.send_fds(
                        self._control, [job.to_json().encode() + b"\n"], [events_w, output_w]
                    )
                    pid = self._replies.get(timeout=job.startup)
                except (OSError, queue.Empty):
                    pid = None
        finally:
            os.close(events_w)
            os.close(output_w)
        if pid is None:
            os.close(events_r)
            os.close(output_r)
            raise GraderError(
                f"the grading process failed to start ({self._last_log_line() or 'no output'}); "
                "reinstall the course with `pip install -e .` and try again"
            )
        return _Forked(self, pid, events_r, output_r, work.parent)

    def _last_log_line(self) -> str:
        try:
            lines = self._log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1] if lines else ""

    def close(self) -> None:
        zygote = self._zygote
        if zygote is not None:
            _killpg(zygote.pid)
            zygote.wait()
            descendants().ended(zygote.pid)
            self._zygote = None
        self._control.close()
