"""Stage 2 of a collect: grade every (exercise, source) the cache lacks, `jobs` gradings at a
time, each committed to the gradebook as it finishes.

A grading slot is one thread and one long-lived `python -m grader.instructor.job` process (its
`_Worker`), started again if it dies; a job is one submission's sources that nobody before it
brought, written into a folder laid out like exercises/ and graded there. Ctrl-C reaches every
slot's process group as SIGINT (each grading stops its own processes), then SIGKILL once the
jobs under way have ended or 15 s have passed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.instructor.gradebook import Gradebook, Grading
from grader.instructor.model import Progress, Setup


@dataclass
class _Job:
    student: str
    digests: dict[str, str]  # exercise id -> digest, none of them cached or in another job


class _Worker:
    """One `python -m grader.instructor.job` process, serving the jobs of one grading slot."""

    def __init__(self, setup: Setup, errors: Path) -> None:
        root = str(setup.course.root)
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        )
        self.errors = errors
        with open(errors, "wb") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "grader.instructor.job"],
                cwd=root,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                start_new_session=True,  # the collect passes Ctrl-C on, once
            )

    def run(self, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """Send one job and wait for its answer: (report, None) or (None, why not)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(payload).encode() + b"\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            line = b""
        if not line:
            code = self.proc.wait()
            tail = self.errors.read_text(errors="replace").strip().splitlines()
            return None, tail[-1] if tail else f"the grading process exited with code {code}"
        try:
            answer = json.loads(line)
        except ValueError:
            return None, "the grading process answered with something that is not JSON"
        return answer.get("report"), answer.get("error")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self, timeout: float = 30) -> None:
        """End the process: stdin closed, it stops its warm processes and exits."""
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            _killpg(self.proc, signal.SIGKILL)
            self.proc.wait()


def _killpg(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class _Running:
    """The grading slots' worker processes, so Ctrl-C can reach each of them."""

    scratch: Path
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    workers: list[_Worker] = field(default_factory=list)
    local: threading.local = field(default_factory=threading.local)

    def worker(self, setup: Setup) -> _Worker | None:
        """This thread's worker, started (again) if it has none alive; None once stopping."""
        current: _Worker | None = getattr(self.local, "worker", None)
        if current is not None and current.alive:
            return current
        with self.lock:
            if self.stopping.is_set():
                return None
            current = _Worker(setup, self.scratch / f"worker{len(self.workers)}.err")
            self.workers.append(current)
        self.local.worker = current
        return current

    def signal_all(self, sig: int) -> None:
        with self.lock:
            workers = list(self.workers)
        for worker in workers:
            _killpg(worker.proc, sig)

    def close(self) -> None:
        with self.lock:
            workers = list(self.workers)
        for worker in workers:
            worker.close()


def _plan(book: Gradebook, collection: int, checks_key: str) -> list[_Job]:
    """One job per submission that brings sources nobody before it brought."""
    jobs: dict[int, _Job] = {}
    planned: set[tuple[str, str]] = set()
    for submission, student, exercise, digest in book.ungraded(collection, checks_key):
        if (exercise, digest) in planned:
            continue
        planned.add((exercise, digest))
        jobs.setdefault(submission, _Job(student, {})).digests[exercise] = digest
    return list(jobs.values())


def grade_missing(
    book: Gradebook,
    collection: int,
    setup: Setup,
    scratch: Path,
    jobs: int,
    progress: Progress | None,
) -> dict[tuple[str, str], str]:
    """Grade every (exercise, source) of this collect not in the cache; returns the failures."""
    work = _plan(book, collection, setup.checks_key)
    failures: dict[tuple[str, str], str] = {}
    if progress:
        todo = sum(len(job.digests) for job in work)
        progress(
            0,
            len(work),
            f"{todo} exercise grading(s) to run in {len(work)} job(s)"
            if work
            else "every grading is in the gradebook already",
        )
    if not work:
        return failures
    running = _Running(scratch)
    queue = iter(enumerate(work))
    done = 0
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            pending: dict[Future[tuple[dict[str, Any] | None, str | None, float]], _Job] = {}

            def submit_next() -> None:
                for index, job in queue:
                    texts = {ex: book.source(d) for ex, d in job.digests.items()}
                    future = pool.submit(
                        _run_job, setup, job, texts, scratch / f"job{index}", running
                    )
                    pending[future] = job
                    return

            try:
                for _ in range(max(1, jobs)):
                    submit_next()
                while pending:
                    finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    for future in finished:
                        job = pending.pop(future)
                        report, error, seconds = future.result()
                        done += 1
                        gradings = _gradings(report, job) if report is not None else []
                        book.store(collection, setup.checks_key, gradings)
                        missing = set(job.digests) - {g.exercise for g in gradings}
                        if report is not None and missing:
                            error = "the grading returned no result for it"
                        for ex in missing:
                            failures[(ex, job.digests[ex])] = error or "not graded"
                        if progress:
                            what = f"{job.student}: {len(gradings)} exercise(s) in {seconds:.1f} s"
                            progress(
                                done, len(work), what if not missing else f"{job.student}: {error}"
                            )
                        submit_next()
            except KeyboardInterrupt:
                running.stopping.set()
                running.signal_all(signal.SIGINT)  # each grading stops its own processes
                for future in pending:
                    future.cancel()
                deadline = time.monotonic() + 15
                while any(not f.done() for f in pending) and time.monotonic() < deadline:
                    time.sleep(0.1)
                running.signal_all(signal.SIGKILL)
                raise
    finally:
        running.close()  # each worker stops its warm processes and exits

    return failures


def _run_job(
    setup: Setup, job: _Job, texts: dict[str, str], folder: Path, running: _Running
) -> tuple[dict[str, Any] | None, str | None, float]:
    """Write the job's sources into a folder laid out like exercises/ and have this slot's
    worker process grade it."""
    started = time.monotonic()
    worker = running.worker(setup)
    if worker is None:
        return None, "interrupted", 0.0
    folder.mkdir(parents=True)
    files = {ex.id: ex.file for ex in setup.course.exercises}
    try:
        for ex, text in texts.items():
            (folder / files[ex]).write_text(text, encoding="utf-8")
        payload = dict(setup.spec, exercises=sorted(texts), target=str(folder), student=job.student)
        report, error = worker.run(payload)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report, error, time.monotonic() - started


def _gradings(report: dict[str, Any], job: _Job) -> list[Grading]:
    """Split one job's report into per-exercise gradings for the cache."""
    run = {k: report[k] for k in report if k not in ("exercises", "student", "created", "target")}
    suspicious = run.get("integrity", {}).get("suspicious", [])
    run["notes"] = [s for s in suspicious if isinstance(s, dict) and s.get("exercise") is None]
    gradings = []
    for entry in report.get("exercises", []):
        if entry.get("id") not in job.digests:
            continue
        result = {k: value for k, value in entry.items() if k != "source"}
        result["submission_sha256"] = job.digests[entry["id"]]
        gradings.append(Grading(entry["id"], job.digests[entry["id"]], result, run))
    return gradings
