"""Confine a grading process with Landlock: its writes to its own folders (Linux 5.13 and later),
its signals and abstract UNIX sockets to its own process tree (Linux 6.12 and later).

The guard (grader.engine.guard) sees only what Python does; MLX's writers (`mx.save` and friends) are
native code that makes no audit event and take any path, a NUL built at run time included. The
kernel, though, sees every open: once a process restricts itself with Landlock, it and everything
it starts can create, change or remove files only beneath the folders it named. No privilege is
needed, and nothing can lift the restriction afterwards.

Scoping (ABI 6) holds what the process can reach beyond files: it may signal, and connect to an
abstract UNIX socket of, only processes in its own Landlock domain or one nested below it. Each
grading process restricts itself after the zygote forks it, so its domain holds itself and its
children only: not the zygote, the supervisor, or the grading processes of another exercise or
collect slot. Landlock also refuses ptrace of any process outside the domain, from ABI 1.

Where Landlock is missing (macOS, an old kernel, a container that filters the calls) nothing
happens and `confine` says so: the guard, the policy and the file modes remain.
"""

from __future__ import annotations

import ctypes
import glob
import os
import sys
from dataclasses import dataclass

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Access rights, by the ABI version that introduced them.
_WRITE_FILE = 1 << 1
_REMOVE_DIR, _REMOVE_FILE = 1 << 4, 1 << 5
_MAKE = sum(1 << bit for bit in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
_REFER = 1 << 13  # ABI 2
_TRUNCATE = 1 << 14  # ABI 3
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6
SCOPE_ABI = 6


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),  # ABI 4
        ("scoped", ctypes.c_uint64),  # ABI 6
    ]


@dataclass(frozen=True)
class Confined:
    """What the kernel enforces on a process from now on."""

    writes: bool  # writes only beneath the folders named
    signals: bool  # signals and abstract UNIX sockets only within its own process tree

    def missing(self) -> list[str]:
        """One phrase per layer the kernel did not give, for the report and the terminal."""
        return [
            phrase
            for held, phrase in [
                (self.writes, "writes are not confined by the kernel (Landlock, Linux 5.13+)"),
                (
                    self.signals,
                    "signals are not confined to the process tree by the kernel (Landlock "
                    "scoping, Linux 6.12+)",
                ),
            ]
            if not held
        ]


def abi() -> int:
    """The Landlock ABI version this kernel offers; 0 where there is none (macOS, old kernels)."""
    return _abi(_libc())


def _abi(libc: ctypes.CDLL | None) -> int:
    if libc is None:
        return 0
    version = libc.syscall(
        _CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION)
    )
    return max(int(version), 0)


def available() -> Confined:
    """What `confine` would enforce on this machine, found without restricting anything."""
    version = abi()
    return Confined(writes=version >= 1, signals=version >= SCOPE_ABI)


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    libc.syscall.restype = ctypes.c_long
    return libc


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def device_files() -> list[str]:
    """Device files a grading process writes to: /dev/null, and the NVIDIA driver's (CUDA opens
    them read-write when it first allocates; refused, it reports "out of memory")."""
    return ["/dev/null", *sorted(glob.glob("/dev/nvidia*"))]


def confine(folders: list[str], files: list[str] | None = None) -> Confined:
    """Allow this process (and its children) to write only beneath `folders` and to the
    `files` named (default: `device_files()`), and, where the kernel can, to signal only its own
    process tree; returns what the kernel enforces from now on."""
    nothing = Confined(writes=False, signals=False)
    files = device_files() if files is None else files
    libc = _libc()
    version = _abi(libc)
    if libc is None or version < 1:
        return nothing
    handled = _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE
    file_rights = _WRITE_FILE
    if version >= 2:
        handled |= _REFER
    if version >= 3:
        handled |= _TRUNCATE
        file_rights |= _TRUNCATE
    scoped = version >= SCOPE_ABI
    attr = _RulesetAttr(handled, 0, _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if scoped else 0)
    # An older kernel knows only the first field, and refuses a larger struct.
    size = ctypes.sizeof(attr) if scoped else ctypes.sizeof(ctypes.c_uint64)
    ruleset = libc.syscall(
        _CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)
    )
    if ruleset < 0:
        return nothing
    try:
        for path, rights in [*((f, handled) for f in folders), *((f, file_rights) for f in files)]:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # not there: nothing to allow
            try:
                rule = _PathBeneathAttr(rights, fd)
                if (
                    libc.syscall(
                        _ADD_RULE,
                        ctypes.c_int(ruleset),
                        ctypes.c_int(_RULE_PATH_BENEATH),
                        ctypes.byref(rule),
                        ctypes.c_uint32(0),
                    )
                    < 0
                ):
                    return nothing
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return nothing
        if libc.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return nothing
        return Confined(writes=True, signals=scoped)
    finally:
        os.close(ruleset)
