"""Unpacking a zip nobody vouches for, for `grade collect` and the Gradescope autograder alike.

Caps bound what the zips of one run may produce: bytes in all, bytes per member, members per
zip (and, for whoever walks the result, how deep zips in zips go). The bytes counted are the
bytes that actually come out, not the sizes the zip claims. Junk (__MACOSX, .DS_Store, `._*`)
and names that would land outside the folder (absolute, `..`, a drive) are passed over, as are
symbolic links. A zip past a cap, or one that cannot be read, is not unpacked at all: the
result says why, in a line for people, and never raises.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

JUNK = frozenset(
    {
        "__MACOSX",
        ".DS_Store",
        "Thumbs.db",
        "desktop.ini",
        "__pycache__",
        ".git",
        ".ipynb_checkpoints",
    }
)


@dataclass(frozen=True)
class ZipCaps:
    """Limits on what unpacking the zips of one run may produce (defaults: a `grade collect`)."""

    total_bytes: int = 512 * 1024 * 1024  # over every zip of the run
    member_bytes: int = 16 * 1024 * 1024
    members: int = 20_000  # per zip, folders included
    depth: int = 3  # zips inside zips


class Budget:
    """What the zips of one run may still unpack: one object for the whole run, so that every
    zip draws on the same `caps.total_bytes`."""

    def __init__(self, caps: ZipCaps | None = None) -> None:
        self.caps = caps or ZipCaps()
        self.left = self.caps.total_bytes
        self.unpacked = 0  # zips opened so far, to name their folders


@dataclass(frozen=True)
class Unzipped:
    """What became of one zip: the folder it was unpacked into, or why it was not."""

    folder: Path | None  # None when the zip was not unpacked (nothing of it is left on disk)
    # Why not, for people: "x.zip: not unpacked: ... (a zip bomb?)" past a cap, or
    # "x.zip: not a readable zip (...)".
    note: str | None = None


def unzip(
    archive: Path,
    shown: str,
    scratch: Path,
    budget: Budget,
    keep: Callable[[tuple[str, ...]], bool] | None = None,
) -> Unzipped:
    """Unpack `archive` (called `shown` in notes) into a new folder under `scratch`, within the
    caps of `budget`. `keep`, given a file member's path parts, says whether it is wanted; those
    it refuses are neither written nor counted (nor are folder entries then made)."""
    budget.unpacked += 1
    dest = scratch / f"zip{budget.unpacked}"
    while dest.exists():
        budget.unpacked += 1
        dest = scratch / f"zip{budget.unpacked}"
    try:
        dest.mkdir(parents=True)
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            if len(members) > budget.caps.members:
                raise _Refused(f"{len(members)} members (the cap is {budget.caps.members})")
            for info in members:
                _extract(bundle, info, dest, budget, keep)
    except _Refused as exc:
        shutil.rmtree(dest, ignore_errors=True)
        return Unzipped(None, f"{shown}: not unpacked: {exc} (a zip bomb?)")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:  # fmt: skip
        shutil.rmtree(dest, ignore_errors=True)
        return Unzipped(None, f"{shown}: not a readable zip ({short(exc)})")
    return Unzipped(dest)


def _member_parts(info: zipfile.ZipInfo) -> tuple[str, ...] | None:
    """The path parts a member unpacks to, or None for junk and names that would escape."""
    name = PurePosixPath(info.filename.replace("\\", "/"))
    parts = tuple(p for p in name.parts if p not in ("", "."))
    if (
        not parts
        or name.is_absolute()
        or ".." in parts
        or ":" in parts[0]
        or any(p in JUNK or p.startswith("._") for p in parts)
        or stat.S_ISLNK(info.external_attr >> 16)
    ):
        return None
    return parts


def _extract(
    bundle: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    dest: Path,
    budget: Budget,
    keep: Callable[[tuple[str, ...]], bool] | None,
) -> None:
    caps = budget.caps
    parts = _member_parts(info)
    if parts is None:
        return  # junk and names that would escape the folder are passed over
    if info.is_dir():
        if keep is None:
            dest.joinpath(*parts).mkdir(parents=True, exist_ok=True)
        return
    if keep is not None and not keep(parts):
        return
    if info.file_size > caps.member_bytes:
        raise _Refused(
            f"{info.filename} unpacks to {info.file_size} bytes (the cap is {caps.member_bytes})"
        )
    target = dest.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    # Count what actually comes out: the sizes in the header are the zip's own claim.
    with bundle.open(info) as source, open(target, "wb") as sink:
        while chunk := source.read(1024 * 1024):
            written += len(chunk)
            budget.left -= len(chunk)
            if written > caps.member_bytes:
                raise _Refused(f"{info.filename} unpacks to more than {caps.member_bytes} bytes")
            if budget.left < 0:
                raise _Refused(f"the zips unpack to more than {caps.total_bytes} bytes in all")
            sink.write(chunk)


class _Refused(Exception):
    """A zip goes past a cap."""


def short(exc: BaseException) -> str:
    """An exception's message, cut to one readable line."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
