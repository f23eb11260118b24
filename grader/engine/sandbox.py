"""Where grading processes run and what they may touch: a private copy of the submission,
an empty working folder per process, a small environment, an unprivileged user when the
supervisor is root, and the sweep that leaves no descendant behind.

Nothing here runs student code; the supervisor (grader.engine.supervisor) uses it before and after.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from grader.errors import UsageError

if TYPE_CHECKING:
    from grader.engine.hidden import HiddenChecks

# Environment variables a grading process inherits; everything else (tokens, credentials, the
# supervisor's own settings) stays behind. MLX, CUDA and BLAS read theirs from the environment.
_ENV_NAMES = {"PATH", "LANG", "LANGUAGE", "TZ", "SYSTEMROOT", "LD_LIBRARY_PATH"}
_ENV_PREFIXES = ("LC_", "MLX_", "CUDA_", "NVIDIA_", "OMP_", "OPENBLAS_", "MKL_", "DYLD_")
UNPRIVILEGED = "nobody"


@dataclass(frozen=True)
class PrivateCopy:
    """The private, read-only copy of the exercise files being graded, and their texts."""

    folder: Path  # holds exactly the expected exercise files
    origin: Path  # the folder they were copied from (absolute)
    sources: dict[str, str]  # file name -> text, kept before any student code ran
    raw: dict[str, bytes]  # file name -> bytes kept (at most the size cap and one byte)
    digests: dict[str, str]  # file name -> SHA-256 of the whole file as handed in

    def sha256(self, file: str) -> str:
        """Digest of the file handed in, which is what the report records."""
        return self.digests[file]

    def complete(self, file: str) -> bool:
        """True when the whole file was kept (it was not over the size cap)."""
        return hashlib.sha256(self.raw[file]).hexdigest() == self.digests[file]

    def changed(self, file: str) -> bool:
        """True when the private copy no longer holds what was submitted."""
        try:
            return (self.folder / file).read_bytes() != self.raw[file]
        except OSError:
            return True


class Sandbox:
    """A temporary tree for one grading run: the submission copy and a folder per process."""

    def __init__(self, max_bytes: int) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="grade-"))
        os.chmod(self.root, 0o755)
        self.max_bytes = max_bytes
        self.user = worker_user()
        self._count = 0
        self._lock = threading.Lock()

    def copy_submission(self, origin: Path, files: list[str]) -> PrivateCopy:
        """Copy exactly `files` from `origin` (nothing else comes along) and keep their text.

        A symbolic link is refused, never followed: it could hand in the reference solution, a
        secret of the machine or /proc/self/environ as "the submission". Only the first
        max_bytes + 1 bytes of a file are kept (enough for the policy to refuse a larger one),
        so the supervisor's memory never depends on what was handed in; the digest is of the
        whole file.
        """
        with self._lock:
            self._count += 1
            folder = self.root / f"s{self._count}" / origin.name  # messages name the folder
        folder.mkdir(parents=True)
        sources: dict[str, str] = {}
        raw: dict[str, bytes] = {}
        digests: dict[str, str] = {}
        for name in files:
            path = origin / name
            data, digests[name] = self._read(path)
            raw[name] = data
            sources[name] = data.decode("utf-8", "surrogateescape")
            (folder / name).write_bytes(data)
            os.chmod(folder / name, 0o444)
        os.chmod(folder, 0o555)
        return PrivateCopy(folder, origin, sources, raw, digests)

    def _read(self, path: Path) -> tuple[bytes, str]:
        """The first max_bytes + 1 bytes of a regular file (no link followed) and its digest."""
        try:
            fd = os.open(
                path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
            )
        except OSError as exc:
            if path.is_symlink():
                raise UsageError(
                    f"{path} is a symbolic link; hand in the exercise file itself"
                ) from exc
            raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise UsageError(f"{path} is not a regular file; hand in the exercise file itself")
            data = handle.read(self.max_bytes + 1)
            digest = hashlib.sha256(data)
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return data, digest.hexdigest()

    def copy_hidden_checks(self, hidden: HiddenChecks) -> HiddenChecks:
        """A private, read-only copy of an instructor's hidden checks."""
        with self._lock:
            self._count += 1
            folder = self.root / f"h{self._count}"
        copy = hidden.copied_to(folder)
        os.chmod(folder, 0o555)
        return copy

    def process_dirs(self) -> tuple[Path, Path]:
        """A fresh, empty working folder and temp folder for one grading process (see
        `link_kernels` for the one thing a temp folder may hold)."""
        with self._lock:
            self._count += 1
            base = self.root / f"p{self._count}"
        work, tmp = base / "work", base / "tmp"
        for folder in (base, work, tmp):
            folder.mkdir()
        if self.user is not None:
            for folder in (work, tmp):
                os.chown(folder, *self.user)
        for folder in (work, tmp):
            os.chmod(folder, 0o700)
        return work, tmp

    def kernel_cache(self, shared: Path, private: bool) -> Path:
        """The folder where MLX keeps the CPU kernels that `mx.compile` builds (with a C++
        compiler, in seconds) and loads again as shared libraries.

        Grading the user's own folders uses `shared` from run to run. Any other submission
        (`private`) gets a cache of its own run, seeded from `shared`: a library planted by one
        submission is never loaded while grading another.
        """
        if private:
            with self._lock:
                self._count += 1
                folder = self.root / f"k{self._count}"
            if shared.is_dir():
                shutil.copytree(shared, folder, symlinks=False)
            else:
                folder.mkdir()
        else:
            folder = shared
            folder.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            for path in [folder, *folder.rglob("*")]:
                os.chown(path, *self.user)
        return folder

    def cleanup(self) -> None:
        """Remove the whole tree, whatever a grading process left in it."""
        self.remove(self.root)

    def remove(self, path: Path) -> None:
        """Remove one folder of the tree (a run's copy, say), read-only parts included."""

        def unlock(
            func: Callable[..., object], path: str, exc: BaseException | tuple[Any, ...]
        ) -> None:  # read-only folders of the copy
            error = exc[1] if isinstance(exc, tuple) else exc  # onerror's tuple, onexc's error
            if isinstance(error, FileNotFoundError):
                return  # removed meanwhile (an interrupted run's two threads both clean up)
            try:
                os.chmod(os.path.dirname(path), 0o755)
                os.chmod(path, 0o755)
                func(path)
            except FileNotFoundError:
                return

        if not path.exists():
            return
        if sys.version_info >= (3, 12):
            shutil.rmtree(path, onexc=unlock)
        else:
            shutil.rmtree(path, onerror=unlock)


