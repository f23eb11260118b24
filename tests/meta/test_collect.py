"""`grade collect`: a class's reports, folders and zips into a verified gradebook.

Everything is real: reports come from real `grade run`s (the solutions, the stubs, a wrong
answer), the class is a real zip, the gradebook a real SQLite file, and summary.html is opened in
a real headless Chromium. Few gradings: most tests start from a copy of the first collect's
gradebook, whose cache then spares them any grading.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, run_grade
from wrong_answers import build_target, wrong_answers

from grader.manifest import load_course

COURSE = load_course(ROOT)
LAZY = COURSE.exercise("lazy_evaluation")
# Reports of three exercises keep the module quick; the logic is the same for ten.
SUBSET = [ex for ex in COURSE.exercises if ex.id != "training_loop"][:3]
N_EXERCISES = len(SUBSET)
IDS = [ex.id for ex in SUBSET]


@dataclass
class Class:
    """The reports made once for this module, and the first collect over a zip of the class."""

    base: Path
    alice: dict  # solutions, every exercise
    bob: dict  # the stubs, every exercise
    carol: dict  # a wrong answer to exercise 1, graded alone
    zip: Path
    out: Path  # --out-dir of the first collect
    first: object  # its GradeRun


def _report(args: list[str], path: Path) -> dict:
    result = run_grade("run", *args, report=path)
    assert result.report is not None, (
        f"grade run wrote no report:\n{result.stdout}\n{result.stderr}"
    )
    return result.report


def _write(path: Path, data: dict | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _build_class(base: Path, alice: dict, bob: dict, carol: dict) -> Path:
    folder = base / "class"
    _write(folder / "alice" / "grade-report.json", alice)
    # As Canvas names a download: Canvas's word (user 1234) wins over the report's ("bob").
    _write(folder / "bob_1234_5678_grade-report.json", bob)
    _write(folder / "carol.json", carol)
    for ex in SUBSET:
        _write(folder / "dave" / "exercises" / ex.file, (ROOT / "solutions" / ex.file).read_text())
    _write(folder / "erin.json", '{"schema_version": 2, "student": "erin", ')
    frank = json.loads(json.dumps(alice))
    frank["student"], frank["course"]["name"] = "frank", "another-course"
    _write(folder / "frank.json", frank)
    # gina claims full marks on carol's wrong answer: the score fields agree with each other.
    gina = json.loads(json.dumps(carol))
    gina["student"] = "gina"
    for exercise in gina["exercises"]:
        for check in exercise["checks"]:
            check["outcome"], check["points"], check["message"] = "passed", check["max_points"], ""
        exercise["score"] = sum(c["points"] for c in exercise["checks"])
    gina["score"] = sum(e["score"] for e in gina["exercises"])
    _write(folder / "gina.json", gina)
    # hal edits a source after grading and keeps the old digest.
    hal = json.loads(json.dumps(alice))
    hal["student"] = "hal"
    hal["exercises"][0]["source"] += "\n# changed after grading\n"
    _write(folder / "hal.json", hal)
    (folder / "empty").mkdir()
    _write(folder / "notes.txt", "not a submission")
    _write(folder / ".DS_Store", "junk")
    _write(folder / "__MACOSX" / "._alice", "junk")
    archive = base / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.rglob("*")):
            bundle.write(path, path.relative_to(base).as_posix())  # folders too: empty/ must stay
    return archive


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Class:
    base = tmp_path_factory.mktemp("collect")
    alice = _report([*IDS, "--target", "solutions", "--student", "alice"], base / "alice.json")
    stubs = shutil.copytree(ROOT / "exercises", base / "stubs",
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    bob = _report([*IDS, "--target", str(stubs), "--student", "bob"], base / "bob.json")
    carol_dir = build_target(base / "carol", LAZY.file, wrong_answers(LAZY.id)[0])
    carol = _report(
        [LAZY.id, "--target", str(carol_dir), "--student", "carol"], base / "carol.json"
    )
    archive = _build_class(base, alice, bob, carol)
    out = base / "out"
    first = collect(str(archive), "--out-dir", str(out), "--jobs", "2")
    return Class(base, alice, bob, carol, archive, out, first)


def collect(*args: str, cwd: Path = ROOT):
    """Run `grade collect ARGS` as an instructor would."""
    return run_grade("collect", *args, cwd=cwd)


def db(out: Path) -> sqlite3.Connection:
    return sqlite3.connect(out / "gradebook.sqlite")


def grades(out: Path) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))
    return {row["SIS Login ID"]: row for row in rows}


def flags_of(out: Path, student: str, collection: int | None = None) -> set[str]:
    with db(out) as conn:
        last = collection or conn.execute("SELECT MAX(id) FROM collections").fetchone()[0]
        return {
            kind
            for (kind,) in conn.execute(
                "SELECT kind FROM flags WHERE student = ? AND collection = ?", (student, last)
            )
        }


def reuse_gradebook(klass: Class, out: Path) -> Path:
    """A new --out-dir holding a copy of the first collect's gradebook (and so its cache), its
    class's lines taken out: the collect under test makes the class."""
    out.mkdir(parents=True)
    shutil.copy(klass.out / "gradebook.sqlite", out / "gradebook.sqlite")
    with sqlite3.connect(out / "gradebook.sqlite") as conn:
        conn.execute("DELETE FROM class_lines")
    return out


