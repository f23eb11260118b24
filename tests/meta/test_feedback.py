"""Per-student feedback (issue 16, item 4), from a report the real grading made: the visible
checks' outcomes and messages, inert whatever they hold, and of the hidden checks only how many
there are and what they are worth."""

from __future__ import annotations

import copy
import shutil
import subprocess

import pytest
from conftest import ROOT, copy_solutions, grade_report

from grader.instructor.feedback import feedback_html, feedback_markdown
from grader.manifest import load_course

COURSE = load_course(ROOT)
HOSTILE = "```\n</pre><script>alert(1)</script>\n\x1b[2J\x1b]0;Score: 142/142\x07 **bold** [x](http://e)\n````"
SECRET = "test_secret_hidden_case"


@pytest.fixture(scope="module")
def report(grading_session, tmp_path_factory) -> dict:
    target = copy_solutions(tmp_path_factory.mktemp("feedback") / "sub")
    made = copy.deepcopy(grade_report(grading_session, target, "lazy_evaluation"))
    made["student"] = "alice<img src=x>"
    exercise = made["exercises"][0]
    exercise["checks"][0]["message"] = HOSTILE
    exercise["checks"][0]["outcome"] = "failed"
    exercise["checks"].append(
        {"id": f"hidden/test_01.py::{SECRET}", "name": SECRET, "outcome": "failed",
         "points": 0.0, "max_points": 3.0, "message": "the hidden secret message",
         "duration": 0.1, "hidden": True}
    )  # fmt: skip
    return made


def test_markdown_shows_visible_checks_and_hides_hidden_ones(report):
    text = feedback_markdown(report, COURSE, notes=["Late by 2 days: 10% off"])
    exercise = report["exercises"][0]
    visible = [c for c in exercise["checks"] if not c["hidden"]]
    assert len(visible) >= 2
    for check in visible[1:]:
        assert check["name"].replace("_", "\\_") in text
    assert SECRET.replace("_", "\\_") not in text and SECRET not in text
    assert "hidden secret" not in text
    assert "1 hidden check also counted, worth 3 points in total" in text
    assert "Late by 2 days" in text and "Lazy evaluation" in text.replace("\\", "")
    # The hostile message: no raw escape character, a fence longer than its backtick runs.
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text
    assert "`````text\n" in text
    fence_open = text.index("`````text\n")
    assert text.index("\n`````", fence_open + 1) > text.index("alert(1)")
    assert "alice\\<img src=x\\>" in text


def test_html_is_inert_and_hides_hidden_checks(report, tmp_path):
    page = feedback_html(report, COURSE, notes=["<b>override</b>"])
    assert "<script>" not in page and "<img" not in page and "<b>override" not in page
    assert "&lt;script&gt;" in page and "\x1b" not in page
    assert SECRET not in page and "hidden secret" not in page
    assert "1 hidden check also counted" in page
    browser = next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium): page not rendered")
    path = tmp_path / "feedback.html"
    path.write_text(page, encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}"]  # fmt: skip
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<script>" not in dom.stdout and "alert(1)" in dom.stdout


def test_a_malformed_report_still_gives_feedback():
    text = feedback_markdown({"exercises": [None, {"checks": [None, {"name": 3}]}]}, COURSE)
    assert "feedback for" in text
    assert "<html" in feedback_html({}, COURSE)
