"""Run one `grade` command and record what it left behind (used by tests/meta/test_cheats.py).

    python _contain.py JOB_JSON

On Linux this process first becomes a child subreaper, so every descendant of `grade` that is
still alive once `grade` exits (however it detached: its own session, a double fork) is
re-parented here and can be counted. It then waits LINGER seconds when something survived, to
see whether a survivor changes the report (elsewhere it always waits), kills every survivor and
writes a JSON record to the job's `result` path.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

PR_SET_CHILD_SUBREAPER = 36


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().hex()
    except OSError:
        return None


def _describe(process: psutil.Process) -> str:
    try:
        return f"pid {process.pid}: {' '.join(process.cmdline())[:200]}"
    except psutil.Error:
        return f"pid {process.pid}: (gone)"


def main(job: dict) -> dict:
    subreaper = False
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        subreaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    report = Path(job["report"])
    with open(job["stdout"], "wb") as out, open(job["stderr"], "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            job["command"],
            cwd=job["cwd"],
            env=job["env"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        try:
            returncode = proc.wait(timeout=job["timeout"])
            hung = False
        except subprocess.TimeoutExpired:
            proc.kill()
            returncode = proc.wait()
            hung = True
    seconds = time.monotonic() - started
    at_exit = _read(report)
    me = psutil.Process()
    survivors = me.children(recursive=True)
    if survivors or not subreaper:
        # Give a detached helper the time it asked for; without a subreaper (macOS) a helper
        # that detached is invisible here, so the report is watched for the whole time.
        time.sleep(job["linger"])
        survivors = me.children(recursive=True)
    later = _read(report)
    described = [_describe(p) for p in survivors]
    for process in survivors:
        try:
            process.send_signal(signal.SIGKILL)
        except psutil.Error:
            pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.05)
    return {
        "returncode": returncode,
        "hung": hung,
        "seconds": round(seconds, 2),
        "subreaper": subreaper,
        "report_at_exit": at_exit,
        "report_later": later,
        "survivors": described,
        # the largest resident set of any descendant waited for (grade and what it reaped)
        "peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    job = json.loads(sys.argv[1])
    Path(job["result"]).write_text(json.dumps(main(job)))
