"""Similarity between students' sources of one exercise that survives renaming, comments and
reformatting: a hint for the instructor to look, never a verdict.

Each source is normalised to a stream of tokens (the standard `tokenize` module): comments, line
structure, indentation and bare string statements (docstrings) are dropped, every identifier the
student chose becomes one placeholder, numbers and strings become their kind. What is kept are
keywords, operators, builtins and attribute names (`mx.add` stays `I.add`: renaming a variable
cannot change the library call). The stream is cut into k-grams of tokens, hashed, and winnowed
(Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document fingerprinting",
SIGMOD 2003, the algorithm behind MOSS): of every window of W consecutive k-gram hashes the
smallest is kept. Two sources sharing a run of at least W + K - 1 tokens are then guaranteed to
share a fingerprint, and runs shorter than K tokens never count.

A class is compared per exercise through an inverted index (fingerprint -> sources), so the work
grows with the pairs that share something, not with all pairs. Fingerprints of the stub, and
those found in a large part of the class (the teaching's idioms), are left out first.
"""

from __future__ import annotations

import bisect
import builtins
import heapq
import io
import keyword
import re
import tokenize
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

# A k-gram of 12 normalised tokens is about one statement (`I = I.add(I, I, stream=I)` is 13):
# shorter k-grams are shared by every honest solution written in the course's idioms, longer ones
# are broken too easily by one token of difference (a trailing comma, an extra parenthesis). A
# window of 8 keeps about 2/(W+1), a fifth, of the k-grams, and still finds every shared run of
# 19 tokens (about two lines).
K = 12
W = 8

MAX_SOURCE_CHARS = 262_144  # the report schema's cap on a source
MAX_TOKENS = 40_000  # about 4,000 lines of code; beyond that, the rest is not compared
MAX_FINGERPRINTS = 4_096  # per source: the smallest hashes, the same sample in every source
MAX_PAIRS = 200  # reported per exercise and kind (identical or not), strongest first
MIN_SHARED = 6  # fingerprints two sources must share, so that a few lines never make a pair
COMMON_FRACTION = 0.05  # a fingerprint in more than this part of the class is an idiom...
COMMON_FLOOR = 10  # ...and in more than this many sources (a small class shares little)

_PRIME = (1 << 61) - 1  # the k-gram hash is a polynomial in this field (Rabin-Karp)
_BASE = 1_000_003
_DROPPED = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
)
_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(dir(builtins))
_CLOSING = frozenset({")", "]", "}"})
# What a call's "(" follows: a name or placeholder, a closing bracket, a string (`"".join` is
# a name after a dot already). Any other token (an operator, a keyword) opens a group.
_CALLABLE = frozenset({"I", ")", "]", "S"})
_NOT_CALLABLE = frozenset(keyword.kwlist) | frozenset(
    "+ - * / // % ** @ << >> & | ^ ~ < > <= >= == != = += -= *= /= //= %= **= @= &= |= ^= >>= <<="
    " := ( [ { , : ; . -> ... N".split()
)
# The fallback for a source `tokenize` refuses: strings (possibly unterminated), comments,
# names, numbers, operators of up to three characters, any other character. Every string
# pattern ends at its quote, a newline (one quote) or the end of the text, so none backtracks:
# the scan is linear.
_ROUGH = re.compile(
    r"""(?P<comment>\#[^\n]*)"""
    r"""|(?P<string>[rRbBuUfF]{0,2}(?:'''(?:[^\\]|\\.)*?(?:'''|\\?\Z)"""
    r"""|\"\"\"(?:[^\\]|\\.)*?(?:\"\"\"|\\?\Z)"""
    r"""|'(?:[^'\\\n]|\\.)*(?:'|\\?\Z|(?=\n))|"(?:[^"\\\n]|\\.)*(?:"|\\?\Z|(?=\n))))"""
    r"""|(?P<name>[^\W\d]\w*)"""
    r"""|(?P<number>\d[\w.]*)"""
    r"""|(?P<op>\*\*=|//=|>>=|<<=|\.\.\.|[-+*/%&|^<>=!:@]=|->|\*\*|//|<<|>>|\S)""",
    re.DOTALL,
)


@dataclass(frozen=True)
class SimilarPair:
    """Two students whose sources of one exercise share most of their fingerprints. `a < b`;
    `score` is the share of the smaller fingerprint set found in the other (1.0 for the same
    text); `identical` says the two texts are exactly the same."""

    exercise: str
    a: str
    b: str
    score: float
    identical: bool