def test_a_zipped_class_is_regraded_and_flagged(klass, validate):
    first = klass.first
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Traceback" not in first.stderr
    rows = grades(klass.out)
    assert set(rows) == {
        "alice", "bob_1234", "carol", "dave", "empty", "erin", "frank", "gina", "hal"
    }  # fmt: skip
    # Verified scores equal the honest claims; the folder of solutions scores as alice's report.
    assert float(rows["alice"]["MLX course total"]) == klass.alice["score"] > 0
    assert float(rows["dave"]["MLX course total"]) == klass.alice["score"]
    assert rows["bob_1234"]["Student"] == "bob"  # the report's id is the name shown
    assert float(rows["bob_1234"]["MLX course total"]) == klass.bob["score"] == 0
    assert float(rows["carol"]["MLX course total"]) == klass.carol["score"]
    assert rows["carol"][f"01 {LAZY.title}"] == f"{klass.carol['score']:g}"
    assert rows["erin"]["MLX course total"] == rows["frank"]["MLX course total"] == ""
    # Each student's flags.
    assert "claimed score differs" not in flags_of(klass.out, "alice")
    assert "same source as others" in flags_of(klass.out, "alice")
    assert "same source as others" in flags_of(klass.out, "dave")
    assert "same source as others" not in flags_of(
        klass.out, "bob_1234"
    )  # untouched stubs are no hint
    assert "claimed score differs" in flags_of(klass.out, "gina")
    assert float(rows["gina"]["MLX course total"]) == klass.carol["score"]
    assert "sources do not match digests" in flags_of(klass.out, "hal")
    assert "report for another course" in flags_of(klass.out, "frank")
    assert "unreadable report" in flags_of(klass.out, "erin")
    assert "no submission" in flags_of(klass.out, "empty")
    assert "notes.txt: not a report, folder or zip; passed over" in first.stdout
    assert "__MACOSX" not in first.stdout and ".DS_Store" not in first.stdout
    # One grading per distinct (exercise, source): alice's, the stubs, carol's and hal's edit.
    with db(klass.out) as conn:
        assert conn.execute("SELECT COUNT(*) FROM gradings").fetchone()[0] == 2 * N_EXERCISES + 2
        assert conn.execute("SELECT graded, status FROM collections").fetchall() == [
            (2 * N_EXERCISES + 2, "finished")
        ]
        outcomes = conn.execute(
            "SELECT COUNT(*) FROM student_outcomes WHERE student = 'dave'"
        ).fetchone()[0]
        assert outcomes == sum(len(ex.checks) for ex in SUBSET)
    # Verified reports: the same schema, and each source matches its digest.
    reports = sorted((klass.out / "reports").glob("*.json"))
    assert [p.stem for p in reports] == ["alice", "bob_1234", "carol", "dave", "gina", "hal"]
    for path in reports:
        report = json.loads(path.read_text())
        validate(report)
        for exercise in report["exercises"]:
            assert (
                exercise["submission_sha256"]
                == hashlib.sha256(exercise["source"].encode()).hexdigest()
            )
    checks = list(csv.DictReader(io.StringIO((klass.out / "checks.csv").read_text())))
    assert {row["exercise"] for row in checks} == {ex.id for ex in COURSE.exercises}
    handed_in = [row for row in checks if row["exercise"] in IDS]
    assert all(0 <= float(row["pass_rate"]) <= 1 for row in handed_in)
    assert all(row["pass_rate"] == "" for row in checks if row["exercise"] not in IDS)


