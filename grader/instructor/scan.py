"""Stage 1 of a collect: find each submission, verify it (or recall its verdict) and stage it in
the gradebook, then tell apart the students who handed in twice."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from typing import Any

from grader.instructor import flags
from grader.instructor import verify as v
from grader.instructor.gradebook import Gradebook, HandInFacts
from grader.instructor.identity import file_under
from grader.instructor.inputs import HandIn, latest_first
from grader.instructor.model import Setup


def scan(
    book: Gradebook, collection: int, setup: Setup, submissions: Iterator[HandIn], jobs: int
) -> None:
    """Verify and stage every submission, in the order found, each under its author's id (see
    identity.py), then keep each student's latest.

    Reports seen for the first time are parsed and checked against the schema by `jobs`
    processes (forked, where the platform allows it), a bounded window of them at a time."""
    window: deque[tuple[HandIn, str | None, Any]] = deque()
    pool: ProcessPoolExecutor | None = None
    try:
        for submission in submissions:
            key, recalled = _recall(book, submission, setup)
            known: Any = recalled  # an earlier verdict, or a verification under way
            if known is None and key is not None and jobs > 1 and "fork" in get_all_start_methods():
                if pool is None:
                    v.schema_errors({})  # build the validator once, before the fork
                    pool = ProcessPoolExecutor(jobs, mp_context=get_context("fork"))
                known = pool.submit(v.verify, submission, setup.course, setup.official)
            window.append((submission, key, known))
            while len(window) > 8 * jobs:
                _stage(book, collection, setup, *window.popleft())
        while window:
            _stage(book, collection, setup, *window.popleft())
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    for group in book.duplicates(collection):
        _keep_the_latest(book, collection, group)


def _keep_the_latest(
    book: Gradebook, collection: int, group: list[tuple[int, str, str | None]]
) -> None:
    """One student handed in several times: the latest report (by the time it says it was
    made; a hand-in without one counts as older, then the one found last) is graded, the others
    are kept in the gradebook and listed in a flag."""
    ordered = sorted(group, key=lambda g: (latest_first(g[2]), -g[0]))
    winner, others = ordered[0], ordered[1:]
    for row, _, _ in others:
        book.supersede(row, winner[0])
    student = book.submission(winner[0]).student
    listed = "; ".join(f"{origin} ({created or 'no time'})" for _, origin, created in others)
    book.add_flags(
        collection, winner[0], student,
        [(flags.DUPLICATE, f"handed in {len(group)} times: graded {winner[1]} "
                           f"({winner[2] or 'no time'}), the latest; kept, not graded: {listed}")],
    )  # fmt: skip


def _recall(
    book: Gradebook, submission: HandIn, setup: Setup
) -> tuple[str | None, tuple[v.Checked, dict[str, str]] | None]:
    """(verdict key, earlier verdict) of a report: the same bytes with the same checks are not
    parsed again. Folders have no key and are verified at once."""
    if submission.kind != "report" or submission.raw is None:
        checked = v.verify(submission, setup.course, setup.official)
        return None, (checked, checked.digests)
    key = hashlib.sha256(submission.raw + setup.verdict_key.encode()).hexdigest()
    known = book.verdict(key)
    if known is None or not book.has_sources(known["digests"].values()):
        return key, None
    claim = v.Claim.from_json(known["claim"])
    checked = v.Checked(
        known["student"], {}, claim, [tuple(f) for f in known["flags"]], known.get("created")
    )
    return key, (checked, known["digests"])


def _stage(
    book: Gradebook,
    collection: int,
    setup: Setup,
    submission: HandIn,
    key: str | None,
    known: Any,
) -> None:
    """Put one verified submission in the gradebook (and remember a new report's verdict)."""
    if isinstance(known, Future):
        checked = known.result()
        known = (checked, checked.digests)
    elif known is None:
        checked = v.verify(submission, setup.course, setup.official)
        known = (checked, checked.digests)
    checked, digests = known
    filed = file_under(submission.lms, checked.student, submission.name, setup.roster)
    lms = submission.lms
    facts = HandInFacts(checked.created, claimed=checked.student)
    if lms is not None:
        facts = HandInFacts(checked.created, lms.lms, lms.id, lms.name, lms.late, checked.student)
    if key is not None:
        book.remember_verdict(
            key,
            {
                "student": checked.student,
                "digests": digests,
                "claim": checked.claim.to_json() if checked.claim else None,
                "flags": checked.flags,
                "created": checked.created,
            },
        )
    book.stage(
        collection, filed.student, submission.origin, submission.kind, checked.texts, digests,
        checked.claim.to_json() if checked.claim else None, checked.flags + filed.flags, facts,
    )  # fmt: skip