def normalised_tokens(text: str) -> list[str]:
    """The token stream compared: identifiers as `I`, numbers as `N`, strings as `S`; keywords,
    builtins, attribute names and operators as they are; comments, docstrings, layout, `;` and
    trailing commas dropped. A source that does not tokenize is split roughly instead; nothing
    raises."""
    text = text[:MAX_SOURCE_CHARS].removeprefix("\ufeff")
    try:
        raw = list(_tokens(text))
    except (tokenize.TokenError, SyntaxError, ValueError):  # IndentationError is a SyntaxError
        raw = list(_rough_tokens(text))
    return _without_layout_marks(raw)


def _without_layout_marks(raw: list[str]) -> list[str]:
    """`raw` without what formatters add or take away: trailing commas (`f(a, b,)`) and
    grouping parentheses (`return (c, d)`, `(x @ w) / s`, a long condition wrapped in
    parentheses). A parenthesis after a name, a closing bracket or a string is a call's and
    stays."""
    out: list[str] = []
    groups: list[bool] = []  # for each open "(": whether it groups (and is dropped)
    for i, token in enumerate(raw):
        if token == "," and i + 1 < len(raw) and raw[i + 1] in _CLOSING:
            continue
        if token == "(":
            grouping = not out or not (out[-1] in _CALLABLE or out[-1] not in _NOT_CALLABLE)
            groups.append(grouping)
            if grouping:
                continue
        elif token == ")" and groups and groups.pop():
            continue
        out.append(token)
    return out


def _tokens(text: str) -> Iterator[str]:
    """Normalised tokens by `tokenize`, a logical line at a time: a line of strings alone (a
    docstring, or a string used as a comment) is dropped."""
    line: list[str] = []
    previous = ""
    count = 0
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        kind = tok.type
        if kind == tokenize.NEWLINE or kind == tokenize.ENDMARKER:
            if line and any(t != "S" for t in line):
                yield from line
                count += len(line)
                if count >= MAX_TOKENS:
                    return
            line = []
            continue
        if kind in _DROPPED:
            continue
        if kind == tokenize.NAME:
            name = tok.string
            token = name if previous == "." or name in _KEPT_NAMES else "I"
        elif kind == tokenize.NUMBER:
            token = "N"
        elif kind == tokenize.STRING:
            token = "S"
        elif kind == tokenize.ERRORTOKEN and tok.string in ("'", '"'):
            # An unterminated string: tokenize would rescan the rest of the line from every
            # quote in it (quadratic on a line of quotes); the rough split reads it once.
            raise tokenize.TokenError("unterminated string", tok.start)
        elif tok.string.isspace() or tok.string in ("", ";"):
            continue
        else:
            token = tok.string
        line.append(token)
        previous = token
        if len(line) >= MAX_TOKENS:  # one endless logical line
            yield from line
            return
    if line and any(t != "S" for t in line):
        yield from line


def _rough_tokens(text: str) -> Iterator[str]:
    """Normalised tokens from a regular expression, for text `tokenize` gives up on (an
    unterminated string, a stray dedent, a NUL byte)."""
    previous = ""
    for count, match in enumerate(_ROUGH.finditer(text)):
        if count >= MAX_TOKENS:
            return
        group = match.lastgroup
        if group == "comment":
            continue
        value = match.group()
        if group == "name":
            token = value if previous == "." or value in _KEPT_NAMES else "I"
        elif group == "number":
            token = "N"
        elif group == "string":
            token = "S"
        elif value == ";":
            continue
        else:
            token = value
        yield token
        previous = token


def fingerprints(text: str) -> frozenset[int]:
    """The winnowed k-gram hashes of `text`'s normalised tokens (at most MAX_FINGERPRINTS of
    them, the smallest). The same text gives the same set in every process and on every
    machine; a text shorter than K tokens has none."""
    return _winnow(_hashes(normalised_tokens(text)))


def _hashes(tokens: list[str]) -> list[int]:
    """The rolling hash of every k-gram of `tokens`."""
    if len(tokens) < K:
        return []
    codes: dict[str, int] = {}
    values = [codes.get(t) or codes.setdefault(t, zlib.crc32(t.encode()) + 1) for t in tokens]
    top = pow(_BASE, K - 1, _PRIME)
    h = 0
    for value in values[:K]:
        h = (h * _BASE + value) % _PRIME
    out = [h]
    for old, new in zip(values, values[K:], strict=False):
        h = ((h - old * top) * _BASE + new) % _PRIME
        out.append(h)
    return out