def test_a_second_collect_grades_nothing_and_keeps_the_first(klass):
    again = collect(str(klass.zip), "--out-dir", str(klass.out), "--jobs", "2")
    assert again.returncode == 1, again.stdout + again.stderr
    with db(klass.out) as conn:
        digests = {row[0] for row in conn.execute("SELECT checks_sha256 FROM collections")}
        assert len(digests) == 1, "the course's checks changed between the two collects"
    assert "0 exercise grading(s) run" in again.stdout
    with db(klass.out) as conn:
        assert conn.execute("SELECT graded, status FROM collections ORDER BY id").fetchall()[
            -1
        ] == (0, "finished")
        assert conn.execute("SELECT COUNT(*) FROM gradings").fetchone()[0] == 2 * N_EXERCISES + 2
        per_collection = conn.execute(
            "SELECT collection, COUNT(*) FROM submissions GROUP BY collection ORDER BY collection"
        ).fetchall()
    assert per_collection[0][1] == per_collection[-1][1] == 9  # the first collect's rows are kept
    assert float(grades(klass.out)["alice"]["MLX course total"]) == klass.alice["score"]


def test_hidden_checks_count_in_the_verified_report_only(klass, tmp_path, validate):
    checks = tmp_path / "hidden"
    _write(
        checks / "checks.toml",
        f'[[exercises]]\nid = "{LAZY.id}"\n[exercises.checks]\ntest_hidden_build_graph_keeps_the_shape = 3\n',
    )
    _write(
        checks / f"test_{LAZY.file}",
        "import mlx.core as mx\n\n\ndef test_hidden_build_graph_keeps_the_shape(student):\n"
        "    assert student.build_graph(mx.zeros((2, 3))).shape == (2, 3)\n",
    )
    out = tmp_path / "out"
    result = collect(
        str(klass.base / "class" / "carol.json"), "--checks", str(checks), "--out-dir", str(out)
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    report = json.loads((out / "reports" / "carol.json").read_text())
    validate(report)
    hidden = [c for e in report["exercises"] for c in e["checks"] if c["hidden"]]
    assert [c["name"] for c in hidden] == ["test_hidden_build_graph_keeps_the_shape"]
    assert "claimed score differs" not in flags_of(out, "carol")  # a hidden check is no discrepancy
    row = next(
        r
        for r in csv.DictReader(io.StringIO((out / "checks.csv").read_text()))
        if r["hidden"] == "1"
    )
    assert row["check"] == "test_hidden_build_graph_keeps_the_shape" and row["points"] == "3"


def test_roster_and_duplicate_ids(klass, tmp_path):
    out = reuse_gradebook(klass, tmp_path / "out")
    again = tmp_path / "late" / "carol"
    shutil.copytree(klass.base / "class", tmp_path / "copy")
    _write(again / "grade-report.json", klass.carol)
    roster = _write(tmp_path / "roster.csv", "Name,Student\nCarol Cole,carol\nZed Zhu,zed\n")
    result = collect(
        str(tmp_path / "copy" / "carol.json"),
        str(tmp_path / "late"),
        "--roster",
        str(roster),
        "--out-dir",
        str(out),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 exercise grading(s) run" in result.stdout  # the copied gradebook's cache
    rows = grades(out)
    assert set(rows) == {"carol", "zed"}  # one line per student: the latest hand-in
    assert rows["carol"]["Student"] == "Carol Cole"
    assert flags_of(out, "carol") == {"duplicate id"}
    assert flags_of(out, "zed") == {"no submission"}
    assert rows["zed"]["MLX course total"] == ""


def test_a_policy_violation_is_flagged(klass, tmp_path):
    mallory = tmp_path / "class" / "mallory"
    _write(
        mallory / LAZY.file, (ROOT / "solutions" / LAZY.file).read_text() + "\nimport subprocess\n"
    )
    out = reuse_gradebook(klass, tmp_path / "out")
    result = collect(str(tmp_path / "class"), "--out-dir", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "policy violation" in flags_of(out, "mallory")
    assert grades(out)["mallory"][f"01 {LAZY.title}"] == "0"  # no check of it ran


def test_bad_input_is_one_clear_line(klass, tmp_path):
    missing = collect(str(tmp_path / "nowhere.zip"), "--out-dir", str(tmp_path / "o1"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    blocker = _write(tmp_path / "a-file", "")
    unwritable = collect(str(klass.zip), "--out-dir", str(blocker / "out"))
    assert unwritable.returncode == 3 and "cannot write to --out-dir" in unwritable.stderr
    not_a_gradebook = tmp_path / "o2"
    _write(not_a_gradebook / "gradebook.sqlite", "my notes, not a database")
    refused = collect(str(klass.zip), "--out-dir", str(not_a_gradebook))
    assert refused.returncode == 3 and "is not a gradebook" in refused.stderr
    assert (not_a_gradebook / "gradebook.sqlite").read_text() == "my notes, not a database"
    for result in (missing, unwritable, refused):
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_zip_bomb_is_refused_and_the_batch_goes_on(klass, tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as bundle:
        with bundle.open("mallory/grade-report.json", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MiB of zeros, a few hundred KiB packed
                member.write(chunk)
    assert bomb.stat().st_size < 1 << 20
    out = reuse_gradebook(klass, tmp_path / "out")
    result = collect(str(bomb), str(klass.base / "class" / "carol.json"), "--out-dir", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bomb.zip: not unpacked" in result.stdout and "zip bomb" in result.stdout
    assert set(grades(out)) == {"carol"}


def test_interrupt_keeps_finished_gradings(tmp_path):
    """Ctrl-C after the first grading is committed: it stays, and the next collect grades the rest."""
    for wrong in wrong_answers(LAZY.id)[:3]:
        folder = tmp_path / "class" / wrong.stem
        folder.mkdir(parents=True)
        (folder / LAZY.file).write_text(
            (ROOT / "solutions" / LAZY.file).read_text() + "\n" + wrong.read_text()
        )
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from grader.cli import main; main()", "collect",
               str(tmp_path / "class"), "--out-dir", str(out), "--jobs", "1"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1"})  # fmt: skip
    deadline = time.monotonic() + 180
    kept = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "gradebook.sqlite").exists():
            try:
                with db(out) as conn:
                    kept = conn.execute("SELECT COUNT(*) FROM gradings").fetchone()[0]
            except sqlite3.OperationalError:
                kept = 0  # tables not made yet, or a write under way
        if kept:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stdout + stderr
    assert "kept in" in stderr and "Traceback" not in stderr
    with db(out) as conn:
        kept = conn.execute("SELECT COUNT(*) FROM gradings").fetchone()[0]
        assert conn.execute("SELECT status FROM collections").fetchall() == [("interrupted",)]
    assert 1 <= kept < 3
    rest = collect(str(tmp_path / "class"), "--out-dir", str(out), "--jobs", "1")
    assert f"{3 - kept} exercise grading(s) run" in rest.stdout, rest.stdout + rest.stderr
    assert len(grades(out)) == 3


def _chromium() -> str | None:
    return next(
        (
            shutil.which(name)
            for name in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(name)
        ),
        None,
    )


def test_summary_html_renders_offline_in_chromium(klass, tmp_path):
    page = klass.out / "summary.html"
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and " src=" not in html and " href=" not in html
    assert "default-src 'none'" in html  # nothing may be fetched
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "Chromium is not installed (apt-get install -y chromium): summary.html not rendered"
        )
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}"]  # fmt: skip
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") >= 1 + N_EXERCISES  # the histogram and a chart per exercise
    assert "Flagged students" in dom.stdout and "gina" in dom.stdout
    shot = tmp_path / "summary.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1100,1600", page.as_uri()],
                   capture_output=True, timeout=120)  # fmt: skip
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _tricky_hand_in(folder: Path) -> dict[str, str]:
    """A hand-in with every kind of duplicate: copies at the top, in exercises/ and in
    solutions/, files renamed to `<id>.py`, and a zip holding better copies than the loose ones.
    Each file's text names where it lies. Returns exercise id -> the file both must grade."""
    e = COURSE.exercises[:6]

    def put(relative: str) -> None:
        _write(folder / relative, f"# {relative}\n")

    for relative in (
        e[0].file, f"exercises/{e[0].file}", f"solutions/{e[0].file}",  # exercises/ wins
        e[1].file, f"solutions/{e[1].file}", f"course/{e[1].file}",  # the top one wins
        f"repo/solutions/exercises/{e[2].file}", f"repo/exercises/{e[2].file}",  # not solutions/
        f"exercises/{e[3].id}.py",  # renamed, and the only copy
        f"{e[4].id}.py",  # renamed at the top: the zip's copy has the stub's name
        e[5].file,  # at the top: the zip's copy is in an exercises/ folder
        "notes.py", f"venv/{e[1].file}", f".hidden/{e[1].file}",
    ):  # fmt: skip
        put(relative)
    with zipfile.ZipFile(folder / "work.zip", "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(e[4].file, f"# work.zip:{e[4].file}\n")
        bundle.writestr(f"exercises/{e[5].file}", f"# work.zip:exercises/{e[5].file}\n")
        bundle.writestr(f"__MACOSX/exercises/._{e[5].file}", "junk")
        bundle.writestr(f"../{e[0].file}", "# escapes\n")
    return {
        e[0].id: f"exercises/{e[0].file}",
        e[1].id: e[1].file,
        e[2].id: f"repo/exercises/{e[2].file}",
        e[3].id: f"exercises/{e[3].id}.py",
        e[4].id: f"work.zip:{e[4].file}",
        e[5].id: f"work.zip:exercises/{e[5].file}",
    }


def test_collect_grades_the_file_gradescope_grades(tmp_path):
    """The same hand-in through `grade collect`'s search and the Gradescope autograder's: the
    same file of each exercise."""
    from grader.instructor.handin import locate
    from grader.instructor.inputs import iter_submissions

    folder = tmp_path / "ivy"
    expected = _tricky_hand_in(folder)
    located = locate(COURSE, folder, tmp_path / "gradescope")
    assert {ex_id: chosen.shown for ex_id, chosen in located.files.items()} == expected
    notes: list[str] = []
    [hand_in] = list(iter_submissions([folder], COURSE, tmp_path / "collect", notes))
    assert notes == []
    assert hand_in.kind == "folder" and hand_in.name == "ivy"
    assert hand_in.sources == {ex_id: f"# {shown}\n" for ex_id, shown in expected.items()}
    assert hand_in.sources == {
        ex_id: chosen.path.read_text() for ex_id, chosen in located.files.items()
    }
    # The locator explains its choice; collect does not flag a student for making copies.
    e = COURSE.exercises
    assert (
        f"found 3 copies of {e[0].file}: graded exercises/{e[0].file} (it is in an exercises/ "
        f"folder), ignored {e[0].file}, solutions/{e[0].file}"
    ) in located.notes
    assert hand_in.problems == []
    assert located.ignored == ["notes.py"]
    assert not (tmp_path / e[0].file).exists()


def test_a_crashed_grading_is_not_reused_by_the_next_collect(tmp_path):
    # A crash may be the student's doing or another process's (a fault, a killed slot): it is
    # this collect's verdict, not the gradebook's, so the next collect grades that source again.
    # An honest classmate's grading is reused.
    hand_ins = tmp_path / "class"
    solution = (ROOT / "solutions" / LAZY.file).read_text()
    crashing = solution + (
        "\n\ndef build_graph(x):\n"
        "    y = mx.zeros((4,))[mx.array([2**31 - 1])] * 2  # reads 8 GiB past the end\n"
        "    mx.eval(y)\n"
        "    return y\n"
    )
    _write(hand_ins / "bob" / LAZY.file, crashing)
    _write(hand_ins / "alice" / LAZY.file, solution)
    out = tmp_path / "out"
    runs = [collect(str(hand_ins), "--out-dir", str(out)) for _ in range(2)]
    for run in runs:
        assert run.returncode in (0, 1), run.stdout + run.stderr
    bob = json.loads((out / "reports" / "bob.json").read_text())
    (lazy,) = [e for e in bob["exercises"] if e["id"] == LAZY.id]
    assert "crashed" in {c["outcome"] for c in lazy["checks"]}
    assert "2 exercise grading(s) run, 0 taken" in runs[0].stdout
    assert "1 exercise grading(s) run, 1 taken from the gradebook" in runs[1].stdout
