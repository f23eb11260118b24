"""`grade collect` over a class as an LMS hands it in: who each hand-in belongs to, and a class
that grows collect by collect.

The fixtures are built here in the layouts the LMSs document and write (read from their source):
- Canvas, "Download Submissions" (instructure/canvas-lms, `ContentZipper#get_filename`): one flat
  zip, each file renamed `<sortable name>[_late]_<user id>_<attachment id>_<original name>`, the
  sortable name lower-cased without non-word characters, a resubmission of a name `-1`, `-2`...
  before the extension; the user id is the gradebook export's `ID` column.
- Canvas gradebook export (the roster): `Student,ID,SIS User ID,SIS Login ID,Section`, then a
  `    Points Possible` row, then one row per student.
- Moodle, "Download all submissions" (moodle/moodle, mod/assign `download_submissions`, "in
  folders"): `<Full name>_<participant id>_assignsubmission_file_/<files>`, online text in
  `..._assignsubmission_onlinetext_/`; the participant id is not the user's ID number.
- Moodle grades export (the roster): `First name,Last name,ID number,Institution,Department,
  Email address,...`.
Every report comes from a real `grade run`; every collect is the real CLI.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, copy_course, run_grade
from wrong_answers import build_target, wrong_answers

from grader.manifest import load_course

COURSE = load_course(ROOT)
LAZY = COURSE.exercise("lazy_evaluation")
SOLUTION = (ROOT / "solutions" / LAZY.file).read_text(encoding="utf-8")
STUB = (ROOT / "exercises" / LAZY.file).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict:
    """Two real reports of exercise 1 (the solution, a wrong answer) and a warm gradebook."""
    base = tmp_path_factory.mktemp("lms")
    right = run_grade(
        "run", LAZY.id, "--target", "solutions", "--student", "alice", report=base / "right.json"
    ).report
    wrong_dir = build_target(base / "wrong", LAZY.file, wrong_answers(LAZY.id)[0])
    wrong = run_grade(
        "run", LAZY.id, "--target", str(wrong_dir), "--student", "alice", report=base / "w.json"
    ).report
    assert right and wrong
    warm = base / "warm"
    (base / "seed").mkdir()
    (base / "seed" / "right.json").write_text(json.dumps(right))
    (base / "seed" / "wrong.json").write_text(json.dumps(wrong))
    (base / "seed" / "loose").mkdir()
    (base / "seed" / "loose" / LAZY.file).write_text(SOLUTION)
    collect(str(base / "seed"), "--out-dir", str(warm))
    return {"right": right, "wrong": wrong, "gradebook": warm / "gradebook.sqlite"}


def collect(*args: str):
    """Run `grade collect ARGS` as an instructor would."""
    return run_grade("collect", *args)


def out_dir(made: dict, path: Path) -> Path:
    """A fresh --out-dir whose gradebook already holds these tests' gradings (its cache), but
    no class yet."""
    path.mkdir(parents=True)
    shutil.copy(made["gradebook"], path / "gradebook.sqlite")
    with sqlite3.connect(path / "gradebook.sqlite") as db:
        db.execute("DELETE FROM class_lines")
    return path


def grades(out: Path) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))
    return {row["SIS Login ID"]: row for row in rows}


def flags(out: Path, student: str) -> list[tuple[str, str]]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        last = db.execute("SELECT MAX(id) FROM collections").fetchone()[0]
        return db.execute(
            "SELECT kind, detail FROM flags WHERE student = ? AND collection = ?", (student, last)
        ).fetchall()


def report_as(report: dict, student: str | None, created: str | None = None) -> str:
    data = json.loads(json.dumps(report))
    data["student"] = student
    if created is not None:
        data["created"] = created
    return json.dumps(data)


CANVAS_ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Lab 1 (12)\n"
    "    Points Possible,,,,,10\n"
    '"Singh, Tara",20133,S2013,tsingh,MLX 101 - 01,\n'
    '"Horvat, Ivan",20238,S2023,ihorvat,MLX 101 - 01,\n'
    '"Smith, Alice",20000,S1000,asmith,MLX 101 - 02,\n'
    '"Student, Test",99999,,,MLX 101 - 01,\n'
)


def test_a_canvas_download_is_filed_under_canvas_s_user_ids(made, tmp_path):
    download = tmp_path / "submissions.zip"
    with zipfile.ZipFile(download, "w") as z:
        # Tara's report says "alice": Canvas's word (user 20133) wins, and it is flagged.
        z.writestr(
            "singhtara_late_20133_900204_grade-report.json", report_as(made["right"], "alice")
        )
        # Ivan hands in exercise files, renamed by Canvas; his resubmission (-1) is the later one.
        z.writestr(f"horvativan_20238_900244_{LAZY.file}", STUB)
        z.writestr(f"horvativan_20238_900245_{LAZY.file[:-3]}-1.py", SOLUTION)
    roster = tmp_path / "canvas-roster.csv"
    roster.write_text(CANVAS_ROSTER, encoding="utf-8")
    out = out_dir(made, tmp_path / "out")
    result = collect(str(download), "--roster", str(roster), "--out-dir", str(out))
    assert "Traceback" not in result.stderr, result.stderr
    rows = grades(out)
    assert {"tsingh", "ihorvat", "asmith"} <= set(rows), rows.keys()
    assert "alice" not in rows  # the report's claim took no one's line
    assert float(rows["tsingh"][f"01 {LAZY.title}"]) == made["right"]["score"]
    assert float(rows["ihorvat"][f"01 {LAZY.title}"]) == made["right"]["score"]  # the -1 file
    kinds = dict(flags(out, "tsingh"))
    assert "identity mismatch" in kinds and "'alice'" in kinds["identity mismatch"]
    assert "no submission" in dict(flags(out, "asmith"))
    assert any("earlier resubmission" in d for _, d in flags(out, "ihorvat"))


def test_a_canvas_download_without_a_roster_uses_canvas_s_names(made, tmp_path):
    download = tmp_path / "submissions.zip"
    with zipfile.ZipFile(download, "w") as z:
        z.writestr("singhtara_20133_900204_grade-report.json", report_as(made["right"], "alice"))
        z.writestr("smithalice_20000_900300_grade-report.json", report_as(made["wrong"], "alice"))
    out = out_dir(made, tmp_path / "out")
    collect(str(download), "--out-dir", str(out))
    rows = grades(out)
    # Two people whose reports both say "alice" stay two people.
    assert set(rows) == {"singhtara_20133", "smithalice_20000"}
    assert float(rows["singhtara_20133"]["MLX course total"]) == made["right"]["score"]
    assert float(rows["smithalice_20000"]["MLX course total"]) == made["wrong"]["score"]


MOODLE_ROSTER = (
    "First name,Last name,ID number,Institution,Department,Email address,"
    "Assignment: Lab 1 (Real),Last downloaded from this course\n"
    "Tara,Singh,,Uni,CS,tara.singh@example.edu,-,1733300000\n"
    "Ivan,Horvat,7712,Uni,CS,ivan.horvat@example.edu,-,1733300000\n"
)


def test_a_moodle_download_is_matched_to_the_roster_by_full_name(made, tmp_path):
    download = tmp_path / "moodle"
    tara = download / "Tara Singh_4711_assignsubmission_file_"
    tara.mkdir(parents=True)
    (tara / "grade-report.json").write_text(report_as(made["right"], "tara.singh"))
    ivan = download / "Ivan Horvat_4712_assignsubmission_file_"
    ivan.mkdir()
    (ivan / LAZY.file).write_text(SOLUTION)
    text = download / "Ivan Horvat_4712_assignsubmission_onlinetext_"
    text.mkdir()
    (text / "onlinetext.html").write_text("<p>see my file</p>")
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(download.rglob("*")):
            z.write(path, path.relative_to(download).as_posix())
    roster = tmp_path / "moodle-roster.csv"
    roster.write_text(MOODLE_ROSTER, encoding="utf-8")
    out = out_dir(made, tmp_path / "out")
    result = collect(str(archive), "--roster", str(roster), "--out-dir", str(out))
    rows = grades(out)
    assert set(rows) == {"tara.singh@example.edu", "ivan.horvat@example.edu"}, rows.keys()
    for row in rows.values():
        assert float(row["MLX course total"]) == made["right"]["score"]
        assert "not in roster" not in row["Flags"] and "identity" not in row["Flags"], row
    assert "onlinetext" in result.stdout and "passed over" in result.stdout  # a note, no student


def test_a_whole_course_folder_is_graded_from_its_exercises(made, tmp_path):
    course = copy_course(tmp_path / "hand-ins" / "ivan")
    (course / "exercises" / LAZY.file).write_text(SOLUTION)
    out = out_dir(made, tmp_path / "out")
    result = collect(str(tmp_path / "hand-ins"), "--out-dir", str(out))
    rows = grades(out)
    assert set(rows) == {"ivan"}, (rows.keys(), result.stdout)
    assert float(rows["ivan"][f"01 {LAZY.title}"]) == made["right"]["score"]
    assert "report for another course" not in rows["ivan"]["Flags"]  # not report.schema.json


def test_the_latest_report_of_a_student_is_graded(made, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    # Found first, made later: the right answer is the latest, whatever the order.
    (folder / "b-first.json").write_text(report_as(made["right"], "tara", "2026-12-02T10:00:00Z"))
    (folder / "a-second.json").write_text(report_as(made["wrong"], "tara", "2026-12-01T10:00:00Z"))
    out = out_dir(made, tmp_path / "out")
    collect(str(folder), "--out-dir", str(out))
    rows = grades(out)
    assert set(rows) == {"tara"}  # no tara~2
    assert float(rows["tara"]["MLX course total"]) == made["right"]["score"]
    ((kind, detail),) = [f for f in flags(out, "tara") if f[0] == "duplicate id"]
    assert "b-first.json" in detail.split("graded")[1].split(";")[0]
    assert "a-second.json" in detail.split("kept, not graded")[1]


def test_collecting_more_students_adds_to_the_class(made, tmp_path):
    out = out_dir(made, tmp_path / "out")
    first = tmp_path / "first"
    first.mkdir()
    (first / "tara.json").write_text(report_as(made["right"], "tara"))
    (first / "ivan.json").write_text(report_as(made["wrong"], "ivan"))
    collect(str(first), "--out-dir", str(out))
    late = tmp_path / "late"
    late.mkdir()
    (late / "alice.json").write_text(report_as(made["right"], "alice"))
    result = collect(str(late), "--out-dir", str(out))
    rows = grades(out)
    assert set(rows) == {"tara", "ivan", "alice"}, result.stdout
    assert float(rows["ivan"]["MLX course total"]) == made["wrong"]["score"]
    assert "Collected 1 submission(s)" in result.stdout and "3 student(s)" in result.stdout


def test_a_fault_of_the_collect_itself_is_one_line_and_a_failed_collection(made, tmp_path):
    out = out_dir(made, tmp_path / "out")
    with sqlite3.connect(out / "gradebook.sqlite") as db:  # the gradebook refuses lines
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON class_lines "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "tara.json").write_text(report_as(made["right"], "tara"))
    result = collect(str(folder), "--out-dir", str(out))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]  # after the progress lines
    assert "the collect failed" in line and "database or disk is full" in line
    assert "Traceback" in (out / "collect-error.log").read_text()
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT status FROM collections ORDER BY id DESC").fetchone() == (
            "failed",
        )


def test_a_late_penalty_an_extension_and_an_override_apply_in_every_collect(made, tmp_path):
    out = out_dir(made, tmp_path / "out")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "tara.json").write_text(report_as(made["right"], "tara", "2026-12-02T10:00:00Z"))
    (folder / "ivan.json").write_text(report_as(made["right"], "ivan", "2026-12-02T10:00:00Z"))
    (folder / "alice.json").write_text(report_as(made["wrong"], "alice", "2026-12-01T09:00:00Z"))
    declared = [
        ("due", "2026-12-01T10:00", "--penalty", "10%/day"),
        ("extend", "ivan", "--until", "2026-12-03T10:00", "--reason", "ill"),
        ("override", "alice", LAZY.id, "5", "--reason", "graded by hand"),
    ]
    for args in declared:
        said = run_grade("class", *args, "--out-dir", str(out))
        assert said.returncode == 0, said.stdout + said.stderr
    full = made["right"]["score"]
    for _ in range(2):  # the policy holds in a regrade too
        collect(str(folder), "--out-dir", str(out))
        rows = grades(out)
        assert float(rows["tara"][f"01 {LAZY.title}"]) == pytest.approx(full * 0.9)  # 1 day late
        assert float(rows["ivan"][f"01 {LAZY.title}"]) == full  # on time by his extension
        assert float(rows["alice"][f"01 {LAZY.title}"]) == 5
        assert "late" in rows["tara"]["Flags"] and "late" not in rows["ivan"]["Flags"]
        assert "score set by the instructor" in rows["alice"]["Flags"]


def test_a_disguised_copy_is_a_hint_and_each_student_gets_feedback(made, tmp_path):
    from copies import disguise

    folder = tmp_path / "class"
    (folder / "tara").mkdir(parents=True)
    (folder / "tara" / LAZY.file).write_text(SOLUTION)
    (folder / "ivan").mkdir()
    (folder / "ivan" / LAZY.file).write_text(disguise(SOLUTION, seed=3))  # renamed, reformatted
    out = out_dir(made, tmp_path / "out")
    collect(str(folder), "--out-dir", str(out))
    for student, other in (("tara", "ivan"), ("ivan", "tara")):
        details = [d for k, d in flags(out, student) if k == "similar source"]
        assert len(details) == 1 and f"like {other}'s" in details[0], flags(out, student)
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "Similar sources (1)" in summary
    feedback = (out / "feedback" / "ivan.md").read_text(encoding="utf-8")
    visible = LAZY.checks[0].name
    assert visible.replace("_", "\\_") in feedback and "ivan" in feedback  # Markdown-escaped


def test_the_latest_is_judged_by_time_not_by_spelling():
    from grader.instructor.inputs import latest_first

    times = [
        "2026-12-01T10:00:00Z",
        None,
        "2026-12-02T10:30:00+01:00",
        "soon",
        "2026-12-02T10:00:00Z",
    ]
    assert sorted(times, key=latest_first)[:3] == [
        "2026-12-02T10:00:00Z",  # 10:00 UTC
        "2026-12-02T10:30:00+01:00",  # 09:30 UTC, though it reads later
        "2026-12-01T10:00:00Z",
    ]
