"""The kernel's confinement of a grading process (grader/engine/landlock.py), tried for real.

Each test starts real processes and asks the kernel itself: signals are sent with libc's kill()
through ctypes, which no audit hook of ours sees, as code that escaped the policy would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, run_grade

from grader.engine import landlock

SCOPED = landlock.abi() >= landlock.SCOPE_ABI
needs_scoping = pytest.mark.skipif(
    not SCOPED, reason=f"this kernel offers Landlock ABI {landlock.abi()}; scoping needs 6"
)

# Confines itself, then reports what libc's kill(pid, 0) says for each pid it is given and for
# a child it starts after confining ("child"): 0, or the errno.
PROBE = textwrap.dedent(
    """
    import ctypes, json, os, subprocess, sys
    sys.path.insert(0, sys.argv[1])
    from grader.engine import landlock
    confined = landlock.confine([sys.argv[2]])
    libc = ctypes.CDLL(None, use_errno=True)
    def kill(pid):
        return 0 if libc.kill(pid, 0) == 0 else ctypes.get_errno()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    answers = {"child": kill(child.pid), **{p: kill(int(p)) for p in sys.argv[3:]}}
    child.kill()
    print(json.dumps({"writes": confined.writes, "signals": confined.signals, **answers}))
    """
)
EPERM = 1


def _probe(tmp_path, *pids: int) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT), str(tmp_path), *map(str, pids)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@needs_scoping
def test_a_confined_process_cannot_signal_its_parent_or_a_stranger(tmp_path):
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        answers = _probe(tmp_path, os.getpid(), stranger.pid)
    finally:
        stranger.kill()
    assert answers["writes"] and answers["signals"]
    assert answers[str(os.getpid())] == EPERM  # its parent
    assert answers[str(stranger.pid)] == EPERM  # a process outside its tree
    assert answers["child"] == 0  # its own child, which it must be able to stop


@needs_scoping
def test_two_confined_siblings_cannot_signal_each_other(tmp_path):
    # Like two collect slots' grading processes: each confines itself, neither reaches the other.
    sibling = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; sys.path.insert(0, sys.argv[1]); from grader.engine import landlock;"
            " landlock.confine([sys.argv[2]]); print('ready', flush=True); time.sleep(30)",
            str(ROOT),
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sibling.stdout is not None and sibling.stdout.readline() == "ready\n"
        answers = _probe(tmp_path, sibling.pid)
    finally:
        sibling.kill()
    assert answers[str(sibling.pid)] == EPERM


def test_available_says_what_this_kernel_enforces():
    held = landlock.available()
    assert held.writes == (landlock.abi() >= 1) and held.signals == SCOPED
    assert len(held.missing()) == (not held.writes) + (not held.signals)


@needs_scoping
def test_a_check_that_escaped_into_native_code_cannot_signal_outside_its_process(tmp_path):
    # A hidden check is trusted code of the instructor, run in the grading process like the
    # student's: here it plays a submission that escaped the policy entirely and calls libc.
    checks = tmp_path / "hidden"
    checks.mkdir()
    (checks / "checks.toml").write_text(
        '[[exercises]]\nid = "lazy_evaluation"\n[exercises.checks]\n'
        "test_hidden_kill_reaches_nothing_outside = 1\n"
    )
    (checks / "test_01_lazy_evaluation.py").write_text(
        "import ctypes, os\n\n\n"
        "def test_hidden_kill_reaches_nothing_outside(student):\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        f"    for pid in (os.getppid(), {os.getpid()}, 1):\n"
        "        assert libc.kill(pid, 0) == -1 and ctypes.get_errno() == 1, pid\n"
    )
    handed_in = tmp_path / "class" / "alice"
    handed_in.mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "01_lazy_evaluation.py", handed_in)
    out = tmp_path / "out"
    result = run_grade(
        "collect", str(handed_in.parent), "--checks", str(checks), "--out-dir", str(out)
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    report = json.loads((out / "reports" / "alice.json").read_text())
    (exercise,) = [e for e in report["exercises"] if e["id"] == "lazy_evaluation"]
    (hidden,) = [c for c in exercise["checks"] if c["hidden"]]
    assert hidden["outcome"] == "passed", hidden
    assert report["integrity"]["unconfined"] == []
