"""`grade export gradescope`: build the autograder zip with the real CLI, unpack it into a
temporary /autograder, run its run_autograder on real submissions and hold every results.json to
Gradescope's specification (gradescope_results.schema.json, written from that spec).

setup.sh's virtual environment is skipped: AUTOGRADER_PYTHON points run_autograder at this
interpreter, which has the course installed (the documented switch for a dry run).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, copy_course, run_grade

from grader.instructor.handin import GRADESCOPE_CAPS, Located, locate
from grader.instructor.unzip import Budget, ZipCaps
from grader.manifest import load_course

SCHEMA = Path(__file__).with_name("gradescope_results.schema.json")
GRADESCOPE_MEMORY_MIB = 768 * 1000**2 / 2**20  # Gradescope's default container: 768 MB


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The autograder zip, built by `grade export gradescope` (verification has its own test)."""
    out = tmp_path_factory.mktemp("export") / "autograder.zip"
    result = run_grade("export", "gradescope", "--no-verify", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Verified" not in result.stdout
    return out


@pytest.fixture(scope="module")
def results_validator():
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _autograder_root(tmp_path: Path, bundle: Path) -> Path:
    """A fresh /autograder: the zip unpacked into source/, run_autograder copied beside it (as
    Gradescope does when it builds the image) and an empty submission/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for info in zipfile.ZipFile(bundle).infolist():  # extractall drops the mode bits
        mode = info.external_attr >> 16
        if mode:
            (root / "source" / info.filename).chmod(stat.S_IMODE(mode))
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    return root


def _run_autograder(root: Path, python: str = sys.executable) -> tuple[dict, str]:
    proc = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        env={**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text()), proc.stdout + proc.stderr


def _valid(results: dict, validator) -> dict:
    errors = sorted(validator.iter_errors(results), key=lambda e: list(e.path))
    assert not errors, "results.json breaks Gradescope's spec:\n" + "\n".join(
        f"  {list(e.path)}: {e.message}" for e in errors[:10]
    )
    return results


def _counted(results: dict) -> list[dict]:
    return [t for t in results["tests"] if t["max_score"] > 0]


def test_zip_has_gradescopes_entry_points_at_its_root(bundle):
    with zipfile.ZipFile(bundle) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        names = set(infos)
        for script in ("setup.sh", "run_autograder"):
            assert script in names, f"{script} must sit at the zip's root"
            assert (infos[script].external_attr >> 16) & 0o111, f"{script} must be executable"
        wheels = [n for n in names if n.startswith("dist/") and n.endswith(".whl")]
        assert len(wheels) == 1, wheels
        archive.extract(wheels[0], bundle.parent)
        config = json.loads(archive.read("autograder.json"))
    with zipfile.ZipFile(bundle.parent / wheels[0]) as wheel:
        assert "grader/instructor/autograder.py" in wheel.namelist()
    assert {"course/course.toml", "course/pyproject.toml", "course/tests/conftest.py"} <= names
    checks = sorted(p.name for p in (ROOT / "tests").glob("test_*.py"))
    stubs = sorted(p.name for p in (ROOT / "exercises").glob("[0-9]*.py"))
    assert [n for n in checks if f"course/tests/{n}" not in names] == []
    assert [n for n in stubs if f"course/exercises/{n}" not in names] == []
    assert not [n for n in names if n.startswith(("course/solutions/", "course/tests/meta/"))]
    assert not [n for n in names if "__pycache__" in n or "/." in n]
    assert config["jobs"] == 1
    assert config["memory_limit_mib"] + 150 <= GRADESCOPE_MEMORY_MIB


def test_setup_sh_parses_and_installs_the_wheel_run_autograder_uses(bundle, tmp_path):
    root = _autograder_root(tmp_path, bundle)
    for script in ("setup.sh", "run_autograder"):
        check = subprocess.run(["bash", "-n", str(root / "source" / script)], capture_output=True)
        assert check.returncode == 0, check.stderr
    setup = (root / "source" / "setup.sh").read_text()
    run = (root / "source" / "run_autograder").read_text()
    # setup.sh installs "$SOURCE"/dist/*.whl into "$SOURCE/venv"; run_autograder runs that venv.
    assert '"$SOURCE"/dist/*.whl' in setup and list((root / "source" / "dist").glob("*.whl"))
    assert 'VENV="$SOURCE/venv"' in setup
    assert "$ROOT/source/venv/bin/python" in run
    assert "python3-venv" in setup  # Ubuntu 22.04 lacks ensurepip until it is installed


def test_solutions_nested_with_a_duplicate_get_full_marks(bundle, tmp_path, results_validator):
    root = _autograder_root(tmp_path, bundle)
    nested = root / "submission" / "mlx-course-main" / "exercises"
    shutil.copytree(ROOT / "solutions", nested)
    shutil.copy(ROOT / "exercises" / "01_lazy_evaluation.py", root / "submission")  # a stray copy
    results, _ = _run_autograder(root)
    _valid(results, results_validator)
    counted = _counted(results)
    assert counted and all(t["status"] == "passed" for t in counted)
    assert sum(t["score"] for t in counted) == sum(t["max_score"] for t in counted)
    assert {t["visibility"] for t in results["tests"]} == {"visible"}
    assert "found 2 copies of 01_lazy_evaluation.py" in results["output"]
    assert "graded mlx-course-main/exercises/01_lazy_evaluation.py" in results["output"]
    numbers = [t["number"] for t in results["tests"]]
    assert len(numbers) == len(set(numbers))
    bundled = load_course(root / "source" / "course")
    assert len(results["tests"]) == sum(len(ex.checks) for ex in bundled.exercises)
    assert json.loads((root / "results" / "grade-report.json").read_text())["max_score"] > 0


def test_stubs_score_nothing_and_say_why(bundle, tmp_path, results_validator):
    root = _autograder_root(tmp_path, bundle)
    for stub in (ROOT / "exercises").glob("[0-9]*.py"):
        shutil.copy(stub, root / "submission")
    results, _ = _run_autograder(root)
    _valid(results, results_validator)
    counted = _counted(results)
    assert counted and all(t["status"] == "failed" and t["score"] == 0 for t in counted)
    assert all("NotImplementedError" in t["output"] or "TODO" in t["output"] for t in counted)
    assert "Visible checks: 0/" in results["output"]


def test_a_crashing_submission_loses_only_the_crashed_exercises(
    bundle, tmp_path, results_validator
):
    root = _autograder_root(tmp_path, bundle)
    shutil.copytree(ROOT / "solutions", root / "submission", dirs_exist_ok=True)
    first = root / "submission" / "01_lazy_evaluation.py"
    # Eats memory at import until the grading process is killed for it.
    first.write_text(first.read_text() + "\n\n_hog = [[0] * 10**6 for _ in range(10**5)]\n")
    second = root / "submission" / "02_implicit_evaluation.py"
    second.write_text("import os\n\nos._exit(3)\n" + second.read_text())
    results, _ = _run_autograder(root)
    _valid(results, results_validator)
    by_exercise: dict[str, list[dict]] = {}
    for test in _counted(results):
        by_exercise.setdefault(test["number"].split(".")[0], []).append(test)
    for number in ("1", "2"):
        assert all(t["status"] == "failed" and t["score"] == 0 for t in by_exercise[number])
        assert all(
            t["output"] and not t["output"].startswith("Passed") for t in by_exercise[number]
        )
    assert any("memory limit" in t["output"] for t in by_exercise["1"])
    rest = [t for n, tests in by_exercise.items() if n not in ("1", "2") for t in tests]
    assert rest and all(t["status"] == "passed" for t in rest)


def test_zipped_submission_is_unpacked_and_graded(bundle, tmp_path, results_validator):
    root = _autograder_root(tmp_path, bundle)
    with zipfile.ZipFile(root / "submission" / "handin.zip", "w") as archive:
        for path in sorted((ROOT / "solutions").glob("[0-9]*.py")):
            archive.write(path, f"my-work/exercises/{path.name}")
        archive.writestr("../escape.py", "print('outside')\n")
    results, _ = _run_autograder(root)
    _valid(results, results_validator)
    counted = _counted(results)
    assert all(t["status"] == "passed" for t in counted)
    assert "handin.zip:my-work/exercises/01_lazy_evaluation.py" in results["output"]
    assert not (root / "escape.py").exists() and not (tmp_path / "escape.py").exists()


def test_empty_submission_says_what_to_upload(bundle, tmp_path, results_validator):
    root = _autograder_root(tmp_path, bundle)
    (root / "submission" / "notes.txt").write_text("I will submit later\n")
    results, _ = _run_autograder(root)
    _valid(results, results_validator)
    assert results["output"].startswith("No exercise files were found in your submission")
    assert "01_lazy_evaluation.py" in results["output"]
    assert sum(t["score"] for t in results["tests"]) == 0


def test_a_grader_that_cannot_start_still_writes_results(bundle, tmp_path, results_validator):
    root = _autograder_root(tmp_path, bundle)
    shutil.copytree(ROOT / "solutions", root / "submission", dirs_exist_ok=True)
    results, _ = _run_autograder(root, python=str(tmp_path / "no-such-python"))
    _valid(results, results_validator)
    assert results["score"] == 0 and results["tests"] == []
    assert "could not start" in results["output"]


def test_export_grades_the_solutions_with_the_bundle_before_writing_it(tmp_path):
    out = tmp_path / "autograder.zip"
    result = run_grade("export", "gradescope", "--out", str(out))
    assert result.returncode == 0, result.stderr
    verified = re.search(r"the reference solutions score ([\d.]+)/([\d.]+)", result.stdout)
    assert verified and verified.group(1) == verified.group(2) and float(verified.group(2)) > 0
    assert out.is_file() and "Ubuntu 22.04" in result.stdout


def test_export_refuses_a_missing_checks_folder(tmp_path):
    result = run_grade(
        "export", "gradescope", "--checks", str(tmp_path / "nope"), "--out", str(tmp_path / "a.zip")
    )
    assert result.returncode == 2
    assert "not a folder" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "a.zip").exists()


HIDDEN_CHECK = '''"""A hidden check an instructor might add: build_graph on a 4-D input."""

import mlx.core as mx
import numpy as np

from grader.checklib import expect_array


def test_hidden_build_graph_handles_four_axes(student):
    x = mx.arange(16, dtype=mx.float32).reshape(2, 2, 2, 2) / 8
    expect_array(student.build_graph(x), np.exp(np.array(x)) * 2 + 1, "build_graph(2x2x2x2)", rtol=1e-4)
'''


@pytest.fixture(scope="module")
def hidden_bundle(tmp_path_factory) -> Path:
    """An autograder zip with one hidden check for exercise 1."""
    folder = tmp_path_factory.mktemp("hidden")
    (folder / "test_01_lazy_evaluation.py").write_text(HIDDEN_CHECK)
    (folder / "checks.toml").write_text(
        '[[exercises]]\nid = "lazy_evaluation"\n[exercises.checks]\n'
        "test_hidden_build_graph_handles_four_axes = 3\n"
    )
    out = folder.parent / "with-hidden.zip"
    result = run_grade("export", "gradescope", "--checks", str(folder), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "1 hidden check file" in result.stdout
    return out


def test_hidden_checks_count_but_stay_hidden(hidden_bundle, tmp_path, results_validator):
    with zipfile.ZipFile(hidden_bundle) as archive:
        assert {"hidden/checks.toml", "hidden/test_01_lazy_evaluation.py"} <= set(
            archive.namelist()
        )
    root = _autograder_root(tmp_path, hidden_bundle)
    shutil.copytree(ROOT / "solutions", root / "submission", dirs_exist_ok=True)
    wrong = root / "submission" / "01_lazy_evaluation.py"
    # Right up to three axes, wrong on four: only the hidden check tries four.
    wrong.write_text(
        wrong.read_text()
        + "\n\n_right = build_graph\n\n\ndef build_graph(x):\n"
        + "    return _right(x) if x.ndim < 4 else x\n"
    )
    results, _ = _run_autograder(root)
    _valid(results, results_validator)
    hidden = [t for t in results["tests"] if t["visibility"] == "hidden"]
    assert [t["name"] for t in hidden] == ["Lazy evaluation: hidden build graph handles four axes"]
    assert hidden[0]["status"] == "failed" and hidden[0]["max_score"] == 3
    visible = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert all(t["status"] == "passed" for t in visible if t["max_score"] > 0)
    assert "checks you cannot see" in results["output"]
    # The student's own total never gives the hidden result away.
    assert f"Visible checks: {sum(t['score'] for t in visible):g}/" in results["output"]


def test_a_run_past_its_deadline_still_writes_results(tmp_path, results_validator):
    out = tmp_path / "short.zip"
    result = run_grade("export", "gradescope", "--no-verify", "--deadline", "10", "--out", str(out))
    assert result.returncode == 0, result.stderr
    root = _autograder_root(tmp_path, out)
    shutil.copytree(ROOT / "solutions", root / "submission", dirs_exist_ok=True)
    first = root / "submission" / "01_lazy_evaluation.py"
    first.write_text(first.read_text() + "\n\nwhile True:\n    pass\n")  # hangs at import
    results, _ = _run_autograder(root)
    _valid(results, results_validator)
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("Grading was stopped after 10 s")
    assert results["execution_time"] < 60


def _lying_zip(path: Path, name: str, size: int, claimed: int) -> Path:
    """A zip of one member of `size` bytes whose headers (local and central) claim `claimed`."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(name, b"#" * size)
    raw = bytearray(path.read_bytes())
    central = raw.index(b"PK\x01\x02")
    assert struct.unpack_from("<I", raw, central + 24)[0] == size
    struct.pack_into("<I", raw, central + 24, claimed)  # uncompressed size, central directory
    struct.pack_into("<I", raw, 22, claimed)  # and in the local header
    path.write_bytes(bytes(raw))
    assert zipfile.ZipFile(path).infolist()[0].file_size == claimed
    return path


def test_zips_past_gradescopes_caps_are_refused_with_a_note(tmp_path):
    """The bytes a submission's zips unpack to are counted as they come out, under
    GRADESCOPE_CAPS (shared by every zip of the submission); a zip past a cap is not unpacked
    at all, and the student reads why."""
    assert GRADESCOPE_CAPS == ZipCaps(
        total_bytes=64 << 20, member_bytes=16 << 20, members=10_000, depth=1
    )
    course = load_course(ROOT)
    lazy = course.exercises[0]
    solution = (ROOT / "solutions" / lazy.file).read_text()

    def located(name: str, build) -> tuple[Located, Budget, Path]:
        submission = tmp_path / name / "submission"
        submission.mkdir(parents=True)
        build(submission)
        budget = Budget(GRADESCOPE_CAPS)
        scratch = tmp_path / name / "unpacked"
        return locate(course, submission, scratch, budget), budget, scratch

    def bomb(folder: Path) -> None:  # five files of 15 MiB: each under the cap, 75 MiB in all
        with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr(f"work/{lazy.file}", solution)
            for i in range(5):
                bundle.writestr(f"work/pad{i}.py", b"#" * (15 << 20))
        assert (folder / "bomb.zip").stat().st_size < 1 << 20

    found, budget, scratch = located("bomb", bomb)
    assert found.files == {}
    assert found.notes == [
        f"bomb.zip: not unpacked: the zips unpack to more than {64 << 20} bytes in all "
        "(a zip bomb?)"
    ]
    assert budget.left < 0 and not list(scratch.rglob("*.py"))  # nothing of it is left

    def big(folder: Path) -> None:  # one file past the 16 MiB a member may unpack to
        with zipfile.ZipFile(folder / "big.zip", "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr(f"work/{lazy.file}", solution)
            bundle.writestr("work/data.py", b"#" * (17 << 20))

    found, _, _ = located("big", big)  # that member is left out, the rest unpacked (issue 16)
    assert list(found.files) == [lazy.id]
    assert found.notes == [
        f"big.zip: 1 member(s) left out: work/data.py unpacks to {17 << 20} bytes (the cap is "
        f"{16 << 20}; a zip bomb?)"
    ]

    def liar(folder: Path) -> None:  # claims 1 KiB, inflates to 80 MiB
        _lying_zip(folder / "liar.zip", lazy.file, 80 << 20, 1024)
        (folder / course.exercises[1].file).write_text("# loose\n")  # still graded

    found, budget, scratch = located("liar", liar)
    assert list(found.files) == [course.exercises[1].id]
    [note] = found.notes
    assert note.startswith(f"liar.zip: not unpacked: {lazy.file} cannot be read (Bad CRC-32")
    assert GRADESCOPE_CAPS.total_bytes - budget.left <= 1024  # zipfile stops at the claim
    assert not list(scratch.rglob("*.py"))


def _python(version: str) -> str | None:
    """An interpreter of `version` on this machine: on PATH, under pyenv, or known to uv."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(
        str(p) for p in Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}")
    )
    uv = shutil.which("uv")
    if uv:
        found = subprocess.run([uv, "python", "find", version], capture_output=True, text=True)
        candidates.append(found.stdout.strip() if found.returncode == 0 else None)
    for candidate in candidates:
        if (
            candidate
            and subprocess.run([candidate, "-c", "import venv, ensurepip"]).returncode == 0
        ):
            return candidate
    return None


@pytest.mark.parametrize("version", ["3.10", "3.11"])
def test_export_works_in_a_fresh_venv_made_as_the_readme_says(version, tmp_path):
    """A fresh `python -m venv` of 3.10 or 3.11 comes with setuptools 65, which cannot build
    `license = "MIT"` (PEP 639, setuptools 77); the export used it whenever it was importable.
    The README's first command installs the course, then the export runs in that venv. About
    20 s per Python here with pip's cache warm (a cold cache downloads MLX, NumPy, ...)."""
    python = _python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine (PATH, pyenv or uv)")
    course = copy_course(tmp_path / "course")
    shutil.copy2(ROOT / "README.md", course / "README.md")
    first = re.search(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    assert first, "README.md lost its install command"
    install = first.group(1).strip()
    assert install.startswith("python3 -m venv .venv") and install.endswith("&& grade"), install
    command = (
        f"{shlex.quote(python)}{install.removeprefix('python3')}"
        " export gradescope --no-verify --out autograder.zip"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    proc = subprocess.run(
        ["bash", "-c", command], cwd=course, capture_output=True, text=True, timeout=600, env=env
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    venv_python = course / ".venv" / "bin" / "python"
    made = subprocess.run(
        [str(venv_python), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    assert made.stdout.strip() == str(tuple(int(n) for n in version.split("."))), made.stdout
    assert "Wrote autograder.zip" in proc.stdout
    with zipfile.ZipFile(course / "autograder.zip") as archive:
        wheels = [n for n in archive.namelist() if n.startswith("dist/") and n.endswith(".whl")]
        assert len(wheels) == 1, wheels


def test_a_hidden_check_without_points_is_an_error_naming_it(tmp_path):
    """A `test*` function of a hidden check file that checks.toml does not list used to be
    dropped silently; `grade collect --checks` and `grade export gradescope --checks` refuse it,
    naming the function, the file and what to add to checks.toml."""
    folder = tmp_path / "hidden"
    folder.mkdir()
    (folder / "test_01_lazy_evaluation.py").write_text(
        HIDDEN_CHECK + "\n\ndef test_hidden_forgotten(student):\n    assert False\n\n\n"
        "def _helper():\n    return 1\n"
    )
    (folder / "checks.toml").write_text(
        '[[exercises]]\nid = "lazy_evaluation"\n[exercises.checks]\n'
        "test_hidden_build_graph_handles_four_axes = 3\n"
    )
    out = tmp_path / "a.zip"
    exported = run_grade("export", "gradescope", "--checks", str(folder), "--out", str(out))
    collected = run_grade(
        "collect",
        str(ROOT / "solutions"),
        "--checks",
        str(folder),
        "--out-dir",
        str(tmp_path / "gradebook"),
    )
    for result in (exported, collected):
        assert result.returncode == 3, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert "test_hidden_forgotten" in result.stderr and "_helper" not in result.stderr
        assert str(folder / "test_01_lazy_evaluation.py") in result.stderr
        assert "checks.toml gives no points" in result.stderr
        assert "add them under [exercises.checks] of id = 'lazy_evaluation'" in result.stderr
    assert not out.exists()


def _handed_in_report(course_root: Path, tamper: str | None = None) -> dict:
    """A grade report's exercises as `grade` writes them (grader/report.py): the source of each
    reference solution and its SHA-256; with `tamper`, that exercise's source is changed after
    the digest was taken (a comment added: it still passes)."""
    import hashlib

    exercises = []
    for ex in load_course(course_root).exercises:
        source = (ROOT / "solutions" / ex.file).read_text()
        digest = hashlib.sha256(source.encode()).hexdigest()
        if ex.id == tamper:
            source += "\n# edited after grading\n"
        exercises.append(
            {"id": ex.id, "file": ex.file, "source": source, "submission_sha256": digest}
        )
    return {"schema_version": 2, "student": "alice", "score": 999, "exercises": exercises}


def test_a_handed_in_report_is_graded_from_its_sources(bundle, tmp_path, results_validator):
    root = _autograder_root(tmp_path, bundle)
    course = load_course(root / "source" / "course")
    second = course.exercises[1]
    report = _handed_in_report(ROOT, tamper=second.id)
    (root / "submission" / "grade-report.json").write_text(json.dumps(report))
    results, _ = _run_autograder(root)
    _valid(results, results_validator)
    counted = _counted(results)
    assert counted and all(t["status"] == "passed" for t in counted), [
        t["name"] for t in counted if t["status"] != "passed"
    ]
    output = results["output"]
    assert "no exercise files were found, so the sources in grade-report.json were graded" in output
    assert f"Graded {len(course.exercises)} of {len(course.exercises)} exercise files" in output
    assert f"grade-report.json:{course.exercises[0].file}" in output
    assert f"the source of {second.file} does not match its submission_sha256" in output
    assert f"the source of {course.exercises[0].file} does not match" not in output


def test_exercise_files_win_over_a_handed_in_report(bundle, tmp_path, results_validator):
    root = _autograder_root(tmp_path, bundle)
    (root / "submission" / "grade-report.json").write_text(json.dumps(_handed_in_report(ROOT)))
    stub = ROOT / "exercises" / load_course(ROOT).exercises[0].file
    shutil.copy(stub, root / "submission")
    results, _ = _run_autograder(root)
    _valid(results, results_validator)
    first = [t for t in _counted(results) if t["number"].startswith("1.")]
    assert first and all(t["status"] == "failed" for t in first)  # the stub, not the report
    assert "sources in grade-report.json were graded" not in results["output"]
    assert f"Graded 1 of {len(load_course(ROOT).exercises)} exercise files" in results["output"]
