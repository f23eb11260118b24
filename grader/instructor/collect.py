"""`grade collect`: from whatever a class handed in to a verified gradebook.

find (inputs) -> verify each submission -> grade what the cache lacks, `jobs` gradings at a time,
each committed as it finishes -> assemble each student's verified report and flags -> statistics
-> exports (grades.csv, checks.csv, reports/, summary.html).
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
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import __version__
from grader.errors import GraderError, ReportError
from grader.hidden import load_hidden_checks
from grader.instructor import flags
from grader.instructor import verify as v
from grader.instructor.gradebook import GRADEBOOK_NAME, Gradebook, Grading, now
from grader.instructor.inputs import ZipCaps, find_submissions
from grader.instructor.roster import Roster, read_roster
from grader.instructor.stats import CheckStats, check_stats
from grader.integrity import checks_sha256, file_digests, release_digests
from grader.manifest import Course
from grader.report import SCHEMA_VERSION


@dataclass(frozen=True)
class Options:
    """What the instructor asked for."""

    paths: list[Path]
    out_dir: Path
    checks: Path | None = None
    roster: Path | None = None
    jobs: int = 1
    timeout: float | None = None
    memory_mib: int | None = None
    caps: ZipCaps = field(default_factory=ZipCaps)


@dataclass
class StudentRow:
    """One student's line in the gradebook."""

    student: str
    name: str | None
    origin: str
    kind: str
    scores: dict[str, float]  # exercise id -> points, for graded exercises
    total: float
    maximum: float
    claimed: float | None
    flags: list[tuple[str, str]]
    digests: dict[str, str]  # exercise id -> source digest
    report: dict[str, Any] | None  # the verified report

    @property
    def graded(self) -> bool:
        """True when at least one exercise was graded."""
        return self.report is not None

    @property
    def percent(self) -> float:
        """Total as a percentage of the class maximum."""
        return 100.0 * self.total / self.maximum if self.maximum else 0.0


@dataclass
class ClassResult:
    """Everything one collect learned, for the exports and the CLI."""

    course: Course
    rows: list[StudentRow]
    checks: list[CheckStats]
    exercise_max: dict[str, float]  # exercise id -> points counted in this collect
    notes: list[str]
    graded_now: int  # exercise gradings run by this collect
    cached: int  # exercise gradings found in the gradebook
    out_dir: Path
    collection: int

    @property
    def flagged(self) -> list[StudentRow]:
        """Students with at least one flag."""
        return [row for row in self.rows if row.flags]


class Interrupted(GraderError):
    """Ctrl-C during a collect: what finished is in the gradebook."""

    exit_code = 130


Progress = Callable[[int, int, str], None]  # (done, total, what just finished)


def collect(course: Course, options: Options, progress: Progress | None = None) -> ClassResult:
    """Run one collect (see the module docstring); raises GraderError types, Interrupted on Ctrl-C."""
    hidden_checks = load_hidden_checks(options.checks, course) if options.checks else None
    checks_dir = hidden_checks.folder if hidden_checks else None
    roster = read_roster(options.roster) if options.roster else None
    official = checks_sha256(file_digests(course))
    hidden = hidden_checks.sha256 if hidden_checks else None
    timeout = options.timeout or course.default_timeout
    memory = options.memory_mib or course.memory_limit_mib
    checks_key = hashlib.sha256(
        json.dumps([official, hidden, timeout, memory, __version__]).encode()
    ).hexdigest()

    with tempfile.TemporaryDirectory(prefix="grade-collect-") as tmp:
        scratch = Path(tmp)
        found = find_submissions(options.paths, course, scratch / "inputs", options.caps)
        out_dir = prepare_out_dir(options.out_dir)
        book = Gradebook(out_dir / GRADEBOOK_NAME)
        try:
            book.sync_exercises(
                (ex.id, i, ex.title, ex.concept, ex.file)
                for i, ex in enumerate(course.exercises, 1)
            )
            book.sync_checks(
                (f"{ex.check_file}::{c.name}", ex.id, c.name, c.points, False, i)
                for ex in course.exercises
                for i, c in enumerate(ex.checks)
            )
            if hidden_checks is not None:
                book.sync_checks(
                    (f.check_id(c.name), ex_id, c.name, c.points, True, 1000 + i)
                    for ex_id, f in hidden_checks.files.items()
                    for i, c in enumerate(f.checks)
                )
            collection = book.start_collection(
                [str(p) for p in options.paths], checks_key, official, hidden
            )
            checked = [v.verify(s, course, official) for s in found.submissions]
            _mark_duplicates(checked)
            spec = {
                "root": str(course.root),
                "timeout": timeout,
                "memory_mib": memory,
                "checks": str(checks_dir) if checks_dir else None,
            }
            graded_now, failures = _grade_missing(
                course, book, collection, checks_key, checked, spec, scratch, options.jobs, progress
            )
            cache = book.cached(
                checks_key,
                [(ex, v.source_sha256(text)) for c in checked for ex, text in c.sources.items()],
            )
            result = _assemble(
                course, checked, cache, failures, roster, official, found.notes, out_dir, collection
            )
            result.graded_now = graded_now
            result.cached = len(cache) - graded_now
            _record(book, collection, result, roster)
            from grader.instructor.exports import write_exports  # the exports need the result only

            write_exports(result)
            book.finish_collection(collection, "finished")
            return result
        except KeyboardInterrupt:
            book.finish_collection(collection, "interrupted")
            kept = book.count("SELECT COUNT(*) FROM gradings WHERE collection = ?", collection)
            raise Interrupted(
                f"interrupted: {kept} grading(s) finished by this collect are kept in "
                f"{out_dir / GRADEBOOK_NAME}; run the same collect again to grade the rest"
            ) from None
        finally:
            book.close()


