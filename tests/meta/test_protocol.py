"""The protocol between supervisor and grading process: a job survives its trip as JSON, a
malformed one is refused with a reason, and ids and outcomes read back as they were written."""

from __future__ import annotations

import json

import pytest

from grader.engine.protocol import CheckId, Event, Job, Outcome

JOB = Job(
    token="t0",
    target="/tmp/grade-x/submission",
    select=("tests/test_01_lazy_evaluation.py::test_a",),
    labels={"/course/tests/test_01_lazy_evaluation.py": "tests/test_01_lazy_evaluation.py"},
    hidden=("/course/solutions",),
    hidden_after_collection=(),
    pytest_args=("-q", "--target", "/tmp/grade-x/submission"),
    startup=12.5,
    kernels="/tmp/grade-x/kernels",
)


def test_a_launched_job_round_trips_through_json():
    launched = JOB.launched(("/tmp/w", "/tmp/t"), events_fd=7)
    assert Job.from_json(launched.to_json()) == launched
    assert launched.writable == ("/tmp/w", "/tmp/t") and JOB.writable == ()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[1, 2]", "JSON object"),
        (json.dumps({"token": "t"}), "not a job"),
        (json.dumps({**json.loads(JOB.to_json()), "select": 3}), "not a job"),
        (
            json.dumps({k: v for k, v in json.loads(JOB.to_json()).items() if k != "select"}),
            "select",
        ),
        (json.dumps({**json.loads(JOB.to_json()), "shell": "rm -rf /"}), "unknown fields: shell"),
        ("{not json", "Expecting property name"),
    ],
)
def test_a_malformed_job_is_refused_with_its_reason(line, reason):
    with pytest.raises(ValueError, match=reason):
        Job.from_json(line)


def test_a_check_id_splits_at_its_first_separator_only():
    check = CheckId.parse("hidden/test_01_x.py::test_y[a::b]")
    assert (check.label, check.name) == ("hidden/test_01_x.py", "test_y[a::b]")
    assert str(check) == "hidden/test_01_x.py::test_y[a::b]"
    with pytest.raises(ValueError, match="not a check id"):
        CheckId.parse("test_y")


def test_outcomes_and_events_serialise_as_their_plain_values():
    assert (
        json.dumps({"o": Outcome.TIMEOUT, "e": Event.RESULT}) == '{"o": "timeout", "e": "result"}'
    )
    assert Outcome("crashed") is Outcome.CRASHED and f"{Outcome.PASSED}" == "passed"
    assert Outcome.SKIPPED == "skipped"  # reports read back from JSON compare equal
