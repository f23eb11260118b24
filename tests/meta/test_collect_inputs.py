"""`grade collect` on hostile input (issue 16): each bad input is one flagged student or one
note, in bounded time and memory, and the rest of the class is graded.

Every test builds a small class of one honest report (alice's, made by a real `grade run`) and
one bad input, runs the real CLI on it, and checks that alice is graded, the bad input is one
flag or note, grades.csv is written and the collection ends 'finished'. The first collect fills
a gradebook whose cache the others copy, so no test but the first grades anything.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, copy_course, run_grade

from grader.manifest import load_course

COURSE = load_course(ROOT)
LAZY = COURSE.exercise("lazy_evaluation")


@dataclass
class Base:
    folder: Path
    alice: dict  # a real report of the solution to exercise 1
    gradebook: Path  # a gradebook that holds alice's grading


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Base:
    folder = tmp_path_factory.mktemp("inputs")
    made = run_grade(
        "run", LAZY.id, "--target", "solutions", "--student", "alice",
        report=folder / "alice.json",
    )  # fmt: skip
    assert made.report is not None, made.stdout + made.stderr
    out = folder / "first"
    first = run_grade("collect", str(folder / "alice.json"), "--out-dir", str(out))
    assert first.returncode in (0, 1), first.stdout + first.stderr
    return Base(folder, made.report, out / "gradebook.sqlite")


def _class(base: Base, tmp_path: Path) -> Path:
    """A class folder holding alice's report, for a test to add its bad input to."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.json").write_text(json.dumps(base.alice), encoding="utf-8")
    return folder


def _collect(base: Base, tmp_path: Path, *paths: Path, timeout: float = 120):
    """Collect `paths` into a copy of the base gradebook; check what every bad input must leave:
    alice graded, grades.csv, a finished collection, no traceback."""
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(base.gradebook, out / "gradebook.sqlite")
    result = run_grade("collect", *map(str, paths), "--out-dir", str(out), timeout=timeout)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    rows = {
        row["SIS Login ID"]: row
        for row in csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))
    }
    assert float(rows["alice"]["MLX course total"]) == base.alice["score"] > 0
    with sqlite3.connect(out / "gradebook.sqlite") as conn:
        status = conn.execute("SELECT status FROM collections ORDER BY id DESC").fetchone()[0]
    assert status == "finished"
    return result, rows, out


def _flags(out: Path, student: str | None) -> list[tuple[str, str]]:
    with sqlite3.connect(out / "gradebook.sqlite") as conn:
        last = conn.execute("SELECT MAX(id) FROM collections").fetchone()[0]
        return conn.execute(
            "SELECT kind, detail FROM flags WHERE collection = ? AND student IS ? "
            "AND kind NOT IN ('same source as others', 'duplicate id')",
            (last, student),
        ).fetchall()


def _report_of(base: Base, student: str) -> dict:
    report = json.loads(json.dumps(base.alice))
    report["student"] = student
    return report


def test_a_lone_surrogate_in_a_source_is_an_unreadable_report(base, tmp_path):
    folder = _class(base, tmp_path)
    bob = _report_of(base, "bob")
    bob["exercises"][0]["source"] += "\n# \ud800\n"
    (folder / "bob.json").write_text(json.dumps(bob))  # JSON spells it "\ud800"
    _, rows, out = _collect(base, tmp_path, folder)
    assert rows["bob"]["MLX course total"] == ""  # not graded
    [(kind, detail)] = _flags(out, "bob")
    assert kind == "unreadable report" and "lone surrogate (\\ud800" in detail


def test_a_lone_surrogate_in_a_student_id_is_shown_escaped_and_said(base, tmp_path):
    folder = _class(base, tmp_path)
    (folder / "bob.json").write_text(json.dumps(_report_of(base, "b\ud800ob")))
    result, rows, out = _collect(base, tmp_path, folder)
    assert float(rows["b\\ud800ob"]["MLX course total"]) == base.alice["score"]
    [(kind, detail)] = _flags(out, "b\\ud800ob")
    assert kind == "invalid report" and "lone surrogates" in detail
    assert "b\\ud800ob" in result.stdout


def test_a_folder_name_that_is_not_utf8_is_shown_with_the_byte_escaped(base, tmp_path):
    folder = _class(base, tmp_path)
    student = os.fsencode(folder) + b"/caf\xe9"
    try:
        os.mkdir(student)
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8 (APFS does)")
    shutil.copy(ROOT / "solutions" / LAZY.file, os.path.join(student, os.fsencode(LAZY.file)))
    result, rows, out = _collect(base, tmp_path, folder)
    assert float(rows["caf\\xe9"]["MLX course total"]) == base.alice["score"]
    assert _flags(out, "caf\\xe9") == []
    with sqlite3.connect(out / "gradebook.sqlite") as conn:
        origins = [o for (o,) in conn.execute("SELECT origin FROM submissions")]
    assert any(o.endswith("class/caf\\xe9") for o in origins), origins
    assert "caf\\xe9" in result.stdout or "caf\\xe9" in (out / "summary.html").read_text()


