"""The gradings of a collect, in a process of their own: one job per line on stdin (JSON: the
folder the collect wrote the sources into, the exercises, the limits, the hidden checks), one
line of JSON per job on stdout (`{"report": ...}` or `{"error": "..."}`).

A process of its own, not a thread of the collect: Ctrl-C reaches each grading through the
runner's own interrupt handling (it kills its grading processes and starts no more), and nothing a
grading allocates stays in the collect's memory. It serves job after job with one
GradingSession, so the warm grading processes (the zygote) are started once per process, not
once per submission.

    python -m grader.instructor.job < jobs.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from grader.engine.grading import GradingSession
from grader.engine.jobs import Limits
from grader.errors import GraderError
from grader.manifest import load_course
from grader.report import build_report


def run_job(session: GradingSession, spec: dict[str, Any]) -> dict[str, Any]:
    """Grade the job described by `spec` with the session's warm processes; its report dict."""
    exercises = session.course.select(spec["exercises"])
    checks = Path(spec["checks"]) if spec.get("checks") else None
    graded = session.grade(exercises, spec["target"], spec.get("student"), checks)
    return build_report(graded.run, graded.provenance)


def serve() -> int:
    """Answer jobs until stdin closes; exit 130 on Ctrl-C, after the runner stopped its processes."""
    session: GradingSession | None = None
    try:
        for line in sys.stdin:
            spec = json.loads(line)
            try:
                if session is None:
                    course = load_course(Path(spec["root"]))
                    limits = Limits.for_course(
                        course, timeout=spec["timeout"], memory_mib=spec["memory_mib"], jobs=1
                    )
                    session = GradingSession(course, limits)
                answer: dict[str, Any] = {"report": run_job(session, spec)}
            except GraderError as exc:
                answer = {"error": str(exc)}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    except KeyboardInterrupt:
        return 130
    finally:
        if session is not None:
            session.close()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
