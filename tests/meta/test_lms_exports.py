"""`grade export canvas|moodle`: each file goes through a port of its LMS's importer
(tests/meta/lms_importers.py, cited there rule by rule), with and without that LMS's roster.

The rosters are built here in the layouts the platforms' own exporters write:
- Canvas: instructure/canvas-lms `lib/gradebook_exporter.rb` (`GradebookExporter#csv_data`): the
  header `Student,ID,SIS User ID,SIS Login ID,Section,<Title (id)>...,Current Points,Final
  Points,...`, a `    Points Possible` row with `(read only)` under the totals, the sortable name
  ("Last, First"), a name starting with `=` written as `="..."`, the test student last;
- Moodle: moodle/moodle `grade/export/lib.php` (`grade_export::format_column_name`) and the
  layout of `grade/import/csv/tests/load_data_test.php`: `First name,Last name,ID number,
  Institution,Department,Email address,<Item (Real)>...,Last downloaded from this course`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from lms_importers import CanvasUser, MoodleUser, canvas_import, moodle_import

from grader.errors import UsageError
from grader.instructor.lines import StudentRow
from grader.instructor.lms import write_canvas_csv, write_moodle_csv
from grader.instructor.roster import read_roster

EXERCISES = [("lazy", "01 Lazy evaluation"), ("train", "02 A training loop")]
MAXIMUM = {"lazy": 14.0, "train": 26.0}

CANVAS_USERS = [
    CanvasUser(20000, "Alice Smith", "Smith, Alice", "S1000", "asmith"),
    CanvasUser(20001, "Åse Ødegård", "Ødegård, Åse", "S1001", "aodegard"),
    CanvasUser(20002, "=HYPERLINK(1)", "=HYPERLINK(1)", "S1002", "hyper"),
    CanvasUser(20003, "Ned Nothing", "Nothing, Ned", "S1003", "nnothing"),
]
CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Old quiz (777),Current Points,Final Points,"
    "Current Score,Unposted Current Score,Final Score,Unposted Final Score\r\n"
    "    Points Possible,,,,,10,(read only),(read only),(read only),(read only),(read only),"
    "(read only)\r\n"
    '"Smith, Alice",20000,S1000,asmith,MLX 101 - 02,8,8,8,80,80,80,80\r\n'
    '"Ødegård, Åse",20001,S1001,aodegard,MLX 101 - 02,,,,,,,\r\n'
    '"=""=HYPERLINK(1)""",20002,S1002,hyper,MLX 101 - 02,,,,,,,\r\n'
    '"Nothing, Ned",20003,S1003,nnothing,MLX 101 - 02,,,,,,,\r\n'
    '"Student, Test",20999,,,MLX 101 - 02,,,,,,,\r\n'
)

MOODLE_USERS = [
    MoodleUser(31, "tsingh", "tsingh@example.edu", "", "Tara", "Singh"),
    MoodleUser(32, "jlee", "jlee@example.edu", "N-2", "Jo, Jr.", "Lée"),
    MoodleUser(33, "evil", "evil@example.edu", "", "=cmd|'/C calc'!A0", "X"),
    MoodleUser(34, "nobody", "nobody@example.edu", "", "Ned", "Nothing"),
]
MOODLE_EXPORT = (
    "First name,Last name,ID number,Institution,Department,Email address,"
    '"Assignment: Lab 1 (Real)","Course total (Real)","Last downloaded from this course"\n'
    "Tara,Singh,,MLX Uni,CS,tsingh@example.edu,-,-,1733300000\n"
    '"Jo, Jr.",Lée,N-2,MLX Uni,CS,jlee@example.edu,-,-,1733300000\n'
    "=cmd|'/C calc'!A0,X,,MLX Uni,CS,evil@example.edu,-,-,1733300000\n"
    "Ned,Nothing,,MLX Uni,CS,nobody@example.edu,-,-,1733300000\n"
)


def line(student: str, name: str | None, lazy: float, train: float, **kw) -> StudentRow:
    total = lazy + train
    return StudentRow(
        student, name, "hand-in", "report", {"lazy": lazy, "train": train}, total, 40.0,
        None, [], True, **kw,
    )  # fmt: skip


@pytest.fixture
def canvas_roster(tmp_path: Path):
    path = tmp_path / "canvas.csv"
    path.write_text(CANVAS_EXPORT, encoding="utf-8")
    return read_roster(path)


@pytest.fixture
def moodle_roster(tmp_path: Path):
    path = tmp_path / "moodle.csv"
    path.write_text("\ufeff" + MOODLE_EXPORT, encoding="utf-8")
    return read_roster(path)


