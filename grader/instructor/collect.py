"""`grade collect`: from whatever a class handed in to a verified gradebook.

1. scan: find each submission, verify it (or recall its verdict) and stage it in the gradebook;
2. grade: every (exercise, source) the cache lacks, `jobs` gradings at a time, each committed as
   it finishes;
3. assemble: one student at a time, the verified report, the score and the flags;
4. statistics and exports (grades.csv, checks.csv, reports/, summary.html).

Nothing per student stays in memory: reports and sources live in the gradebook, each student's
line goes to a temporary table there, and the statistics and exports stream from it, so a
collect's memory is the same for 20 students and for 20,000.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any

from grader import __version__
from grader.engine.hidden import HiddenChecks, load_hidden_checks
from grader.engine.integrity import checks_sha256, file_digests, release_digests
from grader.engine.protocol import Outcome
from grader.errors import GraderError, ReportError
from grader.instructor import flags
from grader.instructor import verify as v
from grader.instructor.exports import report_base, write_exports, write_output
from grader.instructor.gradebook import GRADEBOOK_NAME, Gradebook, Grading, Staged, now
from grader.instructor.inputs import HandIn, iter_submissions
from grader.instructor.model import FIRST_FLAGGED, ClassResult, Options, StudentRow
from grader.instructor.roster import Roster, read_roster
from grader.instructor.stats import CheckStats, Tally, stats_of
from grader.manifest import Course
from grader.report import SCHEMA_PATH, SCHEMA_VERSION


class Interrupted(GraderError):
    """Ctrl-C during a collect: what finished is in the gradebook."""

    exit_code = 130


Progress = Callable[[int, int, str], None]  # (done, total, what just finished)


@dataclass(frozen=True)
class _Setup:
    course: Course
    official: str  # checks_sha256 of this checkout
    checks_key: str  # cache key of a grading: official and hidden checks, limits, grader
    verdict_key: str  # cache key of a verification: checks, schema, grader
    hidden: HiddenChecks | None
    spec: dict[str, Any]  # what every grading job is told


def collect(course: Course, options: Options, progress: Progress | None = None) -> ClassResult:
    """Run one collect (see the module docstring); raises GraderError types, Interrupted on Ctrl-C."""
    hidden = load_hidden_checks(options.checks, course) if options.checks else None
    roster = read_roster(options.roster) if options.roster else None
    setup = _setup(course, options, hidden)
    with tempfile.TemporaryDirectory(prefix="grade-collect-") as tmp:
        scratch = Path(tmp)
        notes: list[str] = []
        submissions = iter_submissions(
            options.paths, course, scratch / "inputs", notes, options.caps
        )
        out_dir = prepare_out_dir(options.out_dir)
        book = Gradebook(out_dir / GRADEBOOK_NAME)
        collection = 0
        try:
            _sync_course(book, course, hidden)
            collection = book.start_collection(
                [str(p) for p in options.paths], setup.checks_key, setup.official,
                hidden.sha256 if hidden else None,
            )  # fmt: skip
            _scan(book, collection, setup, submissions, options.jobs)
            book.add_flags(collection, None, None, [(flags.INPUT, note) for note in notes])
            book.commit()
            before = book.count("SELECT COUNT(*) FROM gradings")
            failures = _grade_missing(book, collection, setup, scratch, options.jobs, progress)
            graded_now = book.count("SELECT COUNT(*) FROM gradings") - before
            result = _assemble(book, collection, setup, failures, roster, notes, out_dir)
            result.graded_now = graded_now
            result.book = book
            result.cached = (
                book.count(
                    "SELECT COUNT(*) FROM (SELECT DISTINCT ss.exercise, ss.source_sha256 FROM submissions s "
                    "JOIN submission_sources ss ON ss.submission = s.id WHERE s.collection = ?)",
                    collection,
                )
                - graded_now
                - len(failures)
            )
            book.commit()
            write_exports(result)
            book.finish_collection(collection, "finished")
            result.book = None
            return result
        except GraderError:
            book.db.rollback()
            if collection:
                book.finish_collection(collection, "failed")
            raise
        except KeyboardInterrupt:
            book.db.rollback()
            if collection:
                book.finish_collection(collection, "interrupted")
            kept = book.count("SELECT COUNT(*) FROM gradings WHERE collection = ?", collection)
            raise Interrupted(
                f"interrupted: {kept} grading(s) this collect finished are kept in "
                f"{out_dir / GRADEBOOK_NAME}; run the same collect again to grade the rest"
            ) from None
        finally:
            book.close()


def prepare_out_dir(path: Path) -> Path:
    """Create --out-dir (and reports/ in it) or say why it cannot be written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / "reports").mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError as exc:
        raise ReportError(
            f"cannot write to --out-dir {path}: {exc.strerror or exc}; pick a folder you can write to"
        ) from exc
    return path.resolve()