def _winnow(hashes: list[int]) -> frozenset[int]:
    """The smallest hash of every window of W consecutive hashes, capped to the smallest
    MAX_FINGERPRINTS (a consistent sample: a hash kept in one source is kept in every source
    that has it, unless that source has more than the cap)."""
    if not hashes:
        return frozenset()
    if len(hashes) <= W:
        chosen = {min(hashes)}
    else:
        chosen = {min(hashes[i : i + W]) for i in range(len(hashes) - W + 1)}
    if len(chosen) > MAX_FINGERPRINTS:
        chosen = set(heapq.nsmallest(MAX_FINGERPRINTS, chosen))
    return frozenset(chosen)


def similar_pairs(
    exercise: str,
    sources: Iterable[tuple[str, str]],
    stub: str | None = None,
    threshold: float = 0.8,
    fingerprint: Callable[[str], frozenset[int]] = fingerprints,
) -> list[SimilarPair]:
    """The pairs of students whose sources of `exercise` score at least `threshold`, strongest
    first: at most MAX_PAIRS pairs with the same text (`identical`, score 1.0) and MAX_PAIRS
    others. `sources` gives (student id, source text); `stub` is the exercise's stub, whose
    fingerprints count for no one. The score is the share of the smaller of the two fingerprint
    sets that the other holds, over the fingerprints left once the stub's and those of more than
    COMMON_FRACTION of the class (at least COMMON_FLOOR sources) are taken out; a pair must share
    MIN_SHARED of them. A source that is the stub, or holds nothing beyond it, pairs with no one.
    `fingerprint` is `fingerprints` or a cache of it (grade collect keeps them by digest)."""
    removed = fingerprints(stub) if stub is not None else frozenset()
    by_text: dict[str, list[str]] = {}
    for student, text in sources:
        by_text.setdefault(text, []).append(student)

    # One entry per distinct text: its fingerprints, and the students who handed it in.
    texts: list[list[str]] = []
    prints: list[frozenset[int]] = []
    identical: list[SimilarPair] = []
    for text, students in by_text.items():
        own = fingerprint(text) - removed  # the stub's own text keeps nothing
        if not own:
            continue
        people = sorted(set(students))
        texts.append(people)
        prints.append(own)
        identical.extend(
            SimilarPair(exercise, a, b, 1.0, True)
            for i, a in enumerate(people)
            for b in people[i + 1 : i + 1 + MAX_PAIRS]
        )
        if len(identical) > 4 * MAX_PAIRS:
            identical = sorted(identical, key=_order)[:MAX_PAIRS]
    identical = sorted(identical, key=_order)[:MAX_PAIRS]

    # Document frequency by student, not by text: a text handed in by many is common.
    frequency: Counter[int] = Counter()
    for people, own in zip(texts, prints, strict=True):
        for fp in own:
            frequency[fp] += len(people)
    class_size = sum(len(p) for p in texts)
    common = max(COMMON_FLOOR, COMMON_FRACTION * class_size)
    kept = [frozenset(fp for fp in own if frequency[fp] <= common) for own in prints]
    del frequency

    index: dict[int, list[int]] = {}
    for doc, own in enumerate(kept):
        for fp in own:
            index.setdefault(fp, []).append(doc)

    best: list[tuple[float, int, int]] = []  # a min-heap of the MAX_PAIRS strongest text pairs
    for doc, own in enumerate(kept):
        if len(own) < MIN_SHARED:
            continue
        shared: Counter[int] = Counter()
        for fp in own:
            postings = index[fp]  # in ascending order
            # Only later texts: each pair is counted once, from its first text.
            shared.update(postings[bisect.bisect_right(postings, doc) :])
        for other, count in shared.items():
            if count < MIN_SHARED:
                continue
            score = count / min(len(own), len(kept[other]))
            if score < threshold:
                continue
            entry = (score, -doc, -other)
            if len(best) < MAX_PAIRS:
                heapq.heappush(best, entry)
            elif entry > best[0]:
                heapq.heapreplace(best, entry)

    similar: list[SimilarPair] = []
    for score, doc, other in best:
        for a in texts[-doc]:
            for b in texts[-other]:
                x, y = (a, b) if a < b else (b, a)
                if x != y:
                    similar.append(SimilarPair(exercise, x, y, round(score, 4), False))
    similar = sorted(similar, key=_order)[:MAX_PAIRS]
    return sorted(identical + similar, key=_order)


def _order(pair: SimilarPair) -> tuple[float, bool, str, str]:
    return (-pair.score, not pair.identical, pair.a, pair.b)
