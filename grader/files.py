"""Writing a file so that readers see the old one or the new one, never half of one."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

NEW_FILE_MODE = 0o644


@contextmanager
def atomic_file(
    path: Path, *, sync: bool = True, new_mode: int = NEW_FILE_MODE
) -> Iterator[BinaryIO]:
    """A binary file that replaces `path` in one step when the block ends without an error; on
    an error (an OSError included, which is raised as it is) the old file stays as it was.

    `sync` puts the data on disk before the rename. The file keeps the mode of the one it
    replaces; a new one gets `new_mode` (a temporary file alone would be 0600).
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = new_mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomically(
    path: Path, data: bytes, *, sync: bool = True, new_mode: int = NEW_FILE_MODE
) -> None:
    """Replace `path` with `data` in one step (see atomic_file)."""
    with atomic_file(path, sync=sync, new_mode=new_mode) as handle:
        handle.write(data)