def _setup(course: Course, options: Options, hidden: HiddenChecks | None) -> _Setup:
    official = checks_sha256(file_digests(course))
    timeout = options.timeout or course.default_timeout
    memory = options.memory_mib or course.memory_limit_mib
    hidden_sha = hidden.sha256 if hidden else None
    checks_key = _digest([official, hidden_sha, timeout, memory, __version__])
    schema = hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest()
    verdict_key = _digest([official, schema, __version__])
    spec = {
        "root": str(course.root),
        "timeout": timeout,
        "memory_mib": memory,
        "checks": str(hidden.folder) if hidden else None,
    }
    return _Setup(course, official, checks_key, verdict_key, hidden, spec)


def _digest(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _sync_course(book: Gradebook, course: Course, hidden: HiddenChecks | None) -> None:
    book.sync_exercises(
        (ex.id, i, ex.title, ex.concept, ex.file) for i, ex in enumerate(course.exercises, 1)
    )
    book.sync_checks(
        (f"{ex.check_file}::{c.name}", ex.id, c.name, c.points, False, i)
        for ex in course.exercises
        for i, c in enumerate(ex.checks)
    )
    if hidden is not None:
        book.sync_checks(
            (f.check_id(c.name), ex_id, c.name, c.points, True, 1000 + i)
            for ex_id, f in hidden.files.items()
            for i, c in enumerate(f.checks)
        )


# --- 1. scan ---


def _scan(
    book: Gradebook, collection: int, setup: _Setup, submissions: Iterator[HandIn], jobs: int
) -> None:
    """Verify and stage every submission, in the order found, then mark duplicate ids.

    Reports seen for the first time are parsed and checked against the schema by `jobs`
    processes (forked, where the platform allows it), a bounded window of them at a time."""
    window: deque[tuple[HandIn, str | None, Any]] = deque()
    pool: ProcessPoolExecutor | None = None
    try:
        for submission in submissions:
            key, recalled = _recall(book, submission, setup)
            known: Any = recalled  # an earlier verdict, or a verification under way
            if known is None and key is not None and jobs > 1 and "fork" in get_all_start_methods():
                if pool is None:
                    v.schema_errors({})  # build the validator once, before the fork
                    pool = ProcessPoolExecutor(jobs, mp_context=get_context("fork"))
                known = pool.submit(v.verify, submission, setup.course, setup.official)
            window.append((submission, key, known))
            while len(window) > 8 * jobs:
                _stage(book, collection, setup, *window.popleft())
        while window:
            _stage(book, collection, setup, *window.popleft())
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    for group in book.duplicates(collection):
        origins = ", ".join(origin for _, origin in group)
        student = book.db.execute(
            "SELECT student FROM submissions WHERE id = ?", (group[0][0],)
        ).fetchone()[0]
        for index, (row, _) in enumerate(group, start=1):
            if index > 1:
                book.rename(row, f"{student}~{index}")
            book.add_flags(
                collection, row, student if index == 1 else f"{student}~{index}",
                [(flags.DUPLICATE, f"{student} handed in {len(group)} times ({origins})")],
            )  # fmt: skip


def _recall(
    book: Gradebook, submission: HandIn, setup: _Setup
) -> tuple[str | None, tuple[v.Checked, dict[str, str]] | None]:
    """(verdict key, earlier verdict) of a report: the same bytes with the same checks are not
    parsed again. Folders have no key and are verified at once."""
    if submission.kind != "report" or submission.raw is None:
        checked = v.verify(submission, setup.course, setup.official)
        return None, (checked, checked.digests)
    key = hashlib.sha256(submission.raw + setup.verdict_key.encode()).hexdigest()
    known = book.verdict(key)
    if known is None or not book.has_sources(known["digests"].values()):
        return key, None
    claim = v.Claim.from_json(known["claim"])
    checked = v.Checked(known["student"], {}, claim, [tuple(f) for f in known["flags"]])
    return key, (checked, known["digests"])


def _stage(
    book: Gradebook,
    collection: int,
    setup: _Setup,
    submission: HandIn,
    key: str | None,
    known: Any,
) -> None:
    """Put one verified submission in the gradebook (and remember a new report's verdict)."""
    if isinstance(known, Future):
        checked = known.result()
        known = (checked, checked.digests)
    elif known is None:
        checked = v.verify(submission, setup.course, setup.official)
        known = (checked, checked.digests)
    checked, digests = known
    if key is not None:
        book.remember_verdict(
            key,
            {
                "student": checked.student,
                "digests": digests,
                "claim": checked.claim.to_json() if checked.claim else None,
                "flags": checked.flags,
            },
        )
    book.stage(
        collection, checked.student or submission.name, submission.origin, submission.kind,
        checked.texts, digests, checked.claim.to_json() if checked.claim else None, checked.flags,
    )  # fmt: skip


# --- 2. grade what the cache lacks ---


@dataclass
class _Job:
    student: str
    digests: dict[str, str]  # exercise id -> digest, none of them cached or in another job


class _Worker:
    """One `python -m grader.instructor.job` process, serving the jobs of one grading slot."""

    def __init__(self, setup: _Setup, errors: Path) -> None:
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

    def run(self, payload: dict[str, Any]) -> tuple[dict | None, str | None]:
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


def _killpg(proc: subprocess.Popen, sig: int) -> None:
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

    def worker(self, setup: _Setup) -> _Worker | None:
        """This thread's worker, started (again) if it has none alive; None once stopping."""
        current = getattr(self.local, "worker", None)
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


def _grade_missing(
    book: Gradebook,
    collection: int,
    setup: _Setup,
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
            pending: dict[Future, _Job] = {}

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
    setup: _Setup, job: _Job, texts: dict[str, str], folder: Path, running: _Running
) -> tuple[dict | None, str | None, float]:
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


# --- 3. assemble each student's grade ---


def _assemble(
    book: Gradebook,
    collection: int,
    setup: _Setup,
    failures: dict[tuple[str, str], str],
    roster: Roster | None,
    notes: list[str],
    out_dir: Path,
) -> ClassResult:
    course = setup.course
    order = {ex.id: i for i, ex in enumerate(course.exercises)}
    checks = _all_checks(course, setup.hidden)
    ran = book.ran(collection, setup.checks_key)
    # A check skipped in every grading that ran it (no GPU here, say) counts for no one.
    counted = {cid for cid in checks if ran.get(cid, True)}
    exercise_max = {ex.id: 0.0 for ex in course.exercises}
    for cid in counted:
        exercise_max[checks[cid]["exercise"]] += checks[cid]["points"]
    maximum = sum(exercise_max.values())
    stubs = _stub_digests(course)
    book.start_rows()
    for submission, _ in book.staged(collection):
        entry = book.submission(submission)
        digests = book.sources_of(entry.id)
        added: list[tuple[str, str]] = []
        for ex, d in sorted(digests.items(), key=lambda kv: order.get(kv[0], 99)):
            if (ex, d) in failures:
                added.append((flags.NOT_GRADED, f"{ex}: {failures[(ex, d)]}"))
        gradings = sorted(
            book.cached(setup.checks_key, digests.items()).values(), key=lambda g: order[g.exercise]
        )
        scores = {g.exercise: _points(g.result, counted) for g in gradings}
        if gradings:
            report = _verified_report(book, entry, gradings)
            file_name = book.claim_report_name(report_base(entry.student))
            _write_report(out_dir / "reports" / f"{file_name}.json", report)
            added += _regrade_flags(entry, gradings)
        added += _shared_flags(book, collection, entry, stubs)
        if roster is not None and entry.student not in roster.names:
            added.append((flags.NOT_IN_ROSTER, f"{entry.student} is not in the roster"))
        total = sum(scores.values())
        book.finish_submission(
            entry.id, total if gradings else None, maximum, added, collection, entry.student
        )
        claim = entry.claim.get("score") if entry.claim else None
        name = roster.names.get(entry.student) if roster else None
        _add_row(
            book, roster,
            StudentRow(entry.student, name, entry.origin, entry.kind, scores, total, maximum,
                       claim, book.flags_of(entry.id), bool(gradings)),
        )  # fmt: skip
    for student, name in roster.names.items() if roster else ():
        if not book.count(
            "SELECT COUNT(*) FROM submissions WHERE collection = ? AND student = ?",
            collection,
            student,
        ):
            flag = (flags.NO_SUBMISSION, "in the roster, handed nothing in")
            book.add_flags(collection, None, student, [flag])
            _add_row(
                book, roster,
                StudentRow(student, name, "", "none", {}, 0.0, maximum, None, [flag], False),
            )  # fmt: skip
    stats = _stats(book, collection, checks, counted, order)
    result = ClassResult(course, stats, exercise_max, notes, 0, 0, out_dir, collection, roster)
    result.students = book.count("SELECT COUNT(*) FROM temp.class_rows")
    result.graded = book.count("SELECT COUNT(*) FROM temp.class_rows WHERE graded")
    result.flagged = book.count("SELECT COUNT(*) FROM temp.class_rows WHERE flags != '[]'")
    result.book = book
    result.first_flagged = list(islice(result.rows(flagged=True), FIRST_FLAGGED))
    return result


def _add_row(book: Gradebook, roster: Roster | None, row: StudentRow) -> None:
    """Keep one student's line for the exports and record the student."""
    row.flags.sort(key=lambda flag: flags.rank(flag[0]))
    book.add_row(
        (row.student, row.name, row.origin, row.kind, row.scores, row.total, row.maximum,
         row.claimed, row.flags, row.graded, row.percent)
    )  # fmt: skip
    book.record_students(
        [(row.student, row.name, roster is not None and row.student in roster.names)]
    )


def _all_checks(course: Course, hidden: HiddenChecks | None) -> dict[str, dict[str, Any]]:
    """Check id -> exercise, name, points and hidden, official checks first."""
    checks: dict[str, dict[str, Any]] = {}
    for ex in course.exercises:
        for c in ex.checks:
            checks[f"{ex.check_file}::{c.name}"] = {
                "exercise": ex.id,
                "name": c.name,
                "points": c.points,
                "hidden": False,
            }
        extra = hidden.files.get(ex.id) if hidden else None
        for c in extra.checks if extra else ():
            assert extra is not None  # (for the type checker: no checks without a file)
            checks[extra.check_id(c.name)] = {
                "exercise": ex.id,
                "name": c.name,
                "points": c.points,
                "hidden": True,
            }
    return checks


def _regrade_flags(entry: Staged, gradings: list[Grading]) -> list[tuple[str, str]]:
    """What the regrade itself says: claims that do not hold, policy violations, suspicious code."""
    found: list[tuple[str, str]] = []
    claim = v.Claim.from_json(entry.claim)
    if claim is not None:
        verified = {
            c["id"]: (c["outcome"], float(c["points"]), bool(c.get("hidden")))
            for g in gradings
            for c in g.result.get("checks", [])
        }
        why = v.compare_claim(claim, verified)
        if why:
            found.append((flags.SCORE_MISMATCH, why))
    for g in gradings:
        for violation in g.result.get("violations") or []:
            found.append((flags.POLICY, f"{g.exercise}: {_text(violation)}"))
        for reason in g.result.get("suspicious") or []:
            found.append((flags.SUSPICIOUS, f"{g.exercise}: {_text(reason)}"))
    return found


def _points(result: dict[str, Any], counted: set[str]) -> float:
    return sum(float(c["points"]) for c in result.get("checks", []) if c["id"] in counted)


def _text(item: Any) -> str:
    if isinstance(item, dict):
        return str(
            item.get("reason") or item.get("message") or item.get("rule") or json.dumps(item)
        )
    return str(item)


def _write_report(path: Path, report: dict[str, Any]) -> None:
    """Write a verified report unless the file already holds exactly it (a cached collect
    rebuilds the same bytes: its `created` is when the gradings were made)."""
    data = (json.dumps(report, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    write_output(path, data, sync=False)


def _stub_digests(course: Course) -> set[str]:
    """Digests of the untouched stubs: two students handing in the stub is no hint of anything."""
    digests = {entry["sha256"] for entry in release_digests().get("stubs", {}).values()}
    for ex in course.exercises:
        path = course.root / "exercises" / ex.file
        if path.is_file():
            digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
    return digests


SHARED_SHOWN = 6  # students named per shared source: five others besides the one flagged


def _shared_flags(
    book: Gradebook, collection: int, entry: Staged, stubs: set[str]
) -> list[tuple[str, str]]:
    """One flag per group of other students who handed in the same file(s) as this one (two
    students handing in the stub is no hint of anything)."""
    by_others: dict[tuple[str, ...], list[str]] = {}
    me = _base(entry.student)
    for exercise, _, people, first in book.shared_with(collection, entry.id, SHARED_SHOWN, stubs):
        others = tuple(p for p in first if p != me)[:5]
        more = people - 1 - len(others)
        key = (*others, f"+{more}") if more else others
        by_others.setdefault(key, []).append(exercise)
    out = []
    for others, exercises in by_others.items():
        who = ", ".join(o for o in others if not o.startswith("+"))
        if others and others[-1].startswith("+"):
            who += f" and {others[-1][1:]} more"
        out.append(
            (flags.SAME_SOURCE, f"same {_listing(exercises)} as {who} (a hint, not a verdict)")
        )
    return out


def _base(student: str) -> str:
    return student.split("~")[0]


def _listing(exercises: list[str]) -> str:
    if len(exercises) > 3:
        return f"source in {len(exercises)} exercises ({', '.join(exercises[:3])}, ...)"
    return f"source in {', '.join(exercises)}"


def _verified_report(book: Gradebook, entry: Staged, gradings: list[Grading]) -> dict[str, Any]:
    """The report of this student's sources as graded here, in the same schema as `grade run`'s."""
    template = gradings[0].run
    exercises = [dict(g.result, source=book.source(g.source_sha256)) for g in gradings]
    suspicious = [
        {"exercise": g.exercise, "check": None, "reason": reason}
        for g in gradings
        for reason in g.result.get("suspicious", [])
    ]
    notes = {json.dumps(n, sort_keys=True) for g in gradings for n in g.run.get("notes", [])}
    report = {key: value for key, value in template.items() if key != "notes"}
    report.update(
        schema_version=SCHEMA_VERSION,
        student=entry.student,
        created=max(g.graded for g in gradings) or now(),
        target=f"collect: {entry.origin}",
        score=sum(float(e["score"]) for e in exercises),
        max_score=sum(float(e["max_score"]) for e in exercises),
        declared_max_score=sum(float(c["max_points"]) for e in exercises for c in e["checks"]),
        exercises=exercises,
    )
    integrity = dict(template.get("integrity", {}))
    integrity["suspicious"] = suspicious + [json.loads(n) for n in sorted(notes)]
    integrity["restarts"] = max(
        int(g.run.get("integrity", {}).get("restarts", 0)) for g in gradings
    )
    report["integrity"] = integrity
    return report


# --- 4. statistics ---


def _stats(
    book: Gradebook,
    collection: int,
    checks: dict[str, dict[str, Any]],
    counted: set[str],
    order: dict[str, int],
) -> list[CheckStats]:
    """Per-check numbers over the graded students; an exercise a student did not hand in counts
    as failed, a check skipped for a student does not count for them. Two passes over the
    students (means, then spreads), one student's outcomes at a time."""
    tallies = {cid: Tally(checks[cid]["points"]) for cid in checks if cid in counted}
    handed_in: set[str] = set()  # exercises some graded student has a grading of
    for step in (Tally.first, Tally.second):
        for student, scores, total in book.graded_students():
            handed_in.update(scores)
            seen = book.outcomes_of(collection, student)
            for cid, tally in tallies.items():
                outcome, got = seen.get(cid, (Outcome.FAILED, 0.0))
                if outcome != Outcome.SKIPPED:
                    step(tally, got, total - got)
    results = []
    for cid, tally in tallies.items():
        info = checks[cid]
        if info["exercise"] not in handed_in:
            tally = Tally(info["points"])
        results.append(stats_of(cid, info["exercise"], info["name"], info["hidden"], tally))
    return sorted(
        results,
        key=lambda s: (order.get(s.exercise, 99), s.hidden, list(checks).index(s.check_id)),
    )
