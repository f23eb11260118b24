"""The grading process's guard: an audit hook that refuses what no check and no exercise needs.

Python raises an audit event before it opens, renames or deletes a file, loads a native
library or walks the garbage collector's objects. The hook turns the dangerous ones into a
PermissionError (the operation never happens) and reports them. It cannot be removed once
added. It complements the submission policy (grader.policy), which refuses such code before it
runs; native code that makes no audit event is the policy's job.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_CHANGE_EVENTS = frozenset(
    {
        "os.remove",
        "os.rename",
        "os.replace",
        "os.truncate",
        "os.rmdir",
        "os.mkdir",
        "os.symlink",
        "os.link",
        "os.chmod",
        "os.chown",
        "os.utime",
        "shutil.rmtree",
        "shutil.copyfile",
        "shutil.move",
    }
)
_LISTING_EVENTS = frozenset({"os.listdir", "os.scandir", "glob.glob", "os.walk"})
# Walking the interpreter's objects reaches the grader's own; sockets reach other machines.
# (ctypes stays: PyTorch, JAX and TensorFlow load their libraries through it.)
_REFUSED_EVENTS = frozenset(
    {
        "gc.get_objects",
        "gc.get_referents",
        "sys._current_frames",
        "socket.connect",
        "socket.sendto",
    }
)
# What no process may read under /proc: memory, open files (the results channel among them)
# and environments, of any process. (PyTorch reads its own maps; that stays allowed.)
_PROC_HIDDEN = re.compile(
    r"^/proc/(self|thread-self|\d+)(/task/\d+)?/(mem|fd|fdinfo|environ|map_files|pagemap)(/|$)"
)


class Guard:
    """Which paths a grading process may write and which it may not read."""

    def __init__(
        self,
        writable: list[str],
        hidden: list[str],
        report: Callable[[str], None],
    ) -> None:
        self.writable = [os.path.realpath(p) for p in writable] + ["/dev/null"]
        self.hidden = [os.path.realpath(p) for p in hidden]
        self.report = report

    def hide(self, paths: list[str]) -> None:
        """Hide more folders from now on (the hidden checks, once pytest has loaded them)."""
        self.hidden = self.hidden + [os.path.realpath(p) for p in paths]

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        """The audit hook: raise PermissionError to refuse an operation."""
        if event == "open":
            self._open(args)
        elif event in _CHANGE_EVENTS:
            for arg in args[:2]:
                path = _path(arg)
                if path is not None and not self._may_write(path):
                    self._refuse(f"{event} on {path}")
        elif event in _LISTING_EVENTS:
            path = _path(args[0]) if args else None
            if path is not None and self._is_hidden(path):
                self._refuse(f"{event} of {path}")
        elif event in _REFUSED_EVENTS:
            self._refuse(event)

    def _open(self, args: tuple[Any, ...]) -> None:
        path = _path(args[0]) if args else None
        if path is None:
            return
        mode = str(args[1] or "r") if len(args) > 1 else "r"
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        writing = any(c in mode for c in "wax+") or bool(flags & _WRITE_FLAGS)
        if writing and not self._may_write(path):
            self._refuse(f"writing {path}")
        if self._is_hidden(path):
            self._refuse(f"reading {path}")

    def _may_write(self, path: str) -> bool:
        return any(path == w or path.startswith(w + os.sep) for w in self.writable)

    def _is_hidden(self, path: str) -> bool:
        if _PROC_HIDDEN.match(path):
            return True
        return any(path == h or path.startswith(h + os.sep) for h in self.hidden)

    def _refuse(self, what: str) -> None:
        self.report(f"refused {what} (the grading sandbox allows no such operation)")
        raise PermissionError(f"the grading sandbox refused {what}")


def _path(arg: object) -> str | None:
    if not isinstance(arg, (str, bytes, os.PathLike)):
        return None
    try:
        return os.path.realpath(os.fsdecode(arg))
    except (TypeError, ValueError):
        return None


def install(writable: list[str], hidden: list[str], report: Callable[[str], None]) -> Guard:
    """Add the guard's audit hook to this process for good."""
    guard = Guard(writable, hidden, report)
    sys.addaudithook(guard.hook)
    return guard


def course_hidden_paths(root: Path) -> list[str]:
    """Folders of the course no grading process may read: the reference solutions."""
    return [str(root / "solutions")]
