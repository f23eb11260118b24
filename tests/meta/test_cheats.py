"""Cheating submissions, graded through the real CLI: none may gain a point or leave a trace.

Each file in tests/meta/cheats/ is one class of attack, written as a determined student would;
its docstring says which class and what it would gain if it worked. Above its `# --- attack ---`
line it declares how to build the submission and what the honest baseline is; below it is the
code that is appended to the exercise's stub (or solution). Every cheat is graded in a fresh
copy of the course (never this checkout), by `grade run` under a child subreaper
(cheats/_contain.py), next to one or more witness exercises graded from their solutions.
Every folder of the run is writable and readable by any user, as if `grade` ran as the owner
of the checkout (an instructor without root): file modes are no defence the cheats could lean
on, only the engine's own are. Several cheats are graded side by side (CHEATS_PARALLEL, 3).

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
CHEATS_COURSE at a checkout (for example one made with `git archive`). With CHEATS_POLICY=off
the copy's [policy] table lets every construct through, which shows what the engine alone holds
(the expected failures are then not marked); `-s` prints one verdict line per cheat.
"""

from __future__ import annotations

import ast
import compileall
import fnmatch
import hashlib
import json
import os
import py_compile
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
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
POLICY_OFF = os.environ.get("CHEATS_POLICY") == "off"
PARALLEL = int(os.environ.get("CHEATS_PARALLEL", "3"))
GRADE_TIMEOUT = 120  # seconds before a `grade` that never returns counts as hung
SECRET = "CHEATS-SECRET-7f3a9c"  # in grade's environment and in outside/secret.txt: never shown
UNDERSCORES = 64_000  # one string of them: about 45 s for a backtracking pattern, ms for a sane one
HUGE_LINES = 60_000  # about 2 MB of code: an unguarded parse needs several hundred MiB
PEAK_MIB = 1536  # no process of a run may grow past this (the cheats allocate nothing big)
# Anything but \t and \n that can move the cursor, break a line or reorder text: C0 and C1
# controls, the Unicode line and paragraph separators, bidirectional overrides and isolates.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

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
    loses: list[str] | None = None  # checks the honest baseline fails, as fnmatch patterns
    # (None: every check; patterns survive a check being renamed but keep its subject)
    keeps: bool = False  # the checks it does not lose must still pass
    files: dict[str, str] = field(default_factory=dict)  # extra files in the graded folder
    pyc: str | None = None  # "solution": hand in a compiled solution next to the stub
    witnesses: list[str] = field(default_factory=list)  # graded from solutions: full marks
    again: bool = False  # grade the pristine stub again in the same copy afterwards
    generate: str | None = None  # "huge": HUGE_LINES lines of code; "underscores": one long string
    max_seconds: float = GRADE_TIMEOUT  # grade must return within this
    peak_mib: float = PEAK_MIB  # no process of the run may grow past this
    prefix: str = ""  # text put before the base (a byte order mark, say)
    link: str | None = None  # hand in the exercise file as a symbolic link to this path
    raw_suffix: str | None = None  # bytes (as latin-1 text) appended to the file: invalid UTF-8
    refusal_ok: bool = False  # refusing the whole run (exit 2, one line, no report) holds too
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
        reason = None if POLICY_OFF else STILL_SUCCEEDS.get(path.stem)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(path, id=path.stem, marks=marks)


@pytest.fixture(scope="module")
def course():
    sys.path.insert(0, str(SOURCE))
    from grader.manifest import load_course

    return load_course(SOURCE)


_MASTERS: dict[Path, Path] = {}


def copy_course(dest: Path) -> Path:
    """A private checkout of the course, with the bytecode an earlier run would have left.

    The first copy in a folder is compiled once and kept as the master for the next ones
    (copies keep modification times, so the bytecode stays valid)."""
    master = _MASTERS.get(dest.parent.parent)
    if master is None:
        master = dest.parent.parent / "master"
        shutil.copytree(SOURCE, master, ignore=COPY_IGNORE, copy_function=_copy_if_there)
        if POLICY_OFF:
            _open_policy(master / "course.toml")
        for folder in ("grader", "tests"):
            compileall.compile_dir(master / folder, quiet=1)
        _MASTERS[dest.parent.parent] = master
    shutil.copytree(master, dest)
    return dest


def _copy_if_there(source: str, dest: str) -> None:
    try:
        shutil.copy2(source, dest)
    except FileNotFoundError:
        pass  # a file another process was writing next to the checkout, gone since the listing


