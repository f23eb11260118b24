"""`grade collect`: from whatever a class handed in to a verified gradebook.

1. scan (scan.py): find each submission, verify it (or recall its verdict) and stage it in the
   gradebook;
2. grade (slots.py): every (exercise, source) the cache lacks, `jobs` gradings at a time, each
   committed as it finishes;
3. assemble (assemble.py): one student at a time, the verified report, the score and the flags;
4. statistics (assemble.py, with the arithmetic in stats.py) and exports (exports.py and
   summary.py: grades.csv, checks.csv, summary.html; reports/ is written in stage 3).

Nothing per student stays in memory: reports and sources live in the gradebook, each student's
line goes to a temporary table there, and the statistics and exports stream from it, so a
collect's memory is the same for 20 students and for 20,000. What collect() returns is a small
snapshot taken before the gradebook closes (model.ClassResult).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import traceback
from itertools import islice
from pathlib import Path
from typing import Any

from grader import __version__
from grader.engine.hidden import HiddenChecks, load_hidden_checks
from grader.engine.integrity import checks_sha256, file_digests
from grader.errors import GraderError, ReportError
from grader.instructor import flags
from grader.instructor.assemble import assemble
from grader.instructor.exports import write_exports
from grader.instructor.gradebook import GRADEBOOK_NAME, LIVE, Gradebook
from grader.instructor.inputs import iter_submissions
from grader.instructor.model import (
    FIRST_FLAGGED,
    ClassResult,
    ClassRows,
    Options,
    Progress,
    Setup,
)
from grader.instructor.resemblance import find_similar
from grader.instructor.roster import Roster, read_roster
from grader.instructor.scan import scan
from grader.instructor.slots import grade_missing
from grader.instructor.stats import CheckStats, histogram, median_and_mean
from grader.manifest import Course
from grader.report import SCHEMA_PATH


class Interrupted(GraderError):
    """Ctrl-C during a collect: what finished is in the gradebook."""

    exit_code = 130


class CollectFailed(GraderError):
    """The collect itself failed (not the input): exit 3, the collection marked 'failed'."""

    exit_code = 3


def collect(course: Course, options: Options, progress: Progress | None = None) -> ClassResult:
    """Run one collect (see the module docstring); raises GraderError types, Interrupted on Ctrl-C."""
    hidden = load_hidden_checks(options.checks, course) if options.checks else None
    roster = read_roster(options.roster) if options.roster else None
    setup = _setup(course, options, hidden, roster)
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
            scan(book, collection, setup, submissions, options.jobs)
            book.add_flags(collection, None, None, [(flags.INPUT, note) for note in notes])
            find_similar(book, collection, course)
            book.commit()
            failures = grade_missing(book, collection, setup, scratch, options.jobs, progress)
            # (a provisional grading graded again replaces its row: count by collection)
            graded_now = book.count(
                "SELECT COUNT(*) FROM gradings WHERE collection = ?", collection
            )
            checks, exercise_max = assemble(book, collection, setup, failures, out_dir)
            book.set_class_maximum(exercise_max)
            cached = (
                book.count(
                    "SELECT COUNT(*) FROM (SELECT DISTINCT ss.exercise, ss.source_sha256 FROM submissions s "
                    "JOIN submission_sources ss ON ss.submission = s.id WHERE s.collection = ?)",
                    collection,
                )
                - graded_now
                - len(failures)
            )
            rows = ClassRows(book, roster)
            result = _snapshot(
                rows, course, collection, out_dir, notes, checks, exercise_max, graded_now, cached
            )
            book.commit()
            write_exports(result, rows)
            book.finish_collection(collection, "finished")
            return result
        except GraderError:
            book.db.rollback()
            if collection:
                book.finish_collection(collection, "failed")
            raise
        except Exception as exc:
            # A fault of the collect itself (a bug, a full disk): the collection ends 'failed',
            # what finished stays, and the instructor gets one line and the details in a file.
            book.db.rollback()
            if collection:
                book.finish_collection(collection, "failed")
            log = out_dir / "collect-error.log"
            log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
            raise CollectFailed(
                f"the collect failed ({type(exc).__name__}: {exc}); what finished is kept in "
                f"{out_dir / GRADEBOOK_NAME} and the details are in {log}: please report them"
            ) from None
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
        (path / "feedback").mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError as exc:
        raise ReportError(
            f"cannot write to --out-dir {path}: {exc.strerror or exc}; pick a folder you can write to"
        ) from exc
    return path.resolve()


def _setup(
    course: Course, options: Options, hidden: HiddenChecks | None, roster: Roster | None
) -> Setup:
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
    return Setup(course, official, checks_key, verdict_key, hidden, spec, roster)


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


def _snapshot(
    rows: ClassRows,
    course: Course,
    collection: int,
    out_dir: Path,
    notes: list[str],
    checks: list[CheckStats],
    exercise_max: dict[str, float],
    graded_now: int,
    cached: int,
) -> ClassResult:
    """The collect's result as plain data, read from the assembled lines while they are there."""
    book = rows.book
    graded = book.count("SELECT COUNT(*) FROM class_lines WHERE graded")
    median, mean = median_and_mean(rows.percents, graded)
    return ClassResult(
        course=course,
        collection=collection,
        out_dir=out_dir,
        notes=tuple(notes),
        checks=tuple(checks),
        exercise_max=exercise_max,
        students=book.count("SELECT COUNT(*) FROM class_lines"),
        collected=book.count(
            f"SELECT COUNT(*) FROM submissions s WHERE collection = ? AND {LIVE}", collection
        ),
        graded=graded,
        flagged=book.count("SELECT COUNT(*) FROM class_lines WHERE flagged"),
        graded_now=graded_now,
        cached=cached,
        median=median,
        mean=mean,
        histogram=tuple(histogram(rows.percents())),
        first_flagged=tuple(islice(rows.rows(flagged=True), FIRST_FLAGGED)),
    )
