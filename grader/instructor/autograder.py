"""What Gradescope's `run_autograder` runs for each submission: find the student's exercise files,
grade them with the official and hidden checks, and write results.json.

Run as `python -m grader.instructor.autograder`. It reads `$AUTOGRADER_ROOT` (default
/autograder): `source/` is the unpacked autograder zip, `submission/` the student's upload, and
`results/results.json` the answer. Whatever goes wrong, it writes a results.json that says so:
Gradescope shows a student nothing useful when the file is missing.

The results format is Gradescope's "Autograder Specifications", Output format
(https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format, source in
github.com/gradescope/autograder_samples docs/specs.md): `tests[]` with `name`, `number`, `score`,
`max_score`, `status` (passed or failed), `output`, `tags` and `visibility`; top-level
`execution_time` and `output`. tests/meta/gradescope_results.schema.json is that spec as a schema.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from grader.engine.grading import grade, resolve_target
from grader.engine.jobs import Limits
from grader.engine.protocol import Outcome
from grader.engine.results import CheckResult, GradingRun
from grader.files import write_atomically
from grader.instructor.handin import Candidate, Located, locate
from grader.manifest import Course, load_course
from grader.report import build_report, write_report

CONFIG_NAME = "autograder.json"
HIDDEN_DIR = "hidden"
OUTPUT_LIMIT = 4000  # characters of a check's printed output shown in its test
REPORT_LIMIT = 16 << 20  # bytes: a handed-in report larger than this is not read
OUTCOME_WORDS: dict[str, str] = {
    Outcome.FAILED: "Failed",
    Outcome.ERROR: "Error",
    Outcome.TIMEOUT: "Timed out",
    Outcome.CRASHED: "Crashed",
}


@dataclass(frozen=True)
class Settings:
    """The limits `grade export gradescope` wrote into the zip (autograder.json)."""

    timeout: float
    memory_mib: int
    jobs: int
    deadline: float  # seconds for the whole grading, kept under Gradescope's own timeout

    @classmethod
    def read(cls, source: Path) -> Settings:
        data = json.loads((source / CONFIG_NAME).read_text(encoding="utf-8"))
        return cls(
            timeout=float(data["timeout_s"]),
            memory_mib=int(data["memory_limit_mib"]),
            jobs=int(data["jobs"]),
            deadline=float(data["deadline_s"]),
        )


class OutOfTime(BaseException):
    """The whole grading ran past its deadline (a BaseException, so the runner stops every
    grading process on its way out, as it does for Ctrl-C)."""


def main() -> int:
    """Grade /autograder/submission (or $AUTOGRADER_ROOT's) and write results/results.json."""
    started = time.monotonic()
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    results_dir = root / "results"
    try:
        results = run(root)
    except OutOfTime as exc:
        results = failed_run(
            f"Grading was stopped after {exc} s, before Gradescope's own time limit would have "
            "discarded everything. Something in your code runs far too long (an endless loop?): "
            "run `grade` on your machine to see which check."
        )
    except BaseException as exc:  # noqa: BLE001 - whatever happens, Gradescope gets an answer
        traceback.print_exc(file=sys.stdout)  # stdout is shown to instructors only
        results = failed_run(
            "The autograder could not grade this submission "
            f"({type(exc).__name__}: {exc}). Your instructor can see the details; tell them."
        )
    results["execution_time"] = round(time.monotonic() - started)
    results_dir.mkdir(parents=True, exist_ok=True)
    _write_json(results, results_dir / "results.json")
    print(results.get("output", ""))
    return 0


def run(root: Path) -> dict[str, Any]:
    """Grade the submission under `root` and return the results.json dict."""
    source = root / "source"
    settings = Settings.read(source)
    course = load_course(source / "course")
    hidden = source / HIDDEN_DIR
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograder-") as scratch_name:
        scratch = Path(scratch_name)
        located = locate(course, root / "submission", scratch / "unpacked")
        if not located.files:
            handed = locate(course, root / "submission", scratch / "unpacked-reports", reports=True)
            located = from_report(course, handed, scratch / "from-report") or located
        folder = _stage(course, located, scratch / "graded")
        limits = Limits.for_course(
            course, timeout=settings.timeout, memory_mib=settings.memory_mib, jobs=settings.jobs
        )
        previous = signal.signal(signal.SIGALRM, _alarm(settings.deadline))
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, settings.deadline)
        try:
            graded = grade(
                course,
                course.exercises,
                folder=resolve_target(course, str(folder), course.exercises),
                limits=limits,
                extra_checks=hidden if hidden.is_dir() else None,
            )
        except BaseException as exc:
            # The alarm can land anywhere in the grader, whose cleanup may then fail in turn:
            # past the deadline, whatever surfaced is the deadline's doing.
            if time.monotonic() - started >= settings.deadline:
                raise OutOfTime(f"{settings.deadline:g}") from exc
            raise
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    write_report(build_report(graded.run, graded.provenance), results_dir / "grade-report.json")
    return gradescope_results(course, graded.run, located)