def prepare_out_dir(path: Path) -> Path:
    """Create --out-dir (and reports/ in it) or say why it cannot be written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / "reports").mkdir(exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise ReportError(
            f"cannot write to --out-dir {path}: {exc.strerror or exc}; pick a folder you can write to"
        ) from exc
    return path.resolve()


def _mark_duplicates(checked: list[v.Checked]) -> None:
    """Students handing in more than once keep every submission, as id, id~2, id~3, all flagged."""
    seen: dict[str, list[v.Checked]] = {}
    for entry in checked:
        seen.setdefault(entry.student, []).append(entry)
    for student, entries in seen.items():
        if len(entries) < 2:
            continue
        origins = ", ".join(e.origin for e in entries)
        for index, entry in enumerate(entries, start=1):
            entry.flags.append(
                (flags.DUPLICATE, f"{student} handed in {len(entries)} times ({origins})")
            )
            if index > 1:
                entry.student = f"{student}~{index}"


# --- grading what the cache lacks ---


@dataclass
class _Job:
    student: str
    sources: dict[str, str]  # exercise id -> text, none of them cached or in another job


@dataclass
class _Jobs:
    """The job processes running now, so Ctrl-C can reach each of them."""

    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    procs: set[subprocess.Popen] = field(default_factory=set)

    def interrupt(self) -> None:
        self.stopping.set()
        with self.lock:
            procs = list(self.procs)
        for proc in procs:
            _signal(proc, signal.SIGINT)

    def kill(self) -> None:
        with self.lock:
            procs = list(self.procs)
        for proc in procs:
            _signal(proc, signal.SIGKILL)


def _signal(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _grade_missing(
    course: Course,
    book: Gradebook,
    collection: int,
    checks_key: str,
    checked: list[v.Checked],
    spec: dict[str, Any],
    scratch: Path,
    jobs: int,
    progress: Progress | None,
) -> tuple[int, dict[tuple[str, str], str]]:
    """Grade every (exercise, source) not in the cache; returns (gradings stored, failures)."""
    pairs = {(ex, v.source_sha256(text)) for c in checked for ex, text in c.sources.items()}
    have = set(book.cached(checks_key, pairs))
    work: list[_Job] = []
    planned: set[tuple[str, str]] = set()
    for entry in checked:
        todo = {}
        for ex, text in entry.sources.items():
            key = (ex, v.source_sha256(text))
            if key not in have and key not in planned:
                planned.add(key)
                todo[ex] = text
        if todo:
            work.append(_Job(entry.student, todo))
    failures: dict[tuple[str, str], str] = {}
    if progress:
        progress(0, len(work), f"{len(pairs) - len(planned)} of {len(pairs)} gradings cached")
    if not work:
        return 0, failures
    running = _Jobs()
    stored = 0
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures: dict[Future, _Job] = {
            pool.submit(_run_job, course, job, spec, scratch / f"job{i}", running): job
            for i, job in enumerate(work)
        }
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = futures[future]
                    report, error, seconds = future.result()
                    done += 1
                    if report is not None:
                        gradings = _gradings(report, job)
                        book.store(
                            collection,
                            checks_key,
                            gradings,
                            {g.source_sha256: job.sources[g.exercise] for g in gradings},
                        )
                        stored += len(gradings)
                        graded_ids = {g.exercise for g in gradings}
                        error = (
                            None
                            if graded_ids == set(job.sources)
                            else "the grading returned no result"
                        )
                        missing = set(job.sources) - graded_ids
                    else:
                        missing = set(job.sources)
                    for ex in missing:
                        failures[(ex, v.source_sha256(job.sources[ex]))] = error or "not graded"
                    if progress:
                        what = f"graded {job.student} ({len(job.sources)} exercise(s), {seconds:.1f} s)"
                        progress(
                            done, len(work), what if not missing else f"{job.student}: {error}"
                        )
        except KeyboardInterrupt:
            running.interrupt()
            for future in pending:
                future.cancel()
            deadline = time.monotonic() + 15
            while any(not f.done() for f in futures) and time.monotonic() < deadline:
                time.sleep(0.1)
            running.kill()
            raise
    return stored, failures


def _run_job(
    course: Course, job: _Job, spec: dict[str, Any], folder: Path, running: _Jobs
) -> tuple[dict | None, str | None, float]:
    """Write the job's sources into a folder laid out like exercises/ and grade it in a process."""
    started = time.monotonic()
    if running.stopping.is_set():
        return None, "interrupted", 0.0
    folder.mkdir(parents=True)
    files = {ex.id: ex.file for ex in course.exercises}
    for ex, text in job.sources.items():
        (folder / files[ex]).write_text(text, encoding="utf-8")
    payload = dict(spec, exercises=sorted(job.sources), target=str(folder), student=job.student)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(course.root), os.environ.get("PYTHONPATH")])),
    )
    try:
        with running.lock:
            if running.stopping.is_set():
                return None, "interrupted", 0.0
            proc = subprocess.Popen(
                [sys.executable, "-m", "grader.instructor.job"],
                cwd=course.root,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # Ctrl-C is passed on by the collect, once
            )
            running.procs.add(proc)
        try:
            out, err = proc.communicate(json.dumps(payload).encode())
        finally:
            with running.lock:
                running.procs.discard(proc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    seconds = time.monotonic() - started
    if proc.returncode == 0:
        try:
            return json.loads(out), None, seconds
        except ValueError:
            return None, "the grading printed no report", seconds
    lines = err.decode("utf-8", "replace").strip().splitlines()
    return (
        None,
        (lines[-1] if lines else f"the grading exited with code {proc.returncode}"),
        seconds,
    )


def _gradings(report: dict[str, Any], job: _Job) -> list[Grading]:
    """Split one job's report into per-exercise gradings for the cache."""
    run = {k: report[k] for k in report if k not in ("exercises", "student", "created", "target")}
    suspicious = run.get("integrity", {}).get("suspicious", [])
    run["notes"] = [s for s in suspicious if isinstance(s, dict) and s.get("exercise") is None]
    gradings = []
    for entry in report.get("exercises", []):
        if entry.get("id") not in job.sources:
            continue
        result = {k: value for k, value in entry.items() if k != "source"}
        digest = v.source_sha256(job.sources[entry["id"]])
        result["submission_sha256"] = digest
        gradings.append(Grading(entry["id"], digest, result, run))
    return gradings


# --- putting each student's grade together ---


def _assemble(
    course: Course,
    checked: list[v.Checked],
    cache: dict[tuple[str, str], Grading],
    failures: dict[tuple[str, str], str],
    roster: Roster | None,
    official: str,
    notes: list[str],
    out_dir: Path,
    collection: int,
) -> ClassResult:
    order = {ex.id: i for i, ex in enumerate(course.exercises)}
    # Every check of the course, then the hidden ones the gradings brought.
    checks: dict[str, dict[str, Any]] = {}
    for ex in course.exercises:
        for c in ex.checks:
            checks[f"{ex.check_file}::{c.name}"] = {
                "exercise": ex.id,
                "name": c.name,
                "points": c.points,
                "hidden": False,
            }
    for grading in cache.values():
        for c in grading.result.get("checks", []):
            checks.setdefault(
                c["id"],
                {
                    "exercise": grading.exercise,
                    "name": c["name"],
                    "points": c["max_points"],
                    "hidden": bool(c.get("hidden")),
                },
            )
    # A check skipped in every grading that ran it (no GPU here, say) counts for no one.
    ran: dict[str, bool] = {}
    for grading in cache.values():
        for c in grading.result.get("checks", []):
            ran[c["id"]] = ran.get(c["id"], False) or c["outcome"] != "skipped"
    counted = {cid for cid in checks if ran.get(cid, True)}
    exercise_max = {ex.id: 0.0 for ex in course.exercises}
    for cid in counted:
        exercise_max[checks[cid]["exercise"]] += checks[cid]["points"]
    maximum = sum(exercise_max.values())

    stubs = _stub_digests(course)
    rows = []
    for entry in checked:
        digests = {ex: v.source_sha256(text) for ex, text in entry.sources.items()}
        marks = list(entry.flags)
        gradings = [cache[(ex, d)] for ex, d in digests.items() if (ex, d) in cache]
        for ex, d in digests.items():
            if (ex, d) not in cache:
                marks.append((flags.NOT_GRADED, f"{ex}: {failures.get((ex, d), 'not graded')}"))
        report = None
        scores: dict[str, float] = {}
        if gradings:
            gradings.sort(key=lambda g: order[g.exercise])
            report = _verified_report(entry, gradings, official)
            scores = {g.exercise: _points(g.result, counted) for g in gradings}
            verified = {
                c["id"]: (c["outcome"], float(c["points"]), bool(c.get("hidden")))
                for g in gradings
                for c in g.result.get("checks", [])
            }
            if entry.claim is not None:
                why = v.compare_claim(entry.claim, verified)
                if why:
                    marks.append((flags.SCORE_MISMATCH, why))
            for g in gradings:
                for violation in g.result.get("violations") or []:
                    marks.append((flags.POLICY, f"{g.exercise}: {_text(violation)}"))
                for reason in g.result.get("suspicious") or []:
                    marks.append((flags.SUSPICIOUS, f"{g.exercise}: {_text(reason)}"))
        rows.append(
            StudentRow(
                student=entry.student,
                name=roster.names.get(entry.student) if roster else None,
                origin=entry.origin,
                kind=entry.kind,
                scores=scores,
                total=sum(scores.values()),
                maximum=maximum,
                claimed=entry.claim.score if entry.claim else None,
                flags=marks,
                digests=digests,
                report=report,
            )
        )
    _flag_same_sources(rows, stubs)
    if roster is not None:
        present = {row.student for row in rows}
        for row in rows:
            if row.student not in roster.names:
                row.flags.append((flags.NOT_IN_ROSTER, f"{row.student} is not in the roster"))
        for student, name in roster.names.items():
            if student not in present:
                rows.append(
                    StudentRow(
                        student,
                        name,
                        "",
                        "none",
                        {},
                        0.0,
                        maximum,
                        None,
                        [(flags.NO_SUBMISSION, "in the roster, handed nothing in")],
                        {},
                        None,
                    )  # fmt: skip
                )
    for row in rows:
        row.flags.sort(key=lambda flag: flags.rank(flag[0]))
    rows.sort(key=lambda r: r.student)
    stats = _stats(rows, checks, counted, order)
    return ClassResult(course, rows, stats, exercise_max, notes, 0, 0, out_dir, collection)


def _points(result: dict[str, Any], counted: set[str]) -> float:
    return sum(float(c["points"]) for c in result.get("checks", []) if c["id"] in counted)


def _text(item: Any) -> str:
    if isinstance(item, dict):
        return str(
            item.get("reason") or item.get("message") or item.get("rule") or json.dumps(item)
        )
    return str(item)


def _stub_digests(course: Course) -> set[str]:
    """Digests of the untouched stubs: two students handing in the stub is no hint of anything."""
    digests = {entry["sha256"] for entry in release_digests().get("stubs", {}).values()}
    for ex in course.exercises:
        path = course.root / "exercises" / ex.file
        if path.is_file():
            digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
    return digests


def _flag_same_sources(rows: list[StudentRow], stubs: set[str]) -> None:
    """One flag per student naming who else handed in an identical file, and for which exercises."""
    by_source: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        for ex, digest in row.digests.items():
            if digest not in stubs:
                by_source.setdefault((ex, digest), set()).add(_base(row.student))
    for row in rows:
        shared: dict[tuple[str, ...], list[str]] = {}  # the others -> exercises shared with them
        for ex, digest in row.digests.items():
            others = tuple(sorted(by_source.get((ex, digest), set()) - {_base(row.student)}))
            if others:
                shared.setdefault(others, []).append(ex)
        for others, exercises in shared.items():
            who = ", ".join(others[:5]) + (
                f" and {len(others) - 5} more" if len(others) > 5 else ""
            )
            row.flags.append(
                (flags.SAME_SOURCE, f"same {_listing(exercises)} as {who} (a hint, not a verdict)")
            )


def _base(student: str) -> str:
    return student.split("~")[0]


def _listing(exercises: list[str]) -> str:
    if len(exercises) > 3:
        return f"source of {len(exercises)} exercises ({', '.join(exercises[:3])}, ...)"
    return f"source of {', '.join(exercises)}"


def _verified_report(entry: v.Checked, gradings: list[Grading], official: str) -> dict[str, Any]:
    """The report of this student's sources as graded here, in the same schema as `grade run`'s."""
    template = gradings[0].run
    exercises = [dict(g.result, source=entry.sources[g.exercise]) for g in gradings]
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
        created=now(),
        target=f"collect: {entry.origin}",
        score=sum(float(e["score"]) for e in exercises),
        max_score=sum(float(e["max_score"]) for e in exercises),
        declared_max_score=sum(float(c["max_points"]) for e in exercises for c in e["checks"]),
        exercises=exercises,
    )
    integrity = dict(template.get("integrity", {}))
    integrity["suspicious"] = suspicious + [json.loads(n) for n in sorted(notes)]
    integrity["restarts"] = max(
        (int(g.run.get("integrity", {}).get("restarts", 0)) for g in gradings), default=0
    )
    report["integrity"] = integrity
    report["course"] = dict(
        template.get("course", {}),
        checks_sha256=template.get("course", {}).get("checks_sha256", official),
    )
    return report


