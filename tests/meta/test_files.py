"""The one atomic writer: a reader sees the old file or the new one, an error keeps the old one
and leaves no temporary file, and modes are what a user expects."""

from __future__ import annotations

import stat

import pytest

from grader.files import atomic_file, write_atomically


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_is_0644_and_a_replaced_one_keeps_its_mode(tmp_path):
    path = tmp_path / "report.json"
    write_atomically(path, b"one")
    assert path.read_bytes() == b"one" and _mode(path) == 0o644
    path.chmod(0o600)
    write_atomically(path, b"two", new_mode=0o644)
    assert path.read_bytes() == b"two" and _mode(path) == 0o600
    write_atomically(tmp_path / "private.csv", b"x", new_mode=0o600)
    assert _mode(tmp_path / "private.csv") == 0o600


def test_an_error_midway_keeps_the_old_file_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_file(path) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("interrupted")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_a_folder_that_cannot_be_written_raises_oserror_and_changes_nothing(tmp_path):
    with pytest.raises(OSError):
        write_atomically(tmp_path / "missing" / "out.json", b"x")
    assert list(tmp_path.iterdir()) == []
