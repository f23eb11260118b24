"""`grade export classroom`: a grade report in the form GitHub Classroom's reporter reads.

GitHub Classroom's workflow ends with `classroom-resources/autograding-grading-reporter`, which
reads, for each runner id in its `runners` input, an environment variable `<RUNNER>_RESULTS`
holding base64-encoded JSON (src/main.js), adds up `tests[].score` against `max_score`
(src/notify-classroom.js: "Points X/Y") and fails the job when `status` is "fail" or "error".
It prints each test as `✅ <name> - line <line_no>` unless `line_no` is 0 (src/console-results.js:
a missing `line_no` prints "line undefined"), and `test_code` under it when that is not empty.

The runners that ship with Classroom write that value to their step output `result`
(autograding-python-grader bin/run.sh: `echo "result=$(... | base64)" >> $GITHUB_OUTPUT`). The
results are those of `version` 1, as education/autograding-command-grader writes them
(src/main.js, generateResult): `version`, `status`, `max_score` and `tests[]` of `name`,
`status`, `score`, `message`, `test_code`, `filename`, `line_no` and `duration` (milliseconds).
"""

from __future__ import annotations

import ast
import base64
import json
from pathlib import Path
from typing import Any

from grader.engine.protocol import CheckId, Outcome
from grader.manifest import Course


def classroom_result(report: dict[str, Any], course: Course | None = None) -> dict[str, Any]:
    """One runner's results from a grade report: one test per check that counts.

    Skipped checks (no GPU on GitHub's runners, a framework not installed) are left out, as the
    report leaves them out of `max_score`. A report graded with check files that differ from
    the release (a student's repository can edit them) scores nothing, and says which files.
    With `course`, each test names its check file and the line of the check's `def` there
    (1-based; 0 for a hidden check, or a file or check the checkout does not have)."""
    modified = report.get("integrity", {}).get("modified_files", [])
    tampered = (
        f"the check files differ from the course's release ({', '.join(modified)}); "
        "restore them (git checkout) and push again"
        if modified
        else None
    )
    lines = _CheckLines(course.root if course is not None else None)
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
            filename = CheckId.parse(check["id"]).label
            tests.append(
                {
                    "name": f"{ex['id']}: {check['name']}",
                    "status": "pass" if passed else "fail",
                    "score": check["points"] if passed else 0,
                    "message": message,
                    "test_code": "",
                    "filename": filename,
                    "line_no": 0 if check.get("hidden") else lines.of(filename, check["name"]),
                    "duration": round(float(check["duration"]) * 1000),
                }
            )
    failed = any(t["status"] == "fail" for t in tests)
    return {
        "version": 1,
        "status": "fail" if failed else "pass",
        "max_score": report["max_score"],
        "tests": tests,
    }


class _CheckLines:
    """The line of each top-level function of the course's check files, read once per file."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.files: dict[str, dict[str, int]] = {}

    def of(self, label: str, name: str) -> int:
        if label not in self.files:
            self.files[label] = self._read(label)
        return self.files[label].get(name, 0)

    def _read(self, label: str) -> dict[str, int]:
        if self.root is None:
            return {}
        path = (self.root / label).resolve()
        if not path.is_relative_to(self.root.resolve()):
            return {}  # a label naming a file outside the checkout is not looked up
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            return {}  # a missing or broken check file loses its lines, not the export
        return {
            node.name: node.lineno
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }


def encode(result: dict[str, Any]) -> str:
    """The base64 text the reporter decodes (UTF-8 JSON, as Node's Buffer.from reads it)."""
    return base64.b64encode(json.dumps(result, ensure_ascii=False).encode("utf-8")).decode("ascii")
