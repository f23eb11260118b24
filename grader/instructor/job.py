"""One grading of a collect, in a process of its own: reads a job (JSON on stdin), grades the
sources the collect wrote into a folder laid out like exercises/, and prints the report as JSON.

A process of its own, not a thread: Ctrl-C then reaches each grading through the runner's own
interrupt handling (it kills its grading processes and starts no more), and nothing a grading
allocates stays in the collect's memory.

    python -m grader.instructor.job < job.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grader.errors import GraderError
from grader.grading import grade
from grader.manifest import load_course
from grader.report import build_report
from grader.runner import Limits


def run_job(spec: dict) -> dict:
    """Grade the job described by `spec` and return its report dict."""
    course = load_course(Path(spec["root"]))
    exercises = course.select(spec["exercises"])
    limits = Limits(timeout=spec["timeout"], memory_mib=spec["memory_mib"], jobs=1)
    extra = {"extra_checks": Path(spec["checks"])} if spec.get("checks") else {}
    graded = grade(course, exercises, spec["target"], limits, spec.get("student"), None, **extra)
    return build_report(graded.run, graded.provenance)


def main() -> None:
    """Entry point: job on stdin, report on stdout; exit 3 with one line on stderr on failure."""
    try:
        report = run_job(json.loads(sys.stdin.buffer.read()))
    except GraderError as exc:
        sys.stderr.write(f"{exc}\n")
        sys.exit(3)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.stdout.write(json.dumps(report))


if __name__ == "__main__":
    main()