def from_report(course: Course, located: Located, folder: Path) -> Located | None:
    """When a hand-in holds no exercise file but a grade report (README tells students to hand
    in grade-report.json), the report's sources written to `folder` as the exercise files, with
    notes for the student; None when no report gives a source. Each source is checked against
    its `submission_sha256`: a mismatch is said and the source graded all the same (the
    instructor's regrade with `grade collect` is what counts)."""
    for report in sorted(located.reports, key=Candidate.rank):
        exercises = _report_exercises(report.path)
        if exercises is None:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        found = Located(ignored=located.ignored, log=list(located.log))
        known = {ex.id: ex for ex in course.exercises}
        for entry in exercises:
            ident = entry.get("id")
            ex = known.get(ident) if isinstance(ident, str) else None
            source = entry.get("source")
            if ex is None or ex.id in found.files or not isinstance(source, str):
                continue
            try:
                data = source.encode("utf-8")
            except UnicodeEncodeError:
                found.log.append(("FILE", f"{report.shown}: the source of {ex.file} is not text"))
                continue
            if hashlib.sha256(data).hexdigest() != entry.get("submission_sha256"):
                found.log.append(
                    (
                        "FILE",
                        f"{report.shown}: the source of {ex.file} does not match its "
                        "submission_sha256 (it was changed after `grade` wrote the report); it "
                        "is graded all the same, and your instructor's regrade decides",
                    )
                )
            path = folder / ex.file
            path.write_bytes(data)
            found.files[ex.id] = Candidate(path, f"{report.shown}:{ex.file}", exact_name=True)
        if found.files:
            found.files = {
                ex.id: found.files[ex.id] for ex in course.exercises if ex.id in found.files
            }
            found.log.insert(
                0,
                (
                    "FILE",
                    f"no exercise files were found, so the sources in {report.shown} were graded "
                    "(the scores in it are not used)",
                ),
            )
            return found
    return None


def _report_exercises(path: Path) -> list[dict[str, Any]] | None:
    """The `exercises` of a grade report, or None for a file that is not one (or too large)."""
    try:
        if not path.is_file() or path.stat().st_size > REPORT_LIMIT:
            return None
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    exercises = data.get("exercises") if isinstance(data, dict) else None
    if not isinstance(exercises, list):
        return None
    return [entry for entry in exercises if isinstance(entry, dict)]


def _alarm(deadline: float) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise OutOfTime(f"{deadline:g}")

    return handler


def _stage(course: Course, located: Located, folder: Path) -> Path:
    """A folder laid out like exercises/: the chosen files, and the stub for each one missing
    (so every check still gets a result, and the total stays the same for every student)."""
    folder.mkdir(parents=True)
    for ex in course.exercises:
        chosen = located.files.get(ex.id)
        origin = chosen.path if chosen else course.root / "exercises" / ex.file
        shutil.copyfile(origin, folder / ex.file)
    return folder


def gradescope_results(course: Course, run: GradingRun, located: Located) -> dict[str, Any]:
    """The results.json dict: one test per check, numbered `exercise.check` in course order."""
    missing = {ex.id for ex in located.missing(course)}
    tests: list[dict[str, Any]] = []
    has_hidden = False
    for number, ex in enumerate(run.exercises, start=1):
        for index, check in enumerate(ex.checks, start=1):
            hidden = bool(getattr(check, "hidden", False))
            has_hidden |= hidden
            tests.append(
                {
                    "name": f"{ex.title}: {_readable(check.name)}",
                    "number": f"{number}.{index}",
                    "score": check.points,
                    "max_score": 0.0 if check.outcome == Outcome.SKIPPED else check.max_points,
                    "status": "failed" if check.outcome in OUTCOME_WORDS else "passed",
                    "output": _test_output(check, ex.file if ex.id in missing else None),
                    "tags": [ex.concept],
                    "visibility": "hidden" if hidden else "visible",
                    "extra_data": {"check": check.id, "outcome": check.outcome},
                }
            )
    visible = [t for t in tests if t["visibility"] == "visible"]
    lines = [_found_line(course, located)]
    lines += [f"Note: {note}." for note in located.notes]
    if located.ignored:
        lines.append(f"Not exercise files (ignored): {', '.join(located.ignored[:20])}.")
    lines.append(
        f"Visible checks: {sum(t['score'] for t in visible):g}/"
        f"{sum(t['max_score'] for t in visible):g} points."
    )
    if has_hidden:
        lines.append(
            "Your grade also includes checks you cannot see here. Passing every visible check "
            "does not promise full marks: test the cases the exercise describes, not only the "
            "ones `grade` shows you."
        )
    return {"output": "\n".join(lines), "tests": tests}


def failed_run(message: str) -> dict[str, Any]:
    """results.json for a run that graded nothing: zero points and the reason."""
    return {"score": 0.0, "output": message, "tests": []}


def _found_line(course: Course, located: Located) -> str:
    if not located.files:
        expected = ", ".join(ex.file for ex in course.exercises)
        return (
            "No exercise files were found in your submission, so nothing was graded. Upload your "
            f"exercise files ({expected}) or a zip of your exercises/ folder."
        )
    names = ", ".join(
        located.files[ex.id].shown for ex in course.exercises if ex.id in located.files
    )
    line = f"Graded {len(located.files)} of {len(course.exercises)} exercise files: {names}."
    missing = located.missing(course)
    if missing:
        line += f" Missing (they score 0): {', '.join(ex.file for ex in missing)}."
    return line


def _readable(check_name: str) -> str:
    """`test_fit_line_converges` -> `fit line converges`."""
    return check_name.removeprefix("test_").replace("_", " ")


def _test_output(check: CheckResult, missing_file: str | None) -> str:
    if missing_file is not None:
        return f"Not submitted: {missing_file} was not in your submission."
    if check.outcome == Outcome.PASSED:
        return f"Passed ({check.duration:.2f} s)."
    if check.outcome == Outcome.SKIPPED:
        return f"Skipped, and not counted: {check.message}"
    text = f"{OUTCOME_WORDS.get(check.outcome, check.outcome)}: {check.message}"
    if check.output:
        text += f"\n\nYour code printed:\n{check.output[-OUTPUT_LIMIT:]}"
    return text


def _write_json(data: dict[str, Any], path: Path) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_atomically(path, text.encode("utf-8"))


if __name__ == "__main__":
    sys.exit(main())
