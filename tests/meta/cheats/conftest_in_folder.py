"""Class: a conftest.py handed in next to the exercise files.

Gain: pytest loads it as a plugin of the grading process (the graded folder's path reaches
pytest's command line), and its hook turns every check's outcome into "passed".
"""

# ruff: noqa
EXERCISE = "lazy_evaluation"
BASE = "stub"
WITNESSES = ["inplace_updates"]
FILES = {
    "conftest.py": """
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None
    call.excinfo = None


def pytest_json_runtest_metadata(item, call):
    call.excinfo = None
    return {}
""",
    "pytest.ini": "[pytest]\naddopts = -p no:randomly\n",
}

# --- attack ---