def link_kernels(tmp: Path, cache: Path) -> None:
    """Point MLX's kernel cache (`$TMPDIR/mlx`) of one grading process at `cache`."""
    link = tmp / "mlx"
    if not link.is_symlink():
        link.symlink_to(cache, target_is_directory=True)


def worker_user() -> tuple[int, int] | None:
    """(uid, gid) to run grading processes as: an unprivileged user when we are root on Linux,
    provided that user can reach the Python installation (one under /root cannot be: then the
    processes stay root, and the guard and the policy are what hold them)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(UNPRIVILEGED)
        user = (entry.pw_uid, entry.pw_gid)
    except KeyError:
        user = (65534, 65534)
    needed = [Path(sys.executable).resolve(), *(Path(p) for p in sys.path if p)]
    if all(_reachable(path, *user) for path in needed):
        return user
    return None


def _reachable(path: Path, uid: int, gid: int) -> bool:
    """True when `uid` can walk to `path` (and read it): every folder on the way searchable."""
    try:
        resolved = path.resolve()
    except OSError:
        return True
    for folder in [*reversed(resolved.parents), resolved]:
        try:
            info = folder.stat()
        except OSError:
            return True  # not there: nothing to reach
        want = stat.S_IXOTH if folder != resolved or folder.is_dir() else stat.S_IROTH
        if info.st_uid == uid:
            want <<= 6
        elif info.st_gid == gid:
            want <<= 3
        if not info.st_mode & want:
            return False
    return True


def worker_env(home: Path, tmp: Path) -> dict[str, str]:
    """The small environment of a grading process (no secret of the supervisor's reaches it)."""
    env = {k: v for k, v in os.environ.items() if k in _ENV_NAMES or k.startswith(_ENV_PREFIXES)}
    env.update(
        HOME=str(home),
        TMPDIR=str(tmp),
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
    )
    env.setdefault("LANG", "C.UTF-8")
    return env


def become_subreaper() -> bool:
    """Adopt every orphaned descendant (Linux): a process that starts its own session still
    ends up as our child, so the sweep can find it. Returns False where it is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        adopted: bool = libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
        return adopted
    except (OSError, AttributeError):
        return False


_descendants: Descendants | None = None
_descendants_lock = threading.Lock()


def descendants() -> Descendants:
    """The one record of descendants of this process, shared by every grading it runs."""
    global _descendants
    with _descendants_lock:
        if _descendants is None:
            _descendants = Descendants()
        return _descendants


class Descendants:
    """Every process a grading run started, directly or not, so none outlives it.

    On Linux the supervisor is a child subreaper: an orphan is re-parented to it, so sweeping
    its children that are not live grading processes finds every one. Elsewhere (macOS) the
    descendants seen while polling are remembered and killed; a process that detaches between
    two polls can escape there.
    """

    def __init__(self) -> None:
        self.subreaper = become_subreaper()
        self._lock = threading.Lock()
        self.spawning = threading.Lock()  # held while a grading process is being started
        self._live: set[int] = set()
        self._seen: dict[int, float] = {}  # pid -> create time

    def started(self, pid: int) -> None:
        with self._lock:
            self._live.add(pid)

    def ended(self, pid: int) -> None:
        with self._lock:
            self._live.discard(pid)

    def note(self, processes: list[psutil.Process]) -> None:
        """Remember descendants seen while polling a grading process."""
        with self._lock:
            for process in processes:
                try:
                    self._seen.setdefault(process.pid, process.create_time())
                except psutil.Error:
                    pass

    def sweep(self) -> int:
        """Kill descendants that no live grading process accounts for; returns how many."""
        killed = 0
        with self.spawning, self._lock:
            live = set(self._live)
            seen = dict(self._seen)
            try:
                children = psutil.Process().children(recursive=False)
            except psutil.Error:
                children = []
        for child in children:
            if child.pid not in live:
                killed += _kill_tree(child)
        for pid, created in seen.items():
            try:
                process = psutil.Process(pid)
                if process.create_time() != created or pid in live:
                    continue
                parent_live = any(p.pid in live for p in process.parents())
                if parent_live:
                    continue
            except psutil.Error:
                continue
            killed += _kill_tree(process)
        with self._lock:
            self._seen = {p: t for p, t in self._seen.items() if psutil.pid_exists(p)}
        return killed


def _kill_tree(process: psutil.Process) -> int:
    try:
        victims = [process, *process.children(recursive=True)]
    except psutil.Error:
        victims = [process]
    count = 0
    for victim in victims:
        try:
            victim.send_signal(signal.SIGKILL)
            count += 1
        except psutil.Error:
            pass
    for victim in victims:
        try:
            if victim.ppid() == os.getpid():
                os.waitpid(victim.pid, 0)  # an adopted orphan: reap it
        except (psutil.Error, ChildProcessError, OSError):
            pass
    return count
