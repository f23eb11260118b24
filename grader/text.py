"""Text that came from student code, made harmless for a terminal: one line, no control
characters, no escape sequences, bounded length. A student's print or exception message can then
never move the cursor, recolour the screen or forge a line such as "Score: 142/142"."""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode characters that break or reorder a line: line and
# paragraph separators, bidirectional overrides and isolates, zero-width marks, the BOM.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
    "|[\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str) -> str:
    """`text` on one line: newlines as \\n, ESC as \\x1b, other controls, line separators,
    direction overrides and lone surrogates as \\xNN or \\uNNNN. A backslash is kept as it is."""
    return _UNSAFE.sub(_escape, text)


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in "…" when something was cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def one_line(text: str, limit: int | None = None) -> str:
    """Escaped (see `escape`) and, when `limit` is given, cut from the end to that many
    characters (see `clip`): a failure message leads with the call and what differs, and ends
    with what matters least (the values in full, Hypothesis's example)."""
    safe = escape(text)
    return safe if limit is None else clip(safe, limit)


def tail(text: str, limit: int) -> str:
    """The last `limit` characters of the escaped `text`, starting with "…" when cut: printed
    output matters most at its end, just before the failure."""
    safe = escape(text)
    if len(safe) <= limit:
        return safe
    return "…" + safe[len(safe) - limit + 1 :]
