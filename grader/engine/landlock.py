"""Confine a grading process's writes to its own folders with Landlock (Linux 5.13 and later).

The guard (grader.engine.guard) sees only what Python does; MLX's writers (`mx.save` and friends) are
native code that makes no audit event and take any path, a NUL built at run time included. The
kernel, though, sees every open: once a process restricts itself with Landlock, it and everything
it starts can create, change or remove files only beneath the folders it named. No privilege is
needed, and nothing can lift the restriction afterwards.

Where Landlock is missing (macOS, an old kernel, a container that filters the calls) nothing
happens and `confine_writes` says so: the guard, the policy and the file modes remain.
"""

from __future__ import annotations

import ctypes
import glob
import os
import sys

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


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def device_files() -> list[str]:
    """Device files a grading process writes to: /dev/null, and the NVIDIA driver's (CUDA opens
    them read-write when it first allocates; refused, it reports "out of memory")."""
    return ["/dev/null", *sorted(glob.glob("/dev/nvidia*"))]


def confine_writes(folders: list[str], files: list[str] | None = None) -> bool:
    """Allow this process (and its children) to write only beneath `folders` and to the
    `files` named (default: `device_files()`); True when the kernel enforces it from now on."""
    files = device_files() if files is None else files
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(
        _CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION)
    )
    if abi < 1:
        return False
    handled = _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE
    file_rights = _WRITE_FILE
    if abi >= 2:
        handled |= _REFER
    if abi >= 3:
        handled |= _TRUNCATE
        file_rights |= _TRUNCATE
    attr = _RulesetAttr(handled)
    ruleset = libc.syscall(
        _CREATE_RULESET,
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
        ctypes.c_uint32(0),
    )
    if ruleset < 0:
        return False
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
                    return False
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return libc.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0
    finally:
        os.close(ruleset)
