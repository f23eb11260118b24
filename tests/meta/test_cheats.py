"""Cheating submissions, graded through the real CLI: none may gain a point or leave a trace.

Each file in tests/meta/cheats/ is one class of attack, written as a determined student would;
its docstring says which class and what it would gain if it worked. Above its `# --- attack ---`
line it declares how to build the submission and what the honest baseline is; below it is the
code that is appended to the exercise's stub (or solution). Every cheat is graded in a fresh
copy of the course (never this checkout), by `grade run` under a child subreaper
(cheats/_contain.py), next to one or more witness exercises graded from their solutions.

A cheat holds when all of these are true:
- no points gained: every check the honest baseline fails is still not passed, and the exercise
  scores no more than the baseline; or the policy blocked it (its `violations` are listed and
  every check of the exercise is an `error`);
- the witness exercises keep full marks;
- no process outlives `grade`, and the report does not change after `grade` exits;
- the course copy, the submitted folder and every other folder the cheat aimed at are unchanged,
  and the temporary folder `grade` used is empty again;
- the report records the digest of the file that was handed in;
- the terminal shows no forged score line, no escape sequence and no other control character.

Run alone: `pytest tests/meta/test_cheats.py -q`. To aim the set at another engine, point
CHEATS_COURSE at a checkout (for example one made with `git archive`).
"""

from __future__ import annotations

import ast
import compileall
import hashlib
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHEATS = Path(__file__).resolve().parent / "cheats"
SOURCE = Path(os.environ.get("CHEATS_COURSE", ROOT)).resolve()
MARK = "# --- attack ---"
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.egg-info",
    ".grade",
    ".pytest_cache",
    ".ruff_cache",
    "grade-report.json",
    "meta",
    "bench",
    ".github",
)
GRADE_TIMEOUT = 120  # seconds before a `grade` that never returns counts as hung
HUGE_LINES = 60_000  # about 2 MB of code: most of a gigabyte for an unguarded parse
PEAK_MIB = 1536  # no process of a run may grow past this (the cheats allocate nothing big)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")  # anything but \t and \n

# Attacks that still succeed against the engine as it is now. Each entry is temporary: it says
# what the attack defeats, and goes once the engine holds against it.
STILL_SUCCEEDS: dict[str, str] = {}


@dataclass
class Cheat:
    """One cheating submission, read from a file of tests/meta/cheats/."""

    name: str
    exercise: str
    base: str  # "stub", "solution" or "none": what the attack is appended to
    attack: str
    loses: list[str] | None = None  # checks the honest baseline fails (None: every check)
    keeps: bool = False  # the checks it does not lose must still pass
    files: dict[str, str] = field(default_factory=dict)  # extra files in the graded folder
    pyc: str | None = None  # "solution": hand in a compiled solution next to the stub
    witnesses: list[str] = field(default_factory=lambda: ["inplace_updates"])
    again: bool = False  # grade the pristine stub again in the same copy afterwards
    generate: str | None = None  # "huge": megabytes of generated code appended
    linger: float = 4.0  # seconds to watch survivors before killing them

    @classmethod
    def read(cls, path: Path) -> Cheat:
        head, _, attack = path.read_text(encoding="utf-8").partition(MARK)
        assert attack, f"{path.name} lacks the line {MARK!r}"
        settings = {}
        for node in ast.parse(head).body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                settings[node.targets[0].id.lower()] = ast.literal_eval(node.value)
        return cls(name=path.stem, attack=attack, **settings)


def cheat_files() -> list[Path]:
    return sorted(p for p in CHEATS.glob("*.py") if not p.name.startswith("_"))


def _params():
    for path in cheat_files():
        reason = STILL_SUCCEEDS.get(path.stem)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(path, id=path.stem, marks=marks)


@pytest.fixture(scope="module")
def course():
    sys.path.insert(0, str(SOURCE))
    from grader.manifest import load_course

    return load_course(SOURCE)


