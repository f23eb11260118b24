"""Signs of progress: the course-wide bar (exercises done, points) and, on a terminal, a spinner
with the elapsed time while a run that takes more than a moment is under way."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import click

BAR_WIDTH = 20
SPINNER = "|/-\\"


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """`[#####---------------]`: the share of `total` that is `done`."""
    filled = round(width * done / total) if total else 0
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def progress_line(done: int, total: int, score: float, max_score: float) -> str:
    """`[####----] 2/9 exercises done, 28/130 points (22%)`."""
    percent = 100 * score / max_score if max_score else 0.0
    return (
        f"{bar(done, total)} {done}/{total} exercises done, "
        f"{score:g}/{max_score:g} points ({percent:.0f}%)"
    )


@contextmanager
def activity(label: str, stream: TextIO | None = None, delay: float = 0.4) -> Iterator[None]:
    """While the block runs, show `label`, a spinner and the seconds spent, on a terminal only
    and only once `delay` seconds have passed; the line is erased when the block ends."""
    out = stream or sys.stderr
    if not out.isatty():
        yield
        return
    stop = threading.Event()
    started = time.monotonic()
    shown = False

    def spin() -> None:
        nonlocal shown
        tick = 0
        if stop.wait(delay):
            return
        while not stop.is_set():
            elapsed = time.monotonic() - started
            out.write(f"\r{SPINNER[tick % len(SPINNER)]} {label} {elapsed:4.1f} s")
            out.flush()
            shown = True
            tick += 1
            stop.wait(0.1)

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        if shown:
            out.write("\r\x1b[K")
            out.flush()


def styled_progress(done: int, total: int, score: float, max_score: float) -> str:
    """`progress_line` in bold (colour is stripped on plain output)."""
    return click.style(progress_line(done, total, score, max_score), bold=True)
