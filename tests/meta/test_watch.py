"""`grade watch` driven as a student drives it: a real process, real saves, real keys (through a
pipe, and through a pseudo-terminal where single keys need no Enter)."""

from __future__ import annotations

import fcntl
import os
import queue
import shutil
import subprocess
import sys
import termios
import threading
import time

import pytest
from conftest import ROOT
from test_student_loop import COURSE, FIRST, WRONG_BUILD_GRAPH

RIGHT = (ROOT / "solutions" / FIRST.file).read_text()
WRONG = RIGHT + "\n\n" + WRONG_BUILD_GRAPH
LOOPS = RIGHT + "\n\nwhile True:\n    pass\n"
EXITS = RIGHT + "\n\nraise SystemExit(3)\n"


class Watch:
    """A running `grade watch` whose output is read line by line as it comes."""

    def __init__(
        self, args: list[str], cwd=ROOT, tty: bool = False, command: str = "watch"
    ) -> None:
        command = [sys.executable, "-c", "from grader.cli import main; main()", command, *args]
        env = {**os.environ, "NO_COLOR": "1"}
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        if tty:
            import pty

            master, slave = pty.openpty()
            self.proc = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                start_new_session=True,  # then make the pty its controlling terminal, so that
                preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # Ctrl-C reaches it
            )
            self.terminal = slave  # kept open to read its settings after the watcher is gone
            self._send = lambda text: os.write(master, text.encode())
            threading.Thread(target=self._read_pty, args=(master,), daemon=True).start()
        else:
            self.proc = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            self._send = self._write_pipe
            threading.Thread(target=self._read_pipe, daemon=True).start()

    def _write_pipe(self, text: str) -> None:
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def _read_pipe(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def _read_pty(self, fd: int) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self.lines.put(line.decode(errors="replace"))

    def send(self, text: str) -> None:
        self._send(text)

    def expect(self, words: str, timeout: float = 90) -> str:
        """The next line holding `words`; fails with everything seen if none comes in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if words in line:
                return line
        pytest.fail(f"no line with {words!r}; the watcher printed:\n{''.join(self.seen)}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.kill()
        if hasattr(self, "terminal"):
            os.close(self.terminal)
            del self.terminal
        return self.proc.wait(10)


def save(path, text: str) -> None:
    """Save as an editor does: a new file moved over the old one."""
    tmp = path.with_name(f".{path.name}.swp-save")
    tmp.write_text(text)
    os.replace(tmp, path)


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "sub"
    target.mkdir()
    return target


@pytest.mark.parametrize("how", [[], ["--poll"]], ids=["file-events", "polling"])
def test_watch_grades_again_on_each_save_and_moves_on_when_done(folder, how):
    exercise = folder / FIRST.file
    exercise.write_text(WRONG)
    watch = Watch(["1", "--target", str(folder), "--timeout", "3", *how])
    try:
        watch.expect("test_build_graph_computes_exp_times_two_plus_one: ")
        assert "to fix" in watch.expect("Verdict:")
        watch.expect("Watching")
        save(exercise, RIGHT)
        assert "done" in watch.expect("Verdict:")
        watch.expect(f"Done! What {FIRST.id} taught")
        watch.expect("exercises done")  # the course's progress bar
        watch.expect(f"Next: 02 {COURSE.exercises[1].id}")
        watch.send("q\n")
        assert watch.proc.wait(30) == 0
    finally:
        watch.stop()


def test_watch_survives_a_loop_and_an_exit_in_student_code(folder):
    exercise = folder / FIRST.file
    exercise.write_text(LOOPS)
    watch = Watch(["1", "--target", str(folder), "--timeout", "3"])
    try:
        looped = watch.expect("Verdict:")
        assert "to fix" in looped
        assert any(" T " in line or "timed out" in line for line in watch.seen), watch.seen
        watch.expect("Watching")
        save(exercise, EXITS)
        assert "to fix" in watch.expect("Verdict:")
        watch.expect("Watching")
        assert watch.proc.poll() is None, "the watcher itself stopped"
        save(exercise, RIGHT)
        assert "done" in watch.expect("Verdict:")
    finally:
        watch.stop()


def test_watch_keys_on_a_terminal(course_copy):
    watch = Watch(["1", "--timeout", "3"], cwd=course_copy, tty=True)
    try:
        watch.expect("Verdict:")
        watch.expect("Watching")
        watch.send("h")  # a single key, no Enter
        watch.expect(f"Hint 1 of {len(FIRST.hints)} for {FIRST.id}")
        watch.send("l")
        watch.expect(f"01 {FIRST.id} ")
        watch.send("q")
        assert watch.proc.wait(30) == 0
    finally:
        watch.stop()


def test_ctrl_c_on_a_terminal_stops_the_watcher_and_restores_the_terminal(folder):
    (folder / FIRST.file).write_text(WRONG)
    watch = Watch(["1", "--target", str(folder), "--timeout", "3"], tty=True)
    try:
        watch.expect("Watching")
        watch.send("\x03")  # Ctrl-C, as the terminal sends it
        watch.expect("Stopped watching.")
        assert watch.proc.wait(30) == 0
        # cbreak mode is undone: the terminal reads whole lines and echoes again
        lflag = termios.tcgetattr(watch.terminal)[3]
        assert lflag & termios.ICANON and lflag & termios.ECHO
    finally:
        watch.stop()


def test_a_run_on_a_terminal_shows_that_it_is_under_way(tmp_path):
    run = Watch(
        ["1", "--target", "solutions", "--out", str(tmp_path / "r.json")], tty=True, command="run"
    )
    try:
        spinner = run.expect(f"grading {FIRST.id}")
        assert " s" in spinner  # the seconds spent so far
        run.expect("Score: ")
        assert run.proc.wait(60) == 0
    finally:
        run.stop()


def test_watch_of_a_named_exercise_keeps_watching_it_once_the_course_is_done(course_copy):
    shutil.rmtree(course_copy / "exercises")
    shutil.copytree(course_copy / "solutions", course_copy / "exercises")
    graded = subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", "run", "-q"],
        cwd=course_copy,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert graded.returncode == 0, graded.stdout + graded.stderr
    third = COURSE.exercises[2]
    watch = Watch(["3"], cwd=course_copy)  # the limits of the run: its results are known
    try:
        assert "done" in watch.expect("Verdict:")
        watch.expect("Every exercise is done")
        watch.expect(f"Watching exercises/{third.file}")
        assert watch.proc.poll() is None, "the watcher stopped instead of watching exercise 3"
        watch.send("q\n")
        assert watch.proc.wait(30) == 0
    finally:
        watch.stop()