def _open_policy(manifest: Path) -> None:
    """Loosen the [policy] table so that it refuses nothing the cheats use (what is hard-wired
    in grader/policy/ still applies)."""
    import tomllib

    text = manifest.read_text(encoding="utf-8")
    table = tomllib.loads(text)["policy"]
    start = text.index("\n[policy]\n")
    end = text.index("\n[[exercises]]", start)
    used = "\n".join(p.read_text(encoding="utf-8") for p in cheat_files())
    modules = sorted(
        set(table["allowed_imports"])
        | set(re.findall(r"^\s*import (\w+)", used, re.M))
        | set(re.findall(r"^\s*from ([\w.]+) import", used, re.M))
        | {"mlx.core", "numpy", "torch", "os", "pathlib", "sys", "subprocess", "importlib"}
    )
    dunders = sorted(set(re.findall(r"__\w+__", used + text)) | set(table["allowed_dunders"]))
    loose = (
        f"\n[policy]\nmax_bytes = {table.get('max_bytes', 262144)}\n"
        f"allowed_imports = {json.dumps(modules)}\n"
        "forbidden_imports = []\nforbidden_names = []\nforbidden_attributes = []\n"
        f"allowed_dunders = {json.dumps(dunders)}\ncall_only = []\n"
    )
    manifest.write_text(text[:start] + loose + text[end:], encoding="utf-8")


