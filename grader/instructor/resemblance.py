"""Between scan and grading: the pairs of students of a collect whose sources of an exercise look
alike once names, comments and layout are set aside (similarity.py does the comparing). Each
source is fingerprinted once and its fingerprints kept in the gradebook, so a cached collect
compares without reading a source twice. Identical sources are left out here: `same source as
others` flags them already."""

from __future__ import annotations

import hashlib

from grader.instructor.gradebook import Gradebook
from grader.instructor.similarity import fingerprints, similar_pairs
from grader.manifest import Course

THRESHOLD = 0.8  # of the smaller source's fingerprints found in the other's


def find_similar(book: Gradebook, collection: int, course: Course) -> None:
    """Record the collect's similar pairs, exercise by exercise (committed by the caller)."""

    def cached(text: str) -> frozenset[int]:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        known = book.fingerprints(digest)
        if known is None:
            known = fingerprints(text)
            book.keep_fingerprints(digest, known)
        return known

    for ex in course.exercises:
        stub_path = course.root / "exercises" / ex.file
        stub = stub_path.read_text(encoding="utf-8") if stub_path.is_file() else None
        sources = ((student, book.source(d)) for student, d in book.live_sources(collection, ex.id))
        pairs = similar_pairs(ex.id, sources, stub, THRESHOLD, fingerprint=cached)
        book.keep_similar(
            collection, ((p.exercise, p.a, p.b, p.score) for p in pairs if not p.identical)
        )