def copy_course(dest: Path) -> Path:
    """A private checkout of the course, with the bytecode an earlier run would have left."""
    shutil.copytree(SOURCE, dest, ignore=COPY_IGNORE)
    for folder in ("grader", "tests"):
        compileall.compile_dir(dest / folder, quiet=1)
    return dest


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` and its digest. Left out: the hint state `grade` keeps, and
    Hypothesis's cache of constants (written wherever an honest run's working folder is)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith((".grade/", ".hypothesis/")) or path.is_dir():
            continue
        try:
            files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            files[rel] = f"unreadable: {exc.strerror}"
    return files


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    added = [f"+ {p}" for p in after if p not in before]
    removed = [f"- {p}" for p in before if p not in after]
    edited = [f"~ {p}" for p in before if p in after and before[p] != after[p]]
    return added + removed + edited


@dataclass
class Graded:
    returncode: int
    hung: bool
    seconds: float
    output: str
    report: dict | None
    report_at_exit: str | None
    report_later: str | None
    survivors: list[str]
    peak_mib: float


def grade(
    copy: Path, ids: list[str], target: Path, report: Path, tmp: Path, linger: float
) -> Graded:
    """`grade run IDS --target TARGET --out REPORT` in the course copy, under _contain.py."""
    scratch = tmp / "scratch"
    scratch.mkdir(exist_ok=True)
    job = {
        "command": [
            sys.executable,
            "-c",
            "from grader.cli import main; main()",
            "run",
            *ids,
            "--target",
            str(target),
            "--out",
            str(report),
            "--timeout",
            "3",
            "--jobs",
            "1",
        ],
        "cwd": str(copy),
        "env": {**os.environ, "NO_COLOR": "1", "TMPDIR": str(tmp / "tmpdir")},
        "timeout": GRADE_TIMEOUT,
        "linger": linger,
        "report": str(report),
        "stdout": str(scratch / "stdout"),
        "stderr": str(scratch / "stderr"),
        "result": str(scratch / "result.json"),
    }
    (tmp / "tmpdir").mkdir(exist_ok=True)
    subprocess.run(
        [sys.executable, str(CHEATS / "_contain.py"), json.dumps(job)],
        check=True,
        timeout=GRADE_TIMEOUT + linger + 30,
    )
    result = json.loads(Path(job["result"]).read_text())
    output = (scratch / "stdout").read_bytes() + (scratch / "stderr").read_bytes()
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    return Graded(
        result["returncode"],
        result["hung"],
        result["seconds"],
        output.decode("utf-8", "backslashreplace"),
        data,
        result["report_at_exit"],
        result["report_later"],
        result["survivors"],
        result["peak_mib"],
    )


def fill(text: str, places: dict[str, Path]) -> str:
    for key, value in places.items():
        text = text.replace(f"@{key}@", str(value))
    return text


def build_submission(cheat: Cheat, course, copy: Path, folder: Path, places: dict) -> bytes:
    """The graded folder: witnesses from solutions, the cheat's exercise from its base + attack."""
    exercise = course.exercise(cheat.exercise)
    folder.mkdir()
    for wid in cheat.witnesses:
        name = course.exercise(wid).file
        shutil.copy(copy / "solutions" / name, folder / name)
    base = {
        "stub": (copy / "exercises" / exercise.file).read_text(encoding="utf-8"),
        "solution": (copy / "solutions" / exercise.file).read_text(encoding="utf-8"),
        "none": "",
    }[cheat.base]
    text = f"{base}\n\n# --- cheat: {cheat.name} ---\n{fill(cheat.attack, places)}"
    if cheat.generate == "huge":
        text += "".join(f"_v{i} = [{i}, ({i}, -{i}), {{'k': {i}}}]\n" for i in range(HUGE_LINES))
    data = text.encode("utf-8", "surrogatepass")
    (folder / exercise.file).write_bytes(data)
    for name, content in cheat.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fill(content, places), encoding="utf-8")
    if cheat.pyc == "solution":
        # A bytecode file that Python trusts without looking at the source next to it.
        source = folder / exercise.file
        py_compile.compile(
            str(copy / "solutions" / exercise.file),
            cfile=py_compile.importlib.util.cache_from_source(str(source)),
            dfile=str(source),
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    return data


def judge(cheat: Cheat, course, run: Graded, submitted: bytes) -> list[str]:
    """What the cheat gained or left behind (empty when the engine held)."""
    problems: list[str] = []
    if run.hung:
        problems.append(f"grade did not return within {GRADE_TIMEOUT} s")
    if run.peak_mib > PEAK_MIB:
        problems.append(f"a process of the run peaked at {run.peak_mib:.0f} MiB")
    if not isinstance(run.report, dict) or not isinstance(run.report.get("exercises"), list):
        return problems + [
            f"no readable grade report after the run (exit {run.returncode}): {run.output[-600:]}"
        ]
    by_id = {ex["id"]: ex for ex in run.report["exercises"]}
    exercise = course.exercise(cheat.exercise)
    graded = by_id[cheat.exercise]
    outcomes = {c["name"]: c["outcome"] for c in graded["checks"]}
    lost = [c.name for c in exercise.checks] if cheat.loses is None else cheat.loses
    blocked = bool(graded.get("violations")) and all(o == "error" for o in outcomes.values())
    if not blocked:
        passed = [name for name in lost if outcomes.get(name) == "passed"]
        if passed:
            problems.append(f"checks the honest baseline fails were passed: {passed}")
        baseline = exercise.max_score - sum(exercise.check(n).points for n in lost)
        if graded["score"] > baseline:
            problems.append(f"scored {graded['score']}, above the honest baseline {baseline}")
        if cheat.keeps:
            kept = [n for n, o in outcomes.items() if n not in lost and o != "passed"]
            if kept:
                problems.append(
                    f"checks the attack did not touch were lost: {[(n, outcomes[n]) for n in kept]}"
                )
    elif graded["score"] != 0:
        problems.append(f"blocked by the policy but scored {graded['score']}")
    for wid in cheat.witnesses:
        witness = by_id[wid]
        if witness["score"] != witness["max_score"]:
            lost_checks = [
                f"{c['name']}: {c['outcome']} {c['message'][:160]}"
                for c in witness["checks"]
                if c["outcome"] not in ("passed", "skipped")
            ]
            problems.append(f"witness {wid} lost points: {lost_checks}")
    recorded = graded.get("submission_sha256")
    if recorded != hashlib.sha256(submitted).hexdigest():
        problems.append("the report's submission_sha256 is not the digest of the file handed in")
    if run.survivors:
        problems.append(f"processes outlived grade: {run.survivors}")
    if run.report_later != run.report_at_exit:
        problems.append("the report changed after grade exited")
    forged = [line for line in run.output.splitlines() if line.lstrip().startswith("Score: 142")]
    if forged:
        problems.append(f"forged score line in the terminal: {forged[:2]}")
    control = sorted({repr(c) for c in CONTROL.findall(run.output)})
    if control:
        problems.append(f"control characters reached the terminal: {control[:8]}")
    return problems


@pytest.mark.parametrize("path", list(_params()))
def test_cheat_gains_nothing_and_leaves_no_trace(path: Path, course, tmp_path: Path):
    cheat = Cheat.read(path)
    copy = copy_course(tmp_path / "course")
    outside = tmp_path / "outside"  # a folder the cheat aims at, standing for the rest of disk
    site = tmp_path / "site"  # stands for the site-packages of the grading environment
    outside.mkdir()
    site.mkdir()
    folder = tmp_path / "submission"
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    exercise = course.exercise(cheat.exercise)
    places = {
        "ROOT": copy,
        "REPORT": report,
        "OUTSIDE": outside,
        "SITE": site,
        "SOLUTION": copy / "solutions" / exercise.file,
        "STUB": copy / "exercises" / exercise.file,
    }
    before = snapshot(copy)
    submitted = build_submission(cheat, course, copy, folder, places)
    handed_in = snapshot(folder)

    run = grade(copy, [cheat.exercise, *cheat.witnesses], folder, report, tmp_path, cheat.linger)
    problems = judge(cheat, course, run, submitted)

    for label, path_, expected in (
        ("the course copy", copy, before),
        ("the submitted folder", folder, handed_in),
        ("a folder outside the submission", outside, {}),
        ("site-packages", site, {}),
        ("the temporary folder", tmp_path / "tmpdir", {}),
    ):
        diff = changes(expected, snapshot(path_))
        if diff:
            problems.append(f"{label} changed: {diff[:6]}")

    if cheat.again:
        # Whoever is graded next in this checkout must not inherit anything from the cheat.
        fresh = tmp_path / "fresh"
        fresh.mkdir()
        shutil.copy(copy / "exercises" / exercise.file, fresh / exercise.file)
        report2 = tmp_path / "out" / "next.json"
        rerun = grade(copy, [cheat.exercise], fresh, report2, tmp_path, 0)
        honest = Cheat(name="pristine stub", exercise=cheat.exercise, base="stub", attack="")
        honest.witnesses = []
        stub_bytes = (fresh / exercise.file).read_bytes()
        problems += [
            f"the next run in this checkout: {p}" for p in judge(honest, course, rerun, stub_bytes)
        ]

    assert not problems, f"{cheat.name} got through:\n- " + "\n- ".join(problems)


def test_every_cheat_names_its_class_and_gain():
    """Each cheat starts with a docstring that says which attack class it is and what it gains."""
    for path in cheat_files():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8").partition(MARK)[0]))
        assert doc and "Class:" in doc and "Gain:" in doc, (
            f"{path.name}: the docstring must say `Class: ...` and `Gain: ...`"
        )
