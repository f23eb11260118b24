"""`grade dev`: tools for course developers, never needed to grade or to be graded.

    grade dev policy FILE_OR_DIR...   # the submission policy's violations; exit 1 if any
    grade dev digests [--write]       # stale release digests (exit 1), or record them anew

grader/cli.py adds the `dev` group; this module must not import grader.cli (an import cycle).
The commands raise the library's errors (a path that does not exist is a UsageError); the CLI's
error boundary (grader/clitools.py ErrorBoundary) prints each as one line and exits with its code.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import click

from grader.engine.integrity import RELEASE_FILE, stale_files, write_release
from grader.errors import UsageError
from grader.manifest import find_root, load_course
from grader.policy import Policy, Violation, load_policy

CONTEXT = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT)
def dev() -> None:
    """Tools for course developers: the submission policy's verdict on files, and the release
    digests of the files that decide a score."""


@dev.command("policy", context_settings=CONTEXT, short_help="Print each policy violation in files.")
@click.argument("paths", nargs=-1, required=True, metavar="FILE_OR_DIR...")
def policy(paths: tuple[str, ...]) -> None:
    """Check files against the submission policy: print each violation; exit 1 if there are any.

    A folder is searched for .py files. A file named like an exercise is held to that exercise's
    policy; an answer under tests/meta/wrong/ID/ or tests/meta/right/ID/ is checked appended to
    the reference solution, as the course's tests use it."""
    root = find_root()
    course_policy = load_policy(root)
    files = {ex.file: ex.id for ex in load_course(root).exercises}
    count = 0
    for path in _paths(paths):
        for violation in _check_path(path, course_policy, root, files):
            click.echo(violation.describe())
            count += 1
    if count:
        sys.exit(1)


@dev.command(
    "digests", context_settings=CONTEXT, short_help="Check or --write the release digests."
)
@click.option(
    "--write",
    is_flag=True,
    help="Record the digests of the repository as it is now in grader/release.json.",
)
def digests(write: bool) -> None:
    """Compare the release digests (grader/release.json) with the files that decide a score:
    name each file that changed (exit 1), or say they match.

    Run it with --write after changing a check, a grader module or course.toml."""
    course = load_course()
    if write:
        record = write_release(course)
        click.echo(
            f"wrote {_relative(RELEASE_FILE, course.root)}: {len(record['files'])} scoring files, "
            f"{len(record['stubs'])} stubs"
        )
        return
    stale = stale_files(course)
    click.echo("\n".join(stale) or "release digests match")
    if stale:
        sys.exit(1)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _paths(args: Iterable[str]) -> Iterator[Path]:
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
        elif path.is_file():
            yield path
        else:
            raise UsageError(f"no such file or folder: {arg}")


def _check_path(path: Path, policy: Policy, root: Path, files: dict[str, str]) -> list[Violation]:
    """Check one file as the course uses it: an answer under tests/meta/wrong/ or right/ is
    appended to its reference solution (tests/meta/wrong_answers.py), so it is checked so."""
    ident = path.parent.name
    known = {ex_id: name for name, ex_id in files.items()}
    if ident in known and path.parent.parent.name in ("wrong", "right"):
        solution = root / "solutions" / known[ident]
        try:
            base = solution.read_text(encoding="utf-8")
            own = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return policy.check_file(path, ident)
        base += "" if base.endswith("\n") else "\n"
        offset = base.count("\n")
        found = policy.check(base + own, str(path), ident)
        return [_relocated(v, path, solution, offset) for v in found]
    return policy.check_file(path, files.get(path.name, ""))


def _relocated(violation: Violation, path: Path, solution: Path, offset: int) -> Violation:
    # Lines past the solution are the answer's own; the others are the solution's.
    if violation.line > offset:
        file, line = str(path), violation.line - offset
    else:
        file, line = str(solution), violation.line
    old = f"{violation.file}:{violation.line}: "
    message = f"{file}:{line}: " + violation.message.removeprefix(old)
    return replace(violation, file=file, line=line, message=message)
