"""`grade export gradescope`: the autograder zip that Gradescope builds its grading image from.

The zip, as Gradescope's "Autograder Specifications" ask (setup.sh and run_autograder at the root;
Gradescope unpacks everything into /autograder/source):

    setup.sh          installs the grader wheel and its dependencies into source/venv
    run_autograder    grades /autograder/submission (grader.instructor.autograder)
    autograder.json   the limits to grade with
    dist/*.whl        the course's grader package, built from this checkout
    course/           course.toml, the check files, the stubs and the grader's sources
    hidden/           the instructor's hidden checks (`--checks DIR`), if any
"""

from __future__ import annotations

import importlib.metadata
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader import __version__
from grader.engine.grading import grade, resolve_target
from grader.engine.hidden import MANIFEST, load_hidden_checks
from grader.engine.integrity import checks_sha256, file_digests
from grader.engine.jobs import Limits
from grader.engine.protocol import Outcome
from grader.engine.results import GradingRun
from grader.errors import CourseError, GraderError, UsageError
from grader.files import atomic_file
from grader.instructor.autograder import CONFIG_NAME, HIDDEN_DIR
from grader.manifest import MANIFEST_NAME, Course, load_course

SCRIPTS = Path(__file__).with_name("gradescope_files")
GRADESCOPE_MEMORY_MB = 768  # Gradescope's default memory per autograder container
# The grading process's limit. Grading the solutions peaks near 280 MiB for the supervisor and
# the grading process together (bench/bench_gradescope.py); 512 MiB leaves a student room to be
# wasteful and still keeps the container under 768 MB, so a memory hog loses its check instead of
# Gradescope killing the whole run.
DEFAULT_MEMORY_MIB = 512
# Gradescope stops an autograder after 10 minutes by default and then shows the student nothing;
# stopping ourselves first still gives them a results.json that says why.
DEFAULT_DEADLINE_S = 540
# The first setuptools that builds a PEP 639 license expression (its changelog, v77.0.0), and the
# packaging it reads one with (packaging.licenses, new in 24.2).
MIN_SETUPTOOLS = (77,)
MIN_PACKAGING = (24, 2)


@dataclass(frozen=True)
class Bundle:
    """What `build_autograder` wrote."""

    path: Path
    size: int  # bytes
    check_files: int
    hidden_files: int
    verified: GradingRun | None  # the reference solutions graded with the bundle


def build_autograder(
    course: Course,
    out: Path,
    checks: Path | None = None,
    *,
    timeout: float | None = None,
    memory_mib: int = DEFAULT_MEMORY_MIB,
    deadline: float = DEFAULT_DEADLINE_S,
    verify: bool = True,
) -> Bundle:
    """Write the Gradescope autograder zip for `course` to `out` (atomically).

    With `verify`, the reference solutions are first graded with the bundle's own course tree,
    hidden checks and limits, and the zip is refused unless they reach full marks."""
    _check_out(out)
    hidden_files = _hidden_files(course, checks) if checks is not None else []
    with tempfile.TemporaryDirectory(prefix="gradescope-") as scratch_name:
        stage = Path(scratch_name) / "zip"
        tree = stage / "course"
        for rel in course_files(course):
            _copy(course.root / rel, tree / rel)
        for path in hidden_files:
            _copy(path, stage / HIDDEN_DIR / path.name)
        for script in ("setup.sh", "run_autograder"):
            _copy(SCRIPTS / script, stage / script)
        bundled = load_course(tree)
        config = {
            "course": bundled.name,
            "version": __version__,
            "checks_sha256": checks_sha256(file_digests(bundled)),
            "hidden_checks": [p.name for p in hidden_files],
            "timeout_s": timeout or bundled.default_timeout,
            "memory_limit_mib": memory_mib,
            "jobs": 1,  # Gradescope gives one CPU or less unless the instructor pays for more
            "deadline_s": deadline,
            "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        (stage / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        _build_wheel(tree, stage / "dist", Path(scratch_name) / "wheel-src")
        verified = None
        if verify:
            # The grading processes may run as an unprivileged user (`nobody`, when grade runs
            # as root on Linux): they must reach the bundle's course tree and hidden checks,
            # which TemporaryDirectory makes 0700.
            os.chmod(scratch_name, 0o755)
            verified = _verify(bundled, course.root / "solutions", stage, config)
        _write_zip(stage, out)
    return Bundle(
        path=out,
        size=out.stat().st_size,
        check_files=len(course.exercises),
        hidden_files=len([p for p in hidden_files if p.suffix == ".py"]),
        verified=verified,
    )


def course_files(course: Course) -> list[str]:
    """Paths (relative to the course root) that grading needs: the manifest, the pytest
    configuration, the grader's sources, the check files and the stubs (graded in place of a
    missing file)."""
    root = course.root
    files = {MANIFEST_NAME, "pyproject.toml", "README.md", "tests/conftest.py"}
    files |= {ex.check_file for ex in course.exercises}
    files |= {f"exercises/{ex.file}" for ex in course.exercises}
    for path in (root / "grader").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files.add(path.relative_to(root).as_posix())
    absent = sorted(rel for rel in files if not (root / rel).is_file())
    if absent:
        raise CourseError(
            f"the course checkout lacks {', '.join(absent)}; restore them with `git checkout`"
        )
    return sorted(files)


def _hidden_files(course: Course, checks: Path) -> list[Path]:
    """The hidden checks folder's checks.toml and check files, validated by the grader itself."""
    hidden = load_hidden_checks(checks, course)
    return [hidden.folder / MANIFEST, *sorted(f.path for f in hidden.files.values())]


def _check_out(out: Path) -> None:
    folder = out.parent
    if out.is_dir():
        raise UsageError(
            f"--out {out} is a folder; give a file name such as {out / 'autograder.zip'}"
        )
    if not folder.is_dir():
        raise UsageError(f"cannot write {out}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write {out}: permission denied; pick another --out")


def _copy(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, dest)


def _build_wheel(tree: Path, dist: Path, workdir: Path) -> None:
    """Build the grader's wheel from a copy of the bundled sources (so nothing is written into
    the checkout), with the installed setuptools when it is recent enough, else in pip's
    isolated build (which needs the package index or pip's cache)."""
    for rel in ("pyproject.toml", "README.md", "grader"):
        source = tree / rel
        if source.is_dir():
            shutil.copytree(source, workdir / rel)
        else:
            _copy(source, workdir / rel)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist)]
    here = _can_build_here()
    if here:
        command.append("--no-build-isolation")
    proc = subprocess.run(
        [*command, str(workdir)], capture_output=True, text=True, cwd=workdir, timeout=600
    )
    wheels = list(dist.glob("*.whl"))
    if proc.returncode != 0 or len(wheels) != 1:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        fix = (
            "check that pip works in this environment (`pip install -e '.[dev]'`)"
            if here
            else "pip's isolated build fetches setuptools from the package index: let pip reach "
            f"it, or install a recent one here (`pip install 'setuptools>={MIN_SETUPTOOLS[0]}' "
            f"'packaging>={'.'.join(map(str, MIN_PACKAGING))}'`)"
        )
        raise GraderError(
            f"could not build the grader's wheel with pip ({' / '.join(detail) or 'no output'}); "
            f"{fix}"
        )