def test_rosters_are_recognised(canvas_roster, moodle_roster, tmp_path):
    assert canvas_roster.system == "canvas"
    assert set(canvas_roster.names) == {"asmith", "aodegard", "hyper", "nnothing"}  # no Test
    assert canvas_roster.for_canvas_user("20001") == "aodegard"
    assert canvas_roster.for_full_name("åse  ødegård") == ["aodegard"]
    assert canvas_roster.for_claim("S1000") == "asmith" and canvas_roster.for_claim("x") is None
    assert moodle_roster.system == "moodle"
    assert moodle_roster.names["tsingh@example.edu"] == "Tara Singh"
    assert moodle_roster.for_full_name("Jo, Jr. Lée") == ["jlee@example.edu"]
    assert moodle_roster.for_claim("TSINGH") == "tsingh@example.edu"  # the email's local part
    assert moodle_roster.for_claim("N-2") == "jlee@example.edu"
    generic = tmp_path / "generic.csv"
    generic.write_text("Name,Student\nCarol Cole,carol\n")
    plain = read_roster(generic)
    assert plain.system is None and plain.names == {"carol": "Carol Cole"}


def canvas_rows():
    return [
        line("asmith", "Smith, Alice", 14, 20),
        line("aodegard", "Ødegård, Åse", 7.5, 0),
        line("hyper", "=HYPERLINK(1)", 1, 1),
        line("asmith~2", "Smith, Alice", 3, 3),
        line("qzhang", "Q Zhang", 5, 5),
    ]


def test_canvas_with_its_roster_is_accepted(canvas_roster):
    out = io.StringIO()
    notes = write_canvas_csv(out, EXERCISES, MAXIMUM, canvas_rows(), canvas_roster)
    result = canvas_import(out.getvalue(), CANVAS_USERS, {777: "Old quiz"})
    assert result.accepted, result
    assert result.assignments == [("01 Lazy evaluation", "14"), ("02 A training loop", "26")]
    assert result.ignored_columns == ["Final Points"]
    assert result.matched[20000] == {"01 Lazy evaluation": "14", "02 A training loop": "20"}
    assert result.matched[20001]["01 Lazy evaluation"] == "7.5"
    assert result.matched[20003] == {"01 Lazy evaluation": "", "02 A training loop": ""}
    assert any("asmith~2" in n for n in notes) and any("qzhang" in n for n in notes)
    assert "~" not in out.getvalue() and "qzhang" not in out.getvalue()
    cells = [row[0] for row in csv.reader(io.StringIO(out.getvalue()))]
    assert all(not c.startswith("=") for c in cells)  # formula injection


def test_canvas_without_roster_matches_by_user_id():
    rows = [
        line("smithalice_20000", "smithalice", 2, 2, lms_id="20000"),
        line("aodegard", None, 1, 1),
    ]
    rows.append(line("alice~2", None, 1, 1))
    out = io.StringIO()
    notes = write_canvas_csv(out, EXERCISES, MAXIMUM, rows, None)
    result = canvas_import(out.getvalue(), CANVAS_USERS)
    assert result.accepted, result
    assert set(result.matched) == {20000, 20001}  # 20001 by its SIS Login ID
    assert any("no Canvas user id" in n and "aodegard" in n for n in notes)
    assert any("alice~2" in n for n in notes)


def test_canvas_port_rejects_the_old_grades_csv_layout():
    old = "Student,ID,SIS User ID,Section,SIS Login ID,01 Lazy\r\nAlice,20000,S1000,A,asmith,3\r\n"
    assert canvas_import(old, CANVAS_USERS).error == "Invalid header row"
    no_pp = "Student,ID,SIS User ID,SIS Login ID,Section,New\r\nA,20000,S1000,asmith,X,3\r\n"
    assert not canvas_import(no_pp, CANVAS_USERS).accepted  # no points possible


def moodle_rows():
    return [
        line("tsingh@example.edu", "Tara Singh", 14, 26),
        line("jlee@example.edu", "Jo, Jr. Lée", 7, 13),
        line("evil@example.edu", "=cmd", 0, 1),
        line("tsingh@example.edu~2", None, 1, 1),
        line("Tara Singh_1234_assignsubmission_file_", None, 1, 1),
    ]


@pytest.mark.parametrize("scale", ["points", "percent"])
def test_moodle_with_its_roster_is_accepted(moodle_roster, scale):
    out = io.StringIO()
    notes = write_moodle_csv(out, EXERCISES, MAXIMUM, moodle_rows(), moodle_roster, scale)
    text = out.getvalue()
    assert "~2" not in text and "assignsubmission" not in text and len(notes) == 2
    identity = ("Email address", "useremail")
    if scale == "points":  # onto grade items made with the exercises' maxima
        mapping = {
            "01 Lazy evaluation": 501,
            "02 A training loop": 502,
            "MLX course total (%)": "new",
        }
        result = moodle_import(text, MOODLE_USERS, identity, mapping, {501: 14, 502: 26})
    else:
        result = moodle_import(text, MOODLE_USERS, identity, {"01 Lazy evaluation": "new"})
    assert result.accepted, result
    assert set(result.grades) == {31, 32, 33, 34}
    assert result.grades[34] == {k: None for k in result.grades[34]} or not result.grades[34]
    if scale == "points":
        assert result.grades[31] == {
            "01 Lazy evaluation": 14,
            "02 A training loop": 26,
            "MLX course total (%)": 100,
        }
        assert result.grades[32]["MLX course total (%)"] == 50
    else:
        assert result.grades[32] == {"01 Lazy evaluation": 50}
    assert all(not r[0].startswith("=") for r in csv.reader(io.StringIO(text)))