def test_absurd_numbers_are_an_invalid_report_and_believed_nowhere(base, tmp_path):
    folder = _class(base, tmp_path)
    bob = _report_of(base, "bob")
    bob["score"] = 10**400  # a JSON int no float can hold
    bob["exercises"][0]["checks"][0]["points"] = float("inf")  # written as Infinity
    (folder / "bob.json").write_text(json.dumps(bob))
    _, rows, out = _collect(base, tmp_path, folder)
    assert float(rows["bob"]["MLX course total"]) == base.alice["score"]  # its source, regraded
    flags = dict(_flags(out, "bob"))
    assert "a 401-digit number" in flags["invalid report"]
    assert "exercises/0/checks/0/points: inf" in flags["invalid report"]


def _peak_rss_of(command: list[str]) -> tuple[subprocess.CompletedProcess, int]:
    """Run `command` from a fresh interpreter and return its result and the peak resident set
    size (bytes) of the command and its children, as getrusage counts it."""
    probe = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr)\n"
        "kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print('PEAK', kib * (1 if sys.platform == 'darwin' else 1024))\n"
        "sys.exit(p.returncode)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, *command], cwd=ROOT, capture_output=True, text=True,
        timeout=300, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    peak = int(proc.stdout.rsplit("PEAK ", 1)[1])
    return proc, peak


def test_a_report_of_150000_empty_objects_is_refused_before_the_schema(base, tmp_path):
    folder = _class(base, tmp_path)
    many = {"schema_version": 2, "student": "bob", "course": base.alice["course"]}
    (folder / "bob.json").write_text(json.dumps({**many, "exercises": [{}] * 150_000}))
    (folder / "carl.json").write_text(json.dumps([{}] * 150_000))
    _collect(base, tmp_path, folder)  # the common checks, on the CLI as run_grade runs it
    out = tmp_path / "measured"
    out.mkdir()
    shutil.copy(base.gradebook, out / "gradebook.sqlite")
    command = [sys.executable, "-c", "from grader.cli import main; main()", "collect",
               str(folder), "--out-dir", str(out), "--jobs", "1"]  # fmt: skip
    proc, peak = _peak_rss_of(command)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # Before the bound: 5.9 GB and 44 s for bob's report alone. Now: tens of MB.
    assert peak < 512 << 20, f"peak RSS {peak >> 20} MiB"
    [(kind, detail)] = _flags(out, "bob")
    assert kind == "invalid report" and "150000 items" in detail
    assert _flags(out, "carl") == [("invalid report", "JSON, but not a report object")]


def test_one_bad_member_of_a_class_zip_is_left_out_and_named(base, tmp_path):
    archive = tmp_path / "class.zip"
    long_name = "x" * 300 + ".json"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("class/alice.json", json.dumps(base.alice))
        bundle.writestr(f"class/{long_name}", json.dumps(_report_of(base, "long")))
        with bundle.open("class/mallory.json", "w", force_zip64=True) as member:
            for _ in range(17):  # 17 MiB of zeros, past the 16 MiB per-member cap
                member.write(b"\0" * (1 << 20))
    result, rows, out = _collect(base, tmp_path, archive)
    assert set(rows) == {"alice"}
    [(kind, note)] = _flags(out, None)
    assert kind == "input" and note.startswith(f"{archive}: 2 member(s) left out")
    assert "class/mallory.json unpacks to 17825792 bytes" in note
    assert "has a name too long" in note and "xxxx…xxxx" in note
    assert "2 member(s) left out" in result.stdout


def test_a_named_pipe_is_never_opened(base, tmp_path):
    folder = _class(base, tmp_path)
    os.mkfifo(folder / "bob.json")
    os.mkfifo(folder / "carl.zip")
    _, rows, out = _collect(base, tmp_path, folder, timeout=120)  # a hang fails at 120 s
    [(kind, detail)] = _flags(out, "bob")
    assert kind == "unreadable report" and "not a regular file but a named pipe" in detail
    notes = [detail for _, detail in _flags(out, None)]
    assert any("carl.zip: not a readable zip (not a regular file" in n for n in notes), notes


def test_a_stale_report_names_the_check_files_that_differ(base, tmp_path):
    student_course = copy_course(tmp_path / "course")
    check = student_course / LAZY.check_file
    check.write_text(check.read_text() + "\n# the student's copy of the checks\n")
    made = run_grade(
        "run", LAZY.id, "--target", "solutions", "--student", "bob",
        cwd=student_course, report=tmp_path / "bob.json",
    )  # fmt: skip
    assert made.report is not None, made.stdout + made.stderr
    assert LAZY.check_file in made.report["course"]["files"]
    folder = _class(base, tmp_path)
    (folder / "bob.json").write_text(json.dumps(made.report))
    old = json.loads(json.dumps(made.report))
    old["student"] = "carl"
    del old["course"]["files"]  # as reports made before the map was written
    (folder / "carl.json").write_text(json.dumps(old))
    _, rows, out = _collect(base, tmp_path, folder)
    assert float(rows["bob"]["MLX course total"]) == base.alice["score"]
    bob = dict(_flags(out, "bob"))["stale course version"]
    assert f"other checks: {LAZY.check_file} differ from yours" in bob, bob
    carl = dict(_flags(out, "carl"))["stale course version"]
    assert "does not say which files" in carl and "version" not in carl
    assert "stale course version" not in dict(_flags(out, "alice"))