def _open_to_all(folder: Path) -> None:
    """Let any user read and write `folder` and everything in it."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            extra = stat.S_IRWXO | stat.S_IRWXG if path.is_dir() else 0o666
            path.chmod(path.stat().st_mode | extra)


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


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
            "5",
            "--jobs",
            "2",
            "--verbose",  # student text in full: the most that can reach the terminal
        ],
        "cwd": str(copy),
        "env": {
            **os.environ,
            "NO_COLOR": "1",
            "TMPDIR": str(tmp / "tmpdir"),
            "CHEATS_SECRET": SECRET,
        },
        "timeout": GRADE_TIMEOUT,
        "linger": linger,
        "report": str(report),
        "stdout": str(scratch / "stdout"),
        "stderr": str(scratch / "stderr"),
        "result": str(scratch / "result.json"),
    }
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
    text = f"{cheat.prefix}{base}\n\n# --- cheat: {cheat.name} ---\n{fill(cheat.attack, places)}"
    if cheat.generate == "underscores":
        text += f'\n_PAD = "{"_" * UNDERSCORES}"\n'
    if cheat.generate == "huge":
        text += "".join(f"_v{i} = [{i}, ({i}, -{i}), {{'k': {i}}}]\n" for i in range(HUGE_LINES))
    data = text.encode("utf-8", "surrogatepass")
    if cheat.raw_suffix is not None:
        data += cheat.raw_suffix.encode("latin-1")
    if cheat.link is not None:
        (folder / exercise.file).symlink_to(fill(cheat.link, places))
        data = b""  # nothing was handed in but a name
    else:
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
    elif run.seconds > cheat.max_seconds:
        problems.append(f"grade took {run.seconds:.0f} s (at most {cheat.max_seconds:g} s)")
    if run.peak_mib > cheat.peak_mib:
        problems.append(f"a process of the run peaked at {run.peak_mib:.0f} MiB")
    secrets = [line for line in run.output.splitlines() if SECRET in line]
    if secrets or SECRET in json.dumps(run.report):
        problems.append(
            f"a secret of the grading machine reached the terminal or the report: {secrets[:2]}"
        )
    if run.report is None and cheat.refusal_ok and run.returncode == 2:
        lines = run.output.strip().splitlines()
        if len(lines) != 1:
            problems.append(f"the refusal is not one line: {lines[:5]}")
        return problems
    if not isinstance(run.report, dict) or not isinstance(run.report.get("exercises"), list):
        return problems + [
            f"no readable grade report after the run (exit {run.returncode}): {run.output[-600:]}"
        ]
    by_id = {ex["id"]: ex for ex in run.report["exercises"]}
    exercise = course.exercise(cheat.exercise)
    graded = by_id[cheat.exercise]
    outcomes = {c["name"]: c["outcome"] for c in graded["checks"]}
    names = [c.name for c in exercise.checks]
    lost = names
    if cheat.loses is not None:
        lost = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in cheat.loses)]
        unmatched = [p for p in cheat.loses if not fnmatch.filter(names, p)]
        assert not unmatched, f"{cheat.name}: LOSES patterns match no check: {unmatched}"
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
    if cheat.link is None and recorded != hashlib.sha256(submitted).hexdigest():
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


def attempt(cheat: Cheat, course, tmp_path: Path) -> tuple[list[str], Graded]:
    """Grade `cheat` in a fresh copy of the course; what it gained or left behind."""
    copy = copy_course(tmp_path / "course")
    outside = tmp_path / "outside"  # a folder the cheat aims at, standing for the rest of disk
    site = tmp_path / "site"  # stands for the site-packages of the grading environment
    outside.mkdir()
    site.mkdir()
    (outside / "secret.txt").write_text(f"token = {SECRET!r}\n")
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
    submitted = build_submission(cheat, course, copy, folder, places)
    (tmp_path / "tmpdir").mkdir()
    _open_to_all(tmp_path)
    before = snapshot(copy)
    handed_in = snapshot(folder)

    run = grade(copy, [cheat.exercise, *cheat.witnesses], folder, report, tmp_path, cheat.linger)
    problems = judge(cheat, course, run, submitted)

    for label, path, expected in (
        ("the course copy", copy, before),
        ("the submitted folder", folder, handed_in),
        (
            "a folder outside the submission",
            outside,
            {"secret.txt": _digest(outside / "secret.txt")},
        ),
        ("site-packages", site, {}),
        ("the temporary folder", tmp_path / "tmpdir", {}),
    ):
        diff = changes(expected, snapshot(path))
        if diff:
            problems.append(f"{label} changed: {diff[:6]}")
    strays = sorted({p.name for p in tmp_path.iterdir()} - RUN_FOLDERS)
    if strays:
        problems.append(f"files appeared next to the run's folders: {strays}")

    if cheat.again:
        # Whoever is graded next in this checkout must not inherit anything from the cheat.
        fresh = tmp_path / "fresh"
        fresh.mkdir()
        shutil.copy(copy / "exercises" / exercise.file, fresh / exercise.file)
        rerun = grade(copy, [cheat.exercise], fresh, tmp_path / "out" / "next.json", tmp_path, 0)
        honest = Cheat(name="pristine stub", exercise=cheat.exercise, base="stub", attack="")
        stub_bytes = (fresh / exercise.file).read_bytes()
        problems += [
            f"the next run in this checkout: {p}" for p in judge(honest, course, rerun, stub_bytes)
        ]
    return problems, run


HONEST = "untouched stub"
RUN_FOLDERS = {"course", "outside", "site", "submission", "out", "tmpdir", "scratch", "fresh"}


@pytest.fixture(scope="module")
def attempts(request, course) -> dict[str, tuple[list[str], Graded]]:
    """Every cheat selected in this session (and the untouched stub), graded side by side."""
    wanted = {HONEST: None}
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if item.path != Path(__file__) or callspec is None:
            continue  # another module's "path" parameter is not a cheat
        if "path" in callspec.params:
            wanted[callspec.params["path"].stem] = callspec.params["path"]
    base = Path(tempfile.mkdtemp(prefix="cheats-"))
    base.chmod(0o755)  # every user may reach what is below (see the module docstring)
    copy_course(base / "first" / "course")  # builds the master copy once, before the threads

    def one(name: str) -> tuple[list[str], Graded]:
        if name == HONEST:
            cheat = Cheat(name=name, exercise="lazy_evaluation", base="stub", attack="")
            cheat.again = True
        else:
            cheat = Cheat.read(wanted[name])
        folder = base / name
        folder.mkdir()
        try:
            return attempt(cheat, course, folder)
        except Exception as exc:  # one broken attempt must not hide the others' verdicts
            failed = Graded(-1, False, 0.0, f"{type(exc).__name__}: {exc}", None, None, None, [], 0)
            return [f"the attempt itself failed: {type(exc).__name__}: {exc}"], failed

    try:
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            futures = {name: pool.submit(one, name) for name in wanted}
            yield {name: future.result() for name, future in futures.items()}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_untouched_stub_is_judged_clean(attempts):
    """The yardstick: an honest run passes every judgment a cheat must pass."""
    problems, _ = attempts[HONEST]
    assert not problems, "the untouched stub fails the judgments:\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("path", list(_params()))
def test_cheat_gains_nothing_and_leaves_no_trace(path: Path, course, attempts):
    control = attempts[HONEST][1]
    if control.report is None:
        pytest.skip(f"grade does not run in this checkout at all: {control.output[-300:]}")
    problems, run = attempts[path.stem]
    graded = next(
        (
            e
            for e in (run.report or {}).get("exercises", [])
            if e.get("id") == Cheat.read(path).exercise
        ),
        {},
    )
    verdict = "blocked by the policy" if graded.get("violations") else "ran"
    print(
        f"\nVERDICT {path.stem}: {verdict}; score {graded.get('score')}; {run.seconds:.0f} s; "
        f"{'HOLDS' if not problems else 'GOT THROUGH: ' + ' | '.join(problems)[:600]}"
    )
    assert not problems, f"{path.stem} got through:\n- " + "\n- ".join(problems)


def test_every_cheat_names_its_class_and_gain():
    """Each cheat starts with a docstring that says which attack class it is and what it gains."""
    for path in cheat_files():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8").partition(MARK)[0]))
        assert doc and "Class:" in doc and "Gain:" in doc, (
            f"{path.name}: the docstring must say `Class: ...` and `Gain: ...`"
        )
