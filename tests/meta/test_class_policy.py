"""`grade class`: a due date, a late policy, extensions and overrides, kept in a real
gradebook.sqlite and applied by grader.instructor.deadlines (issue 16, item 4).

The LMS's late marker is Canvas's: `ContentZipper#get_filename` (instructure/canvas-lms,
lib/content_zipper.rb) puts `LATE` (older releases `late`) between the user's sortable name and
id when `submission.late?`, that is when Canvas judged the hand-in later than the student's due
date; the file name says nothing of how late. Here that marker counts as one started day late.

All times are real datetimes with an explicit UTC offset; nothing sleeps.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from conftest import ROOT, run_grade

from grader.errors import UsageError
from grader.instructor import deadlines as dl
from grader.instructor import overrides as ov
from grader.instructor.gradebook import GRADEBOOK_NAME, SCHEMA_VERSION, Gradebook
from grader.manifest import load_course

COURSE = load_course(ROOT)
LAZY = COURSE.exercises[0]
STREAMS = COURSE.exercise("streams")
DUE = datetime(2026, 12, 10, 22, 59, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)


def policy(
    penalty: float = 0.1,
    max_late: timedelta | None = None,
    grace: timedelta = timedelta(0),
    extensions: dict[str, datetime] | None = None,
    overrides: list[ov.Override] | None = None,
) -> dl.ClassPolicy:
    due = dl.DuePolicy(DUE, "UTC", penalty, max_late, grace)
    ext = {
        s: dl.Extension(s, when, "UTC", "asked in time") for s, when in (extensions or {}).items()
    }
    by_student: dict[str, dict[str, ov.Override]] = {}
    for o in overrides or []:
        by_student.setdefault(o.student, {})[o.exercise] = o
    return dl.ClassPolicy(due, ext, by_student)


# --- lateness, on hand-built cases ---


def test_on_time_and_at_the_due_date_itself():
    p = policy()
    for submitted in (DUE - timedelta(hours=3), DUE):
        late = p.lateness("alice", submitted, lms_late=False)
        assert (late.days, late.penalty, late.due) == (0.0, 0.0, DUE), late
        assert late.reason.startswith("on time")


def test_one_second_late_is_a_day_and_each_started_day_counts():
    p = policy()
    cases = [
        (SECOND, 1, 0.1),
        (timedelta(days=1), 1, 0.1),
        (timedelta(days=1) + SECOND, 2, 0.2),
        (timedelta(days=3, hours=5), 4, 0.4),
    ]
    for after, days, penalty in cases:
        late = p.lateness("alice", DUE + after, lms_late=False)
        assert (late.days, late.penalty) == (days, pytest.approx(penalty)), (after, late)
        assert late.reason == f"{days} day(s) late: -{round(penalty * 100):d}%"


def test_grace_moves_the_deadline_and_is_said():
    p = policy(grace=timedelta(minutes=15))
    within = p.lateness("alice", DUE + timedelta(minutes=15), lms_late=False)
    assert within.penalty == 0 and "within the 15 min grace period" in within.reason
    past = p.lateness("alice", DUE + timedelta(minutes=15) + SECOND, lms_late=False)
    assert (past.days, past.penalty) == (1, 0.1)
    # A day late counts from the due date plus grace.
    day = p.lateness("alice", DUE + timedelta(days=1, minutes=15), lms_late=False)
    assert day.days == 1


def test_an_extension_replaces_the_due_date_for_that_student_only():
    extended = DUE + timedelta(days=2)
    p = policy(extensions={"alice": extended})
    handed_in = DUE + timedelta(days=1)
    alice = p.lateness("alice", handed_in, lms_late=False)
    assert (alice.days, alice.penalty, alice.due) == (0, 0, extended)
    assert "extension to 2026-12-12T22:59:00Z" in alice.reason
    bob = p.lateness("bob", handed_in, lms_late=False)
    assert (bob.days, bob.due) == (1, DUE)
    late_anyway = p.lateness("alice", extended + timedelta(hours=1), lms_late=False)
    assert late_anyway.days == 1 and "extension" in late_anyway.reason


def test_past_max_late_scores_zero():
    p = policy(max_late=timedelta(days=5))
    last = p.lateness("alice", DUE + timedelta(days=5), lms_late=False)
    assert (last.days, last.penalty) == (5, pytest.approx(0.5))
    over = p.lateness("alice", DUE + timedelta(days=5) + SECOND, lms_late=False)
    assert (over.days, over.penalty) == (6, 1.0)
    assert over.reason == "6 day(s) late, more than 5 day(s): scores 0"
    adjusted = p.apply("alice", {LAZY.id: 4.0, STREAMS.id: 2.0}, _maxima(), over)
    assert adjusted.scores == {LAZY.id: 0.0, STREAMS.id: 0.0} and adjusted.total == 0
    nothing_late = policy(max_late=timedelta(0)).lateness("alice", DUE + SECOND, False)
    assert nothing_late.penalty == 1.0 and "none accepted" in nothing_late.reason


def test_the_penalty_stops_at_everything():
    late = policy(penalty=0.3).lateness("alice", DUE + timedelta(days=3, hours=1), False)
    assert (late.days, late.penalty) == (4, 1.0)


def test_canvas_late_marker_without_a_time_is_one_day():
    p = policy()
    late = p.lateness("alice", None, lms_late=True)
    assert (late.days, late.penalty) == (1, 0.1)
    assert "marked late by the LMS, no time given" in late.reason
    # No marker and no time (a folder of exercise files): nothing says late.
    assert p.lateness("alice", None, lms_late=False).penalty == 0


def test_the_lms_wins_over_a_report_time_that_says_on_time():
    p = policy()
    late = p.lateness("alice", DUE - timedelta(hours=2), lms_late=True)
    assert (late.days, late.penalty) == (1, 0.1)
    assert "though the report's time is on time" in late.reason
    # A report time later than a day counts as it says.
    assert p.lateness("alice", DUE + timedelta(days=2, hours=1), lms_late=True).days == 3


def test_an_extension_sets_the_lms_marker_aside():
    p = policy(extensions={"alice": DUE + timedelta(days=2)})
    late = p.lateness("alice", DUE + timedelta(hours=5), lms_late=True)
    assert late.penalty == 0 and "the LMS's late marker is against the date" in late.reason
    assert p.lateness("alice", None, lms_late=True).penalty == 0


def test_without_a_due_date_nothing_is_late():
    p = dl.ClassPolicy(None)
    late = p.lateness("alice", DUE + timedelta(days=40), lms_late=True)
    assert late == dl.Lateness(0.0, 0.0, None, "no due date set")


def test_a_time_without_offset_is_utc():
    p = policy()
    naive = (DUE + SECOND).replace(tzinfo=None)
    assert p.lateness("alice", naive, False).days == 1
    berlin = (DUE + SECOND).astimezone(timezone(timedelta(hours=1)))
    assert p.lateness("alice", berlin, False).days == 1


# --- apply: penalty, then overrides ---


def _maxima() -> dict[str, float]:
    return {ex.id: ex.max_score for ex in COURSE.exercises}


def test_apply_scales_each_exercise_then_puts_overrides_in():
    o = ov.Override("alice", STREAMS.id, 3.0, "regraded by hand")
    missing = COURSE.exercises[-1]
    handed_in_late = ov.Override("alice", missing.id, 1.5, "emailed in")
    p = policy(overrides=[o, handed_in_late])
    late = p.lateness("alice", DUE + timedelta(hours=30), lms_late=False)  # 2 days: -20%
    adjusted = p.apply("alice", {LAZY.id: 5.0, STREAMS.id: 1.0}, _maxima(), late)
    assert adjusted.scores == {LAZY.id: 4.0, STREAMS.id: 3.0, missing.id: 1.5}
    assert adjusted.total == pytest.approx(8.5)
    assert adjusted.overridden == [STREAMS.id, missing.id]
    assert adjusted.notes == [
        "late: 2 day(s) late: -20%",
        f"exercise {STREAMS.id}: score set to 3 by the instructor (regraded by hand)",
        f"exercise {missing.id}: score set to 1.5 by the instructor (emailed in)",
    ]
    # Someone else's overrides are not alice's, and an on-time hand-in keeps its points.
    bob = p.apply("bob", {LAZY.id: 5.0}, _maxima(), p.lateness("bob", DUE, False))
    assert (bob.scores, bob.notes, bob.overridden) == ({LAZY.id: 5.0}, [], [])


def test_an_override_is_capped_at_what_the_exercise_counts_for_here():
    o = ov.Override("alice", LAZY.id, LAZY.max_score, "full marks")
    p = policy(overrides=[o])
    maxima = dict(_maxima(), **{LAZY.id: LAZY.max_score - 1})  # a GPU check skipped here
    adjusted = p.apply("alice", {}, maxima, p.lateness("alice", DUE, False))
    assert adjusted.scores == {LAZY.id: LAZY.max_score - 1}
    assert "capped at" in adjusted.notes[0]
    gone = ov.Override("alice", "removed_exercise", 1, "old")
    kept = policy(overrides=[gone]).apply("alice", {}, maxima, dl.Lateness(0, 0, DUE, "on time"))
    assert kept.scores == {} and "not applied" in kept.notes[0]


# --- the tables, in a real gradebook ---


def test_everything_survives_reopening_the_gradebook(tmp_path):
    path = tmp_path / GRADEBOOK_NAME
    book = Gradebook(path)
    dl.set_due(
        book.db, dl.DuePolicy(DUE, "Europe/Berlin", 0.1, timedelta(days=5), timedelta(minutes=15))
    )
    dl.set_extension(book.db, dl.Extension("alice", DUE + timedelta(days=3), "UTC", "ill"))
    ov.set_override(book.db, ov.Override("bob", STREAMS.id, 2.5, "regraded by hand"))
    book.close()
    for _ in range(2):  # two collects, each reading the policy once
        book = Gradebook(path)
        loaded = dl.load_policy(book.db)
        book.close()
        assert loaded.due is not None
        assert (loaded.due.due, loaded.due.zone, loaded.due.penalty_per_day) == (
            DUE,
            "Europe/Berlin",
            0.1,
        )
        assert (loaded.due.max_late, loaded.due.grace) == (timedelta(days=5), timedelta(minutes=15))
        assert loaded.extensions["alice"].due == DUE + timedelta(days=3)
        kept = loaded.overrides["bob"][STREAMS.id]
        assert (kept.points, kept.reason) == (2.5, "regraded by hand") and kept.set_at
        adjusted = loaded.apply(
            "bob", {STREAMS.id: 0.0}, _maxima(), loaded.lateness("bob", DUE, False)
        )
        assert adjusted.scores[STREAMS.id] == 2.5
    with sqlite3.connect(path) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (SCHEMA_VERSION,)


def test_clearing_takes_each_back(tmp_path):
    book = Gradebook(tmp_path / GRADEBOOK_NAME)
    try:
        assert not dl.clear_due(book.db) and not dl.clear_extension(book.db, "alice")
        dl.set_due(book.db, dl.DuePolicy(DUE, "UTC", 0.1, None, timedelta(0)))
        ov.set_override(book.db, ov.Override("bob", LAZY.id, 1, "x"))
        assert dl.clear_due(book.db) and ov.clear_override(book.db, "bob", LAZY.id)
        assert dl.load_policy(book.db) == dl.ClassPolicy(None, {}, {})
    finally:
        book.close()


def test_damaged_rows_say_how_to_set_them_again(tmp_path):
    book = Gradebook(tmp_path / GRADEBOOK_NAME)
    try:
        dl.ensure_tables(book.db)
        book.db.execute("INSERT INTO due_policy VALUES (1, 'yesterday', 'UTC', 0.1, NULL, 0, '')")
        with pytest.raises(dl.ReportError, match="grade class due"):
            dl.load_policy(book.db)
    finally:
        book.close()


# --- what the instructor types ---


def test_dates_and_zones():
    assert dl.parse_when("2026-12-10T23:59", "Europe/Berlin") == (DUE, "Europe/Berlin")
    summer = dl.parse_when("2026-07-10T23:59", "Europe/Berlin")[0]
    assert summer == datetime(2026, 7, 10, 21, 59, tzinfo=timezone.utc)  # CEST, UTC+2
    assert dl.parse_when("2026-12-10 22:59")[0] == DUE
    assert dl.parse_when("2026-12-10T22:59Z")[0] == DUE
    assert dl.parse_when("2026-12-10T23:59+01:00")[0] == DUE
    assert dl.parse_when("2026-12-11T04:29", "+05:30") == (DUE, "UTC+05:30")
    assert dl.parse_when("2026-12-10")[0] == datetime(2026, 12, 10, 23, 59, 59, tzinfo=timezone.utc)
    assert dl.report_time("2026-12-10T22:59:00Z") == DUE
    assert dl.report_time("2026-12-10T22:59:00") == DUE
    for junk in (None, 17, "", "yesterday", "2026-12-10T22:59:00Z" * 5, "\ud800" * 12):
        assert dl.report_time(junk) is None


@pytest.mark.parametrize(
    "call, says",
    [
        (lambda: dl.parse_when("2026-13-10"), "2026-12-10T23:59"),
        (lambda: dl.parse_when("next friday"), "2026-12-10T23:59"),
        (lambda: dl.parse_when("2026-12-10T23:59Z", "Europe/Berlin"), "keep one"),
        (lambda: dl.parse_zone("Mars/Olympus"), "--tz Europe/Berlin"),
        (lambda: dl.parse_zone("../../etc/passwd"), "--tz Europe/Berlin"),
        (lambda: dl.parse_zone("+25:00"), "--tz +01:00"),
        (lambda: dl.parse_penalty("150%"), "10%/day"),
        (lambda: dl.parse_penalty("0.1"), "10%/day"),
        (lambda: dl.parse_penalty("-5%"), "10%/day"),
        (lambda: dl.parse_duration("5x", "--max-late", "d", dl.MAX_LATE), "5d"),
        (lambda: dl.parse_duration("9" * 400 + "d", "--max-late", "d", dl.MAX_LATE), "too long"),
        (lambda: dl.parse_duration("2d", "--grace", "m", dl.MAX_GRACE), "at most 1 day"),
        (lambda: ov.new_override(COURSE, "a", "nope", "1", "r"), "grade list"),
        (lambda: ov.new_override(COURSE, "a", "1", "-1", "r"), f"0 to {LAZY.max_score:g}"),
        (lambda: ov.new_override(COURSE, "a", "1", "999", "r"), f"0 to {LAZY.max_score:g}"),
        (lambda: ov.new_override(COURSE, "a", "1", "nan", "r"), "give points"),
        (lambda: ov.new_override(COURSE, "a", "1", "1", "  "), "--reason"),
    ],
)
def test_wrong_input_says_what_to_write(call, says):
    with pytest.raises(UsageError, match=None) as caught:
        call()
    assert says in str(caught.value), str(caught.value)


def test_inputs_that_are_right():
    assert dl.parse_penalty("10%/day") == pytest.approx(0.1)
    assert dl.parse_penalty("2.5 % / d") == pytest.approx(0.025)
    assert dl.parse_duration("36h", "--max-late", "d", dl.MAX_LATE) == timedelta(hours=36)
    assert dl.parse_duration("5", "--max-late", "d", dl.MAX_LATE) == timedelta(days=5)
    assert dl.parse_duration("15", "--grace", "m", dl.MAX_GRACE) == timedelta(minutes=15)
    o = ov.new_override(COURSE, "alice", "exercises/04_streams.py", "2", " by\nhand ")
    assert (o.exercise, o.points, o.reason) == (STREAMS.id, 2.0, "by hand")


# --- the CLI, end to end, on a real gradebook ---


def grade(*args: str):
    return run_grade("class", *args, cwd=ROOT, timeout=60)


def test_the_cli_declares_shows_and_clears(tmp_path):
    out = tmp_path / "gradebook"
    d = ["--out-dir", str(out)]
    shown = grade("show", *d)
    assert shown.returncode == 0 and "Due: none set" in shown.stdout
    assert not out.exists(), "show must not create a gradebook"

    set_due = grade(
        "due", "2026-12-10T23:59", "--tz", "Europe/Berlin", "--penalty", "10%/day",
        "--max-late", "5d", "--grace", "15m", *d,
    )  # fmt: skip
    assert set_due.returncode == 0, set_due.stderr
    assert "2026-12-10 23:59 Europe/Berlin (2026-12-10T22:59:00Z), grace 15 min" in set_due.stdout
    assert "-10% per started day late; more than 5 day(s) late scores 0" in set_due.stdout

    hostile = "mallory\x1b]0;pwned\x07"
    extend = grade("extend", hostile, "--until", "2026-12-13", "--reason", "ill", *d)
    assert extend.returncode == 0, extend.stderr
    assert (
        "\x1b" not in extend.stdout + extend.stderr and "mallory\\x1b]0;pwned\\x07" in extend.stdout
    )
    assert "no collect has run into this gradebook yet" in extend.stderr

    over = grade("override", "bob", "4", "2.5", "--reason", "regraded by hand", *d)
    assert over.returncode == 0, over.stderr
    assert (
        f"exercise {STREAMS.id}: score set to 2.5 by the instructor (regraded by hand)"
        in over.stdout
    )

    shown = grade("show", *d)
    assert shown.returncode == 0, shown.stderr
    assert "Extensions: 1" in shown.stdout and "Overrides: 1" in shown.stdout
    assert (
        "mallory\\x1b]0;pwned\\x07: until 2026-12-13 23:59:59 Europe/Berlin (2026-12-13T22:59:59Z) (ill)"
        in shown.stdout
    )
    assert f"bob: {STREAMS.id} = 2.5 (regraded by hand)" in shown.stdout

    # What the CLI wrote is what a collect reads: a gradebook that opens as one.
    book = Gradebook(out / GRADEBOOK_NAME)
    try:
        loaded = dl.load_policy(book.db)
    finally:
        book.close()
    assert loaded.due is not None and loaded.due.due == DUE
    assert loaded.extensions[hostile].due == datetime(2026, 12, 13, 22, 59, 59, tzinfo=timezone.utc)
    assert loaded.overrides["bob"][STREAMS.id].points == 2.5

    # An extension's local time is in the class due date's zone (Berlin, UTC+1 in December).
    local = grade("extend", "carol", "--until", "2026-12-12T23:59", *d)
    assert "2026-12-12 23:59 Europe/Berlin (2026-12-12T22:59:00Z)" in local.stdout, local.stdout
    assert grade("extend", "carol", "--clear", *d).returncode == 0

    cleared = grade("override", "bob", "streams", "--clear", *d)
    assert cleared.returncode == 0 and "the grading counts again" in cleared.stdout
    assert grade("extend", hostile, "--clear", *d).returncode == 0
    assert grade("due", "--clear", *d).stdout.strip() == "Due date removed."
    shown = grade("show", *d)
    assert "Due: none set" in shown.stdout and "Extensions: 0" in shown.stdout
    assert "Overrides: 0" in shown.stdout


@pytest.mark.parametrize(
    "args, says",
    [
        (["due", "2026-12-32"], "write it as 2026-12-10T23:59"),
        (["due", "2026-12-10", "--penalty", "110%/day"], "--penalty 10%/day"),
        (["due", "2026-12-10", "--tz", "Nowhere/Land"], "--tz Europe/Berlin"),
        (["due", "2026-12-10", "--max-late", "five days"], "--max-late 5d"),
        (["due"], "grade class due 2026-12-10T23:59"),
        (["due", "2026-12-10", "--clear"], "not both"),
        (["extend", "alice"], "--until"),
        (["extend", "alice", "--until", "soon"], "write it as 2026-12-10T23:59"),
        (
            ["override", "alice", "lazy_evalution", "1", "--reason", "x"],
            "did you mean 'lazy_evaluation'",
        ),
        (
            ["override", "alice", "1", str(LAZY.max_score + 1), "--reason", "x"],
            f"from 0 to {LAZY.max_score:g}",
        ),
        (["override", "alice", "1", "1"], "--reason"),
        (["override", "", "1", "1", "--reason", "x"], "student's id"),
    ],
)
def test_the_cli_refuses_wrong_input_in_one_line(tmp_path, args, says):
    result = grade(*args, "--out-dir", str(tmp_path / "gradebook"))
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert says in lines[0], lines[0]
    assert not (tmp_path / "gradebook" / GRADEBOOK_NAME).exists()


def test_a_file_that_is_no_gradebook_is_left_alone(tmp_path):
    (tmp_path / GRADEBOOK_NAME).write_bytes(b"not sqlite at all" * 100)
    result = grade("due", "2026-12-10", "--out-dir", str(tmp_path))
    assert result.returncode == 3 and "is not a gradebook" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / GRADEBOOK_NAME).read_bytes() == b"not sqlite at all" * 100