def _stats(
    rows: list[StudentRow],
    checks: dict[str, dict[str, Any]],
    counted: set[str],
    order: dict[str, int],
) -> list[CheckStats]:
    """Per-check numbers over the graded students (an exercise not handed in counts as failed)."""
    graded = [row for row in rows if row.graded]
    earned: dict[str, dict[str, float]] = {}  # student -> check id -> points (absent: skipped)
    for row in graded:
        points: dict[str, float] = {}
        for e in (row.report or {}).get("exercises", []):
            for c in e["checks"]:
                if c["outcome"] != "skipped":
                    points[c["id"]] = float(c["points"])
        earned[row.student] = points
    totals = {s: sum(p for cid, p in pts.items() if cid in counted) for s, pts in earned.items()}
    out = []
    for cid, info in sorted(
        checks.items(), key=lambda kv: (order.get(kv[1]["exercise"], 99), kv[1]["hidden"])
    ):
        if cid not in counted:
            continue
        pairs = []
        if not any(info["exercise"] in row.scores for row in graded):
            out.append(
                check_stats(cid, info["exercise"], info["name"], info["points"], info["hidden"], [])
            )
            continue  # no one handed this exercise in: nothing to learn about the check
        for student, pts in earned.items():
            got = pts.get(cid, 0.0)
            pairs.append((got, totals[student] - got))
        out.append(
            check_stats(cid, info["exercise"], info["name"], info["points"], info["hidden"], pairs)
        )
    return out


def _record(book: Gradebook, collection: int, result: ClassResult, roster: Roster | None) -> None:
    book.record_students(
        (row.student, row.name, roster is not None and row.student in roster.names)
        for row in result.rows
    )
    for row in result.rows:
        book.record_submission(
            collection, row.student, row.origin, row.kind, row.claimed,
            row.total if row.graded else None, row.maximum, row.digests, row.flags,
        )  # fmt: skip
    for note in result.notes:
        book.record_note(collection, note)