def test_moodle_without_roster_keeps_plausible_ids():
    rows = [line("tsingh", "Tara", 14, 26), *moodle_rows()[3:], line("qzhang", None, 1, 1)]
    out = io.StringIO()
    notes = write_moodle_csv(out, EXERCISES, MAXIMUM, rows, None)
    result = moodle_import(
        out.getvalue(), MOODLE_USERS, ("Student ID", "username"), {"MLX course total (%)": "new"}
    )
    assert len(notes) == 2
    # qzhang is no Moodle user: the port stops there, as Moodle would, naming the value.
    assert result.error == "usermappingerror: username 'qzhang'"
    known = io.StringIO()
    write_moodle_csv(known, EXERCISES, MAXIMUM, rows[:1], None)
    assert moodle_import(
        known.getvalue(), MOODLE_USERS, ("Student ID", "username"), {"MLX course total (%)": "new"}
    ).accepted


def test_moodle_port_refuses_what_moodle_refuses():
    big = "Email address,Total\na@x,192\n"
    users = [MoodleUser(1, "a", "a@x")]
    assert moodle_import(
        big, users, ("Email address", "useremail"), {"Total": "new"}
    ).error.startswith("gradevaluetoobig")
    two_new = "Email address,A,B\na@x,1,2\n"
    result = moodle_import(two_new, users, ("Email address", "useremail"), {"A": "new", "B": "new"})
    assert result.error == "cannotmapfield: new"
    with pytest.raises(UsageError):
        write_moodle_csv(io.StringIO(), [("x", "X")], {"x": 150.0}, [], None)


# --- end to end: a real `grade collect` of a tiny class, then the exports ---------------------


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    from conftest import ROOT, run_grade

    from grader.manifest import load_course

    lazy = load_course(ROOT).exercise("lazy_evaluation")
    base = tmp_path_factory.mktemp("lms")
    for student, source in (("asmith", "solutions"), ("aodegard", "exercises")):
        folder = base / "class" / student
        folder.mkdir(parents=True)
        (folder / lazy.file).write_text((ROOT / source / lazy.file).read_text())
    roster = base / "canvas.csv"
    roster.write_text(CANVAS_EXPORT, encoding="utf-8")
    out = base / "out"
    result = run_grade(
        "collect",
        str(base / "class"),
        "--roster",
        str(roster),
        "--out-dir",
        str(out),
        "--jobs",
        "1",
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return base, out, roster, run_grade


def test_cli_exports_are_accepted(collected):
    base, out, roster, run_grade = collected
    canvas = run_grade("export", "canvas", "--out-dir", str(out), "--roster", str(roster))
    assert canvas.returncode == 0, canvas.stdout + canvas.stderr
    assert "4 student row(s)" in canvas.stdout
    result = canvas_import((out / "canvas.csv").read_text(encoding="utf-8"), CANVAS_USERS)
    assert result.accepted, result
    assert result.matched[20000]["01 Lazy evaluation"] == "14"
    assert result.matched[20001]["01 Lazy evaluation"] == "0"  # the stub
    assert result.matched[20003]["01 Lazy evaluation"] == ""  # handed nothing in
    moodle = run_grade("export", "moodle", "--out-dir", str(out), "--out", str(base / "m.csv"))
    assert moodle.returncode == 0, moodle.stdout + moodle.stderr
    users = [MoodleUser(1, "asmith", "a@x"), MoodleUser(2, "aodegard", "b@x")]
    users += [MoodleUser(3, "hyper", "c@x"), MoodleUser(4, "nnothing", "d@x")]
    imported = moodle_import(
        (base / "m.csv").read_text(encoding="utf-8"),
        users,
        ("Student ID", "username"),
        {"MLX course total (%)": "new"},
    )
    assert imported.accepted, imported
    pp = next(
        r for r in csv.reader(io.StringIO((out / "canvas.csv").read_text())) if "Points" in r[0]
    )
    course_max = sum(float(p) for p in pp[5:-1])  # the percentage is of the whole course
    assert imported.grades[1]["MLX course total (%)"] == round(100 * 14 / course_max, 2)
    missing = run_grade("export", "canvas", "--out-dir", str(base / "nowhere"))
    assert missing.returncode == 2 and "run `grade collect" in missing.stderr


def test_moodle_port_sees_a_blank_identity_take_the_row_before():
    # map_user_data_with_value skips a blank user field and keeps the previous row's studentid:
    # the port must see that, or a writer leaving an identity blank would pass unnoticed.
    text = "Email address,Total\na@x,10\n,90\n"
    users = [MoodleUser(1, "a", "a@x")]
    result = moodle_import(text, users, ("Email address", "useremail"), {"Total": "new"})
    assert result.repeated == [1] and not result.accepted
