"""`grade export classroom`: a grade report in the form GitHub Classroom's reporter reads.

GitHub Classroom's workflow ends with `classroom-resources/autograding-grading-reporter`, which
reads, for each runner id in its `runners` input, an environment variable `<RUNNER>_RESULTS`
holding base64-encoded JSON (src/main.js), adds up `tests[].score` against `max_score`
(src/notify-classroom.js: "Points X/Y") and fails the job when `status` is "fail" or "error".
The runners that ship with Classroom write that value to their step output `result`
(autograding-python-grader bin/run.sh: `echo "result=$(... | base64)" >> $GITHUB_OUTPUT`).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from grader.engine.protocol import Outcome


def classroom_result(report: dict[str, Any]) -> dict[str, Any]:
    """One runner's results from a grade report: one test per check that counts.

    Skipped checks (no GPU on GitHub's runners, a framework not installed) are left out, as the
    report leaves them out of `max_score`. A report graded with check files that differ from
    the release (a student's repository can edit them) scores nothing, and says which files."""
    modified = report.get("integrity", {}).get("modified_files", [])
    tampered = (
        f"the check files differ from the course's release ({', '.join(modified)}); "
        "restore them (git checkout) and push again"
        if modified
        else None
    )
    tests = []
    for ex in report["exercises"]:
        for check in ex["checks"]:
            if check["outcome"] == Outcome.SKIPPED:
                continue
            passed = check["outcome"] == Outcome.PASSED and tampered is None
            if passed:
                message = None
            else:
                message = tampered or f"{check['outcome']}: {check['message']}"
            tests.append(
                {
                    "name": f"{ex['id']}: {check['name']}",
                    "status": "pass" if passed else "fail",
                    "score": check["points"] if passed else 0,
                    "message": message,
                }
            )
    failed = any(t["status"] == "fail" for t in tests)
    return {
        "version": 1,
        "status": "fail" if failed else "pass",
        "max_score": report["max_score"],
        "tests": tests,
    }


def encode(result: dict[str, Any]) -> str:
    """The base64 text the reporter decodes (UTF-8 JSON, as Node's Buffer.from reads it)."""
    return base64.b64encode(json.dumps(result, ensure_ascii=False).encode("utf-8")).decode("ascii")