def _can_build_here() -> bool:
    """Whether this environment's own setuptools can build the wheel (offline, and faster than
    pip's isolated build, which installs a setuptools that pyproject.toml's floor admits).

    `license = "MIT"` (a PEP 639 license expression) needs setuptools 77 or later, which reads
    it with packaging 24.2 or later (packaging.licenses); a venv of Python 3.10 or 3.11 comes
    with setuptools 65, 3.12 and later with none."""
    return _version_at_least("setuptools", MIN_SETUPTOOLS) and _version_at_least(
        "packaging", MIN_PACKAGING
    )


def _version_at_least(distribution: str, floor: tuple[int, ...]) -> bool:
    try:
        installed = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    numbers = []
    for part in installed.split(".")[: len(floor)]:
        digits = "".join(itertools.takewhile(str.isdigit, part))
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers) >= floor


def _verify(course: Course, solutions: Path, stage: Path, config: dict[str, Any]) -> GradingRun:
    """Grade the reference solutions with the bundle; refuse a bundle they do not ace."""
    if not solutions.is_dir():
        raise UsageError(
            f"{solutions} does not exist, so the bundle cannot be verified; pass --no-verify"
        )
    hidden = stage / HIDDEN_DIR
    limits = Limits.for_course(
        course, timeout=config["timeout_s"], memory_mib=config["memory_limit_mib"]
    )
    extra = hidden if hidden.is_dir() else None
    run = grade(
        course,
        course.exercises,
        folder=resolve_target(course, str(solutions), course.exercises),
        limits=limits,
        extra_checks=extra,
    ).run
    failing = [
        f"{ex.id}::{c.name} ({c.outcome})"
        for ex in run.exercises
        for c in ex.checks
        if c.outcome not in (Outcome.PASSED, Outcome.SKIPPED)
    ]
    if failing:
        raise CourseError(
            f"the reference solutions fail {len(failing)} check(s) with this bundle: "
            f"{', '.join(failing[:5])}; fix the checks (or raise --memory-limit/--timeout), "
            "or pass --no-verify"
        )
    return run


def _write_zip(stage: Path, out: Path) -> None:
    """Zip `stage`'s contents (not the folder itself) into `out`; scripts keep their exec bit."""
    try:
        with (
            atomic_file(out) as handle,
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as bundle,
        ):
            for path in sorted(stage.rglob("*")):
                rel_path = path.relative_to(stage)
                if path.is_dir() or any(
                    part == "__pycache__" or part.startswith(".") for part in rel_path.parts
                ):
                    continue  # caches that grading the solutions left behind
                rel = rel_path.as_posix()
                info = zipfile.ZipInfo(rel, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                mode = 0o755 if os.access(path, os.X_OK) else 0o644
                info.external_attr = (0o100000 | mode) << 16
                bundle.writestr(info, path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}; pick another --out") from exc
