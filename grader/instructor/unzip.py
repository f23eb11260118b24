"""Unpacking a zip nobody vouches for, for `grade collect` and the Gradescope autograder alike.

Caps bound what the zips of one run may produce: bytes in all, bytes per member, members per
zip (and, for whoever walks the result, how deep zips in zips go). The bytes counted are the
bytes that actually come out, not the sizes the zip claims. Junk (__MACOSX, .DS_Store, `._*`)
and names that would land outside the folder (absolute, `..`, a drive) are passed over, as are
symbolic links. One member that cannot be unpacked (past the per-member cap, a name too long
for the file system, damaged data) is left out and named in the result's note; the rest is
unpacked. A zip past a cap of the whole (members, bytes in all), one that cannot be read, or
one whose every file was left out is not unpacked at all. Nothing here raises, and nothing that
is not a regular file (a named pipe, a device) is ever opened.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

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
    # For people: why not ("x.zip: not unpacked: ... (a zip bomb?)" past a cap, "x.zip: not a
    # readable zip (...)"), or, with a folder, the members that were left out.
    note: str | None = None


MAX_NAME_BYTES = 255  # of one file or folder name: the limit of every common file system
MAX_PATH_BYTES = 768  # of a member's path, so that scratch/zipN/<path> stays under macOS's 1024
SKIPPED_SHOWN = 3  # members named in a note; the rest are counted


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
    shown = visible(shown)
    budget.unpacked += 1
    dest = scratch / f"zip{budget.unpacked}"
    while dest.exists():
        budget.unpacked += 1
        dest = scratch / f"zip{budget.unpacked}"
    written = 0
    skipped: list[str] = []  # "name: why", for each file member left out
    try:
        dest.mkdir(parents=True)
        with open_regular(archive) as handle, zipfile.ZipFile(handle) as bundle:
            members = bundle.infolist()
            if len(members) > budget.caps.members:
                raise _Refused(f"{len(members)} members (the cap is {budget.caps.members})")
            for info in members:
                why = _extract(bundle, info, dest, budget, keep)
                if why == _WRITTEN:
                    written += 1
                elif why is not None:
                    skipped.append(f"{_member_name(info)} {why}")
    except _Refused as exc:
        shutil.rmtree(dest, ignore_errors=True)
        return Unzipped(None, f"{shown}: not unpacked: {visible(str(exc))} (a zip bomb?)")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:  # fmt: skip
        shutil.rmtree(dest, ignore_errors=True)
        return Unzipped(None, f"{shown}: not a readable zip ({visible(short(exc))})")
    if skipped and not written:
        shutil.rmtree(dest, ignore_errors=True)
        return Unzipped(None, f"{shown}: not unpacked: {_listing(skipped)}")
    if skipped:
        return Unzipped(dest, f"{shown}: {len(skipped)} member(s) left out: {_listing(skipped)}")
    return Unzipped(dest)


def open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading, refused (OSError) unless it is a regular file: a named pipe
    would block the reader forever and a device never ends. Opened without blocking and without
    following a symbolic link, then checked on the open file, so nothing can be swapped in
    between the check and the read."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"not a regular file but {_kind(mode)}")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


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


_WRITTEN = "written"


def _extract(
    bundle: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    dest: Path,
    budget: Budget,
    keep: Callable[[tuple[str, ...]], bool] | None,
) -> str | None:
    """Unpack one member: _WRITTEN, None when it is passed over (junk, a folder, unwanted), or
    why it was left out. Raises _Refused past a cap of the whole zip, and the zip's own errors
    when the zip cannot be read at all."""
    caps = budget.caps
    parts = _member_parts(info)
    if parts is None:
        return None  # junk and names that would escape the folder are passed over
    if info.is_dir():
        if keep is None and not _too_long(parts):  # (a file under it says it is too long)
            try:
                dest.joinpath(*parts).mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                pass  # a file of that name came first: the folder's files say they clash
        return None
    if keep is not None and not keep(parts):
        return None
    if _too_long(parts):
        return (
            f"has a name too long to unpack (over {MAX_NAME_BYTES} bytes, "
            f"or a path over {MAX_PATH_BYTES})"
        )
    if info.file_size > caps.member_bytes:
        return f"unpacks to {info.file_size} bytes (the cap is {caps.member_bytes}; a zip bomb?)"
    target = dest.joinpath(*parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sink = open(target, "wb")
    except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
        return f"clashes with another member's name ({short(exc)})"
    written = 0
    # Count what actually comes out: the sizes in the header are the zip's own claim. The bytes
    # of a member left out stay counted, so the cap in all bounds the work a zip can cause.
    try:
        with sink, bundle.open(info) as source:
            while chunk := source.read(1024 * 1024):
                written += len(chunk)
                budget.left -= len(chunk)
                if budget.left < 0:
                    raise _Refused(f"the zips unpack to more than {caps.total_bytes} bytes in all")
                if written > caps.member_bytes:
                    raise _LeftOut(f"unpacks to more than {caps.member_bytes} bytes (a zip bomb?)")
                sink.write(chunk)
    except _LeftOut as exc:
        target.unlink(missing_ok=True)
        return str(exc)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        target.unlink(missing_ok=True)  # damaged, encrypted or packed in an unknown way
        return f"cannot be read ({short(exc)})"
    return _WRITTEN


def _too_long(parts: tuple[str, ...]) -> bool:
    sizes = [len(p.encode("utf-8", "replace")) for p in parts]
    return max(sizes) > MAX_NAME_BYTES or sum(sizes) + len(sizes) > MAX_PATH_BYTES


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name for a note: valid text, the middle of a very long one cut out."""
    name = visible(info.filename)
    return name if len(name) <= 80 else f"{name[:50]}…{name[-29:]}"


def _listing(skipped: list[str]) -> str:
    shown = "; ".join(skipped[:SKIPPED_SHOWN])
    more = len(skipped) - SKIPPED_SHOWN
    return f"{shown}; and {more} more member(s)" if more > 0 else shown


class _Refused(Exception):
    """A zip goes past a cap of the whole zip."""


class _LeftOut(Exception):
    """A member goes past the per-member cap: it is left out, the rest of the zip is unpacked."""


def short(exc: BaseException) -> str:
    """An exception's message, cut to one readable line."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


_SURROGATE = re.compile("[\ud800-\udfff]")


def visible(text: str) -> str:
    """`text` as valid Unicode, every lone surrogate shown as an escape: a byte of a file name
    that is not UTF-8 (which Python carries as a surrogate) as `\\xe9`, a `\\ud800` written in
    JSON as `\\ud800`. Text that can be encoded as UTF-8 is returned as it is."""
    return _SURROGATE.sub(_escape_surrogate, text) if _SURROGATE.search(text) else text


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"
