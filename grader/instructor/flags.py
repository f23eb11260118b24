"""The kinds of flag a collect puts on a student, in the order the summary lists them."""

from __future__ import annotations

UNREADABLE = "unreadable report"
INVALID = "invalid report"
MISMATCHED = "sources do not match digests"
OTHER_COURSE = "report for another course"
STALE = "stale course version"
SCORE_MISMATCH = "claimed score differs"
POLICY = "policy violation"
SUSPICIOUS = "suspicious code"
SAME_SOURCE = "same source as others"
SIMILAR = "similar source"
DUPLICATE = "duplicate id"
IDENTITY = "identity mismatch"
NOT_IN_ROSTER = "not in roster"
NO_SUBMISSION = "no submission"
LATE = "late"
OVERRIDDEN = "score set by the instructor"
NOT_GRADED = "not graded"
INPUT = "input"
ORDER = (
    UNREADABLE, INVALID, MISMATCHED, OTHER_COURSE, STALE, SCORE_MISMATCH, POLICY, SUSPICIOUS,
    SAME_SOURCE, SIMILAR, IDENTITY, DUPLICATE, NOT_IN_ROSTER, NO_SUBMISSION, LATE, OVERRIDDEN, NOT_GRADED, INPUT,
)  # fmt: skip


def rank(kind: str) -> int:
    """Position of a flag kind in ORDER (unknown kinds last)."""
    return ORDER.index(kind) if kind in ORDER else len(ORDER)
