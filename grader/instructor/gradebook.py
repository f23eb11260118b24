"""The gradebook: one SQLite file (standard library sqlite3) that keeps every collect.

It is also the cache. A grading is keyed by (exercise, source digest, checks key): the checks key
covers the official checks, the hidden ones and the limits, so the same source graded by the same
checks is never graded twice, across students and across runs. Each grading is committed as soon
as it finishes, so an interrupted collect keeps everything it finished. A report already verified
is known by its digest and not parsed again. An existing gradebook is opened and added to, never
truncated.

Memory stays flat however large the class: a collect stages each submission here as it reads it,
assembles each student's grade from here one student at a time, and keeps each student's line
for the exports in a temporary table (on disk, like SQLite's sorts), which the exports and the
statistics read back row by row.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.errors import ReportError
from grader.instructor.lines import StudentRow

GRADEBOOK_NAME = "gradebook.sqlite"
SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS collections (
  id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, inputs TEXT NOT NULL,
  checks_key TEXT NOT NULL, checks_sha256 TEXT NOT NULL, hidden_checks_sha256 TEXT,
  graded INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'running');
CREATE TABLE IF NOT EXISTS students (
  id TEXT PRIMARY KEY, name TEXT, in_roster INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS exercises (
  id TEXT PRIMARY KEY, position INTEGER NOT NULL, title TEXT NOT NULL, concept TEXT NOT NULL,
  file TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checks (
  id TEXT PRIMARY KEY, exercise TEXT NOT NULL, name TEXT NOT NULL, points REAL NOT NULL,
  hidden INTEGER NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sources (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, verdict TEXT NOT NULL);
-- Gradings that a fault may have decided (a crash, a restarted grading process): they stand for
-- the collect that made them, and a later collect grades those sources again.
CREATE TABLE IF NOT EXISTS provisional (
  exercise TEXT NOT NULL, source_sha256 TEXT NOT NULL, checks_key TEXT NOT NULL,
  collection INTEGER NOT NULL, PRIMARY KEY (exercise, source_sha256, checks_key));
CREATE TABLE IF NOT EXISTS gradings (
  exercise TEXT NOT NULL, source_sha256 TEXT NOT NULL, checks_key TEXT NOT NULL,
  collection INTEGER NOT NULL, graded TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL,
  result TEXT NOT NULL, run TEXT NOT NULL,
  PRIMARY KEY (exercise, source_sha256, checks_key));
CREATE TABLE IF NOT EXISTS outcomes (
  exercise TEXT NOT NULL, source_sha256 TEXT NOT NULL, checks_key TEXT NOT NULL,
  check_id TEXT NOT NULL, outcome TEXT NOT NULL, points REAL NOT NULL, max_points REAL NOT NULL,
  hidden INTEGER NOT NULL, message TEXT NOT NULL, duration REAL NOT NULL,
  PRIMARY KEY (exercise, source_sha256, checks_key, check_id));
CREATE TABLE IF NOT EXISTS submissions (
  id INTEGER PRIMARY KEY, collection INTEGER NOT NULL, student TEXT NOT NULL, origin TEXT NOT NULL,
  kind TEXT NOT NULL, claimed_score REAL, claim TEXT, score REAL, max_score REAL,
  graded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS submission_sources (
  submission INTEGER NOT NULL, exercise TEXT NOT NULL, source_sha256 TEXT NOT NULL,
  PRIMARY KEY (submission, exercise));
CREATE TABLE IF NOT EXISTS flags (
  submission INTEGER, collection INTEGER NOT NULL, student TEXT, kind TEXT NOT NULL,
  detail TEXT NOT NULL);
-- Who handed a submission in, as the LMS's download and the report say, and when the report
-- says it was made.
CREATE TABLE IF NOT EXISTS handins (
  submission INTEGER PRIMARY KEY, created TEXT, lms TEXT, lms_id TEXT, lms_name TEXT,
  late INTEGER NOT NULL DEFAULT 0, claimed TEXT);
-- Submissions that a later one by the same student replaces: kept, listed, never graded.
CREATE TABLE IF NOT EXISTS superseded (submission INTEGER PRIMARY KEY, by_submission INTEGER NOT NULL);
-- Each student's latest line of the class (what grades.csv and the LMS exports hold): a collect
-- of some students adds to the class and replaces only their lines.
CREATE TABLE IF NOT EXISTS class_lines (
  student TEXT PRIMARY KEY, collection INTEGER NOT NULL, graded INTEGER NOT NULL,
  flagged INTEGER NOT NULL, percent REAL NOT NULL, kind TEXT NOT NULL, line TEXT NOT NULL);
-- Similarity: each source's fingerprints (by digest: the same text is fingerprinted once), and
-- the pairs of students of a collect whose sources of an exercise look alike.
CREATE TABLE IF NOT EXISTS fingerprints (source_sha256 TEXT PRIMARY KEY, prints BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS similar (
  collection INTEGER NOT NULL, exercise TEXT NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL,
  score REAL NOT NULL, PRIMARY KEY (collection, exercise, a, b));
CREATE INDEX IF NOT EXISTS submissions_by_collection ON submissions (collection, student);
CREATE INDEX IF NOT EXISTS flags_by_submission ON flags (submission);
CREATE INDEX IF NOT EXISTS submission_sources_by_source ON submission_sources (exercise, source_sha256);
CREATE VIEW IF NOT EXISTS student_outcomes AS
  SELECT s.collection, s.student, o.exercise, o.check_id, o.outcome, o.points, o.max_points,
         o.hidden, o.message
  FROM submissions s
  JOIN collections c ON c.id = s.collection
  JOIN submission_sources ss ON ss.submission = s.id
  JOIN outcomes o ON o.exercise = ss.exercise AND o.source_sha256 = ss.source_sha256
                 AND o.checks_key = c.checks_key;
"""


# A submission a later one of its student does not replace (`s` is the submissions table).
LIVE = "s.id NOT IN (SELECT submission FROM superseded)"


@dataclass(frozen=True)
class HandInFacts:
    """What a submission says about its author besides its sources: the report's time and id,
    and the LMS's id, name and late marker."""

    created: str | None = None
    lms: str | None = None
    lms_id: str | None = None
    lms_name: str | None = None
    late: bool = False
    claimed: str | None = None


@dataclass(frozen=True)
class Grading:
    """One exercise's cached grading: its entry in the verified report and the run it came from."""

    exercise: str
    source_sha256: str
    result: dict[str, Any]  # the report's exercise entry, without the source
    run: dict[str, Any]  # the rest of that grading's report: environment, limits, integrity
    graded: str = ""  # when (UTC), as the reports write it

    @property
    def provisional(self) -> bool:
        """True when a fault may have decided it: a check crashed, or the grading process was
        started again. Such a grading is not reused as a verdict by a later collect."""
        restarts = self.run.get("integrity", {}).get("restarts", 0)
        crashed = any(c.get("outcome") == "crashed" for c in self.result.get("checks", []))
        return crashed or (isinstance(restarts, int) and restarts > 0)


@dataclass(frozen=True)
class Staged:
    """A submission of the current collect as the gradebook holds it."""

    id: int
    student: str
    origin: str
    kind: str
    claim: dict[str, Any] | None


def now() -> str:
    """UTC time as the reports write it."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Gradebook:
    """An open gradebook.sqlite. Methods leave committing to the caller unless they say so."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sharers_seen: OrderedDict[tuple[int, str, str, int], tuple[int, list[str]]] = (
            OrderedDict()
        )
        try:
            self.db = sqlite3.connect(path, timeout=30)
            self.db.execute("PRAGMA temp_store = FILE")  # temporary tables and sorts stay on disk
            # Page caches of 512 KiB (SQLite's default is 2 MiB each): the same for any class
            # size, and small enough that a class of 20 and one of 20,000 cost the same memory.
            self.db.execute("PRAGMA main.cache_size = -512")
            self.db.execute("PRAGMA temp.cache_size = -512")
            version = self._existing_version()
            self.db.executescript(SCHEMA)
            if version is None:
                self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            self.db.commit()
        except sqlite3.DatabaseError as exc:
            raise ReportError(
                f"{path} is not a gradebook this grader can use ({exc}); move it away or pick another --out-dir"
            ) from exc

    def _existing_version(self) -> str | None:
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master")}
        if not tables:
            return None
        if "meta" not in tables:
            raise sqlite3.DatabaseError("it has tables but no meta table")
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"gradebook schema {row and row[0]}, expected {SCHEMA_VERSION}"
            )
        version: str | None = row[0]
        return version

    def commit(self) -> None:
        """Make everything so far permanent."""
        self.db.commit()

    def close(self) -> None:
        """Roll back anything uncommitted and close."""
        self.db.rollback()
        self.db.close()

    def count(self, sql: str, *params: Any) -> int:
        """A single number from the gradebook."""
        return int(self.db.execute(sql, params).fetchone()[0])

    # --- a collect ---

    def start_collection(
        self, inputs: list[str], checks_key: str, checks_sha256: str, hidden: str | None
    ) -> int:
        """Record the start of a collect (committed); returns its id."""
        cursor = self.db.execute(
            "INSERT INTO collections (started, inputs, checks_key, checks_sha256, hidden_checks_sha256) "
            "VALUES (?, ?, ?, ?, ?)",
            (now(), json.dumps(inputs), checks_key, checks_sha256, hidden),
        )
        self.db.commit()
        return int(cursor.lastrowid or 0)

    def finish_collection(self, collection: int, status: str) -> None:
        """Record how a collect ended, 'finished', 'interrupted' or 'failed' (committed)."""
        self.db.execute(
            "UPDATE collections SET finished = ?, status = ?, "
            "graded = (SELECT COUNT(*) FROM gradings WHERE collection = ?) WHERE id = ?",
            (now(), status, collection, collection),
        )
        self.db.commit()

    def sync_exercises(self, rows: Iterable[tuple[str, int, str, str, str]]) -> None:
        """Upsert the course's exercises (id, position, title, concept, file)."""
        self.db.executemany(
            "INSERT INTO exercises VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "position = excluded.position, title = excluded.title, concept = excluded.concept, "
            "file = excluded.file",
            rows,
        )

    def sync_checks(self, rows: Iterable[tuple[str, str, str, float, bool, int]]) -> None:
        """Upsert checks (id, exercise, name, points, hidden, position)."""
        self.db.executemany(
            "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "exercise = excluded.exercise, name = excluded.name, points = excluded.points, "
            "hidden = excluded.hidden, position = excluded.position",
            rows,
        )

    # --- verdicts: reports already verified, by the digest of their bytes ---

    def verdict(self, key: str) -> dict[str, Any] | None:
        """A report's earlier verification, if its bytes were seen with the same checks."""
        row = self.db.execute("SELECT verdict FROM verdicts WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def remember_verdict(self, key: str, verdict: dict[str, Any]) -> None:
        """Keep a report's verification for the next collect."""
        self.db.execute("INSERT OR REPLACE INTO verdicts VALUES (?, ?)", (key, json.dumps(verdict)))

    def has_sources(self, digests: Iterable[str]) -> bool:
        """True when every source is in the gradebook."""
        return all(
            self.db.execute("SELECT 1 FROM sources WHERE sha256 = ?", (d,)).fetchone()
            for d in digests
        )

    def source(self, digest: str) -> str:
        """The text of a source the gradebook holds."""
        text: str = self.db.execute(
            "SELECT text FROM sources WHERE sha256 = ?", (digest,)
        ).fetchone()[0]
        return text

    # --- staging what the collect found ---

    def stage(
        self,
        collection: int,
        student: str,
        origin: str,
        kind: str,
        texts: dict[str, str],
        digests: dict[str, str],
        claim: dict[str, Any] | None,
        flags: list[tuple[str, str]],
        facts: HandInFacts = HandInFacts(),
    ) -> int:
        """Record one submission of this collect: its sources (texts may be empty when the
        gradebook holds them already), its claim, its flags so far and who handed it in."""
        claimed = claim.get("score") if claim else None
        cursor = self.db.execute(
            "INSERT INTO submissions (collection, student, origin, kind, claimed_score, claim) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (collection, student, origin, kind, claimed, json.dumps(claim) if claim else None),
        )
        submission = int(cursor.lastrowid or 0)
        self.db.execute(
            "INSERT INTO handins VALUES (?, ?, ?, ?, ?, ?, ?)",
            (submission, facts.created, facts.lms, facts.lms_id, facts.lms_name,
             int(facts.late), facts.claimed),
        )  # fmt: skip
        for ex, text in texts.items():
            self.db.execute("INSERT OR IGNORE INTO sources VALUES (?, ?)", (digests[ex], text))
        self.db.executemany(
            "INSERT INTO submission_sources VALUES (?, ?, ?)",
            [(submission, ex, digest) for ex, digest in digests.items()],
        )
        self.add_flags(collection, submission, student, flags)
        return submission

    def add_flags(
        self,
        collection: int,
        submission: int | None,
        student: str | None,
        flags: list[tuple[str, str]],
    ) -> None:
        """Flags on a submission (or, with None, on the collect's input)."""
        self.db.executemany(
            "INSERT INTO flags VALUES (?, ?, ?, ?, ?)",
            [(submission, collection, student, kind, detail) for kind, detail in flags],
        )

    def duplicates(self, collection: int) -> list[list[tuple[int, str, str | None]]]:
        """Groups of (submission id, origin, report time) handed in under one student id, in
        the order found."""
        groups = []
        for (student,) in self.db.execute(
            "SELECT student FROM submissions WHERE collection = ? GROUP BY student HAVING COUNT(*) > 1",
            (collection,),
        ).fetchall():
            groups.append(
                self.db.execute(
                    "SELECT s.id, s.origin, h.created FROM submissions s "
                    "LEFT JOIN handins h ON h.submission = s.id "
                    "WHERE s.collection = ? AND s.student = ? ORDER BY s.id",
                    (collection, student),
                ).fetchall()
            )
        return groups

    def supersede(self, submission: int, by: int) -> None:
        """Keep a submission, but neither grade it nor give it a line: `by` replaces it."""
        self.db.execute("INSERT OR REPLACE INTO superseded VALUES (?, ?)", (submission, by))

    def facts(self, submission: int) -> HandInFacts:
        """Who handed a submission in and when, as recorded when it was staged."""
        row = self.db.execute(
            "SELECT created, lms, lms_id, lms_name, late, claimed FROM handins WHERE submission = ?",
            (submission,),
        ).fetchone()
        if row is None:
            return HandInFacts()
        created, lms, lms_id, lms_name, late, claimed = row
        return HandInFacts(created, lms, lms_id, lms_name, bool(late), claimed)

    def staged(self, collection: int, batch: int = 256) -> Iterator[tuple[int, str]]:
        """(submission id, student) of this collect, by student id, read a batch at a time (the
        caller may write to the gradebook between rows)."""
        after: tuple[str, int] = ("", -1)
        while True:
            rows = self.db.execute(
                f"SELECT id, student FROM submissions s WHERE collection = ? AND {LIVE} "
                "AND (student, id) > (?, ?) ORDER BY student, id LIMIT ?",
                (collection, after[0], after[1], batch),
            ).fetchall()
            yield from rows
            if len(rows) < batch:
                return
            after = (rows[-1][1], rows[-1][0])

    def submission(self, submission: int) -> Staged:
        """One submission of a collect as staged."""
        sid, student, origin, kind, claim = self.db.execute(
            "SELECT id, student, origin, kind, claim FROM submissions WHERE id = ?", (submission,)
        ).fetchone()
        return Staged(sid, student, origin, kind, json.loads(claim) if claim else None)

    def sources_of(self, submission: int) -> dict[str, str]:
        """Exercise id -> source digest of one submission."""
        return dict(
            self.db.execute(
                "SELECT exercise, source_sha256 FROM submission_sources WHERE submission = ?",
                (submission,),
            )
        )

    def flags_of(self, submission: int) -> list[tuple[str, str]]:
        """The flags recorded so far on one submission."""
        return [
            (kind, detail)
            for kind, detail in self.db.execute(
                "SELECT kind, detail FROM flags WHERE submission = ? ORDER BY rowid", (submission,)
            )
        ]

    def ungraded(self, collection: int, checks_key: str) -> list[tuple[int, str, str, str]]:
        """(submission, student, exercise, digest) of this collect that the cache lacks."""
        return self.db.execute(
            "SELECT s.id, s.student, ss.exercise, ss.source_sha256 FROM submissions s "
            f"JOIN submission_sources ss ON ss.submission = s.id WHERE s.collection = ? AND {LIVE} "
            "AND (NOT EXISTS "
            "(SELECT 1 FROM gradings g WHERE g.exercise = ss.exercise AND "
            "g.source_sha256 = ss.source_sha256 AND g.checks_key = ?) OR EXISTS "
            "(SELECT 1 FROM provisional p WHERE p.exercise = ss.exercise AND "
            "p.source_sha256 = ss.source_sha256 AND p.checks_key = ? AND p.collection != ?)) "
            "ORDER BY s.id",
            (collection, checks_key, checks_key, collection),
        ).fetchall()

    def shared_with(
        self, collection: int, submission: int, shown: int, skip: set[str]
    ) -> list[tuple[str, str, int, list[str]]]:
        """(exercise, digest, number of students, the first `shown` of them by id) for each
        source of one submission that other students of the collect handed in too, by exercise
        id; digests in `skip` are passed over."""
        found = []
        for exercise, digest in self.db.execute(
            "SELECT exercise, source_sha256 FROM submission_sources WHERE submission = ? "
            "ORDER BY exercise, source_sha256",
            (submission,),
        ).fetchall():
            if digest not in skip:
                people, first = self._sharers(collection, exercise, digest, shown)
                if people > 1:
                    found.append((exercise, digest, people, first))
        return found

    def _sharers(
        self, collection: int, exercise: str, digest: str, shown: int
    ) -> tuple[int, list[str]]:
        # A few hundred recent answers: a source the whole class shares is asked for once.
        key = (collection, exercise, digest, shown)
        if key in self._sharers_seen:
            self._sharers_seen.move_to_end(key)
            return self._sharers_seen[key]
        rows = self.db.execute(
            "SELECT base, COUNT(*) OVER () FROM (SELECT DISTINCT s.student AS base "
            "FROM submission_sources ss JOIN submissions s ON s.id = ss.submission "
            f"WHERE ss.exercise = ? AND ss.source_sha256 = ? AND s.collection = ? AND {LIVE}) "
            "ORDER BY base LIMIT ?",
            (exercise, digest, collection, shown),
        ).fetchall()
        answer = (rows[0][1] if rows else 0, [base for base, _ in rows])
        self._sharers_seen[key] = answer
        if len(self._sharers_seen) > 512:
            self._sharers_seen.popitem(last=False)
        return answer

    def finish_submission(
        self, submission: int, score: float | None, max_score: float, flags: list[tuple[str, str]],
        collection: int, student: str,
    ) -> None:  # fmt: skip
        """Record a submission's verified score and the flags the regrade added."""
        self.db.execute(
            "UPDATE submissions SET score = ?, max_score = ?, graded = ? WHERE id = ?",
            (score, max_score, int(score is not None), submission),
        )
        self.add_flags(collection, submission, student, flags)

    # --- the cache ---

    def cached(
        self, checks_key: str, pairs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Grading]:
        """The cached gradings among (exercise, source digest) pairs for these checks."""
        found = {}
        for exercise, digest in set(pairs):
            row = self.db.execute(
                "SELECT result, run, graded FROM gradings "
                "WHERE exercise = ? AND source_sha256 = ? AND checks_key = ?",
                (exercise, digest, checks_key),
            ).fetchone()
            if row is not None:
                found[(exercise, digest)] = Grading(
                    exercise, digest, json.loads(row[0]), json.loads(row[1]), row[2]
                )
        return found

    def ran(self, collection: int, checks_key: str) -> dict[str, bool]:
        """Check id -> whether it ran (was not skipped) in any grading this collect uses."""
        return {
            check: bool(ran)
            for check, ran in self.db.execute(
                "SELECT o.check_id, MAX(o.outcome != 'skipped') FROM outcomes o JOIN "
                "(SELECT DISTINCT ss.exercise, ss.source_sha256 FROM submissions s "
                f"JOIN submission_sources ss ON ss.submission = s.id WHERE s.collection = ? AND {LIVE}) used "
                "ON used.exercise = o.exercise AND used.source_sha256 = o.source_sha256 "
                "WHERE o.checks_key = ? GROUP BY o.check_id",
                (collection, checks_key),
            )
        }

    def outcomes_of(self, collection: int, student: str) -> dict[str, tuple[str, float]]:
        """Check id -> (outcome, points) of one student's graded submission in a collect."""
        return {
            check: (outcome, points)
            for check, outcome, points in self.db.execute(
                "SELECT o.check_id, o.outcome, o.points FROM submissions s "
                "JOIN collections c ON c.id = s.collection "
                "JOIN submission_sources ss ON ss.submission = s.id "
                "JOIN outcomes o ON o.exercise = ss.exercise AND o.source_sha256 = ss.source_sha256 "
                f"AND o.checks_key = c.checks_key WHERE s.collection = ? AND s.student = ? AND {LIVE}",
                (collection, student),
            )
        }

    def store(self, collection: int, checks_key: str, gradings: list[Grading]) -> None:
        """Commit the gradings of one finished job at once."""
        for grading in gradings:
            result = grading.result
            self.db.execute(
                "INSERT OR REPLACE INTO gradings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    grading.exercise, grading.source_sha256, checks_key, collection, now(),
                    float(result.get("score", 0)), float(result.get("max_score", 0)),
                    json.dumps(result), json.dumps(grading.run),
                ),
            )  # fmt: skip
            self.db.executemany(
                "INSERT OR REPLACE INTO outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        grading.exercise, grading.source_sha256, checks_key, c["id"],
                        c["outcome"], float(c["points"]), float(c["max_points"]),
                        int(bool(c.get("hidden"))), c.get("message", ""),
                        float(c.get("duration", 0.0)),
                    )
                    for c in result.get("checks", [])
                ],
            )  # fmt: skip
            key = (grading.exercise, grading.source_sha256, checks_key)
            if grading.provisional:
                self.db.execute(
                    "INSERT OR REPLACE INTO provisional VALUES (?, ?, ?, ?)", (*key, collection)
                )
            else:
                self.db.execute(
                    "DELETE FROM provisional WHERE exercise = ? AND source_sha256 = ? "
                    "AND checks_key = ?",
                    key,
                )
        self.db.commit()

    # --- who is in the class ---

    def record_students(self, rows: Iterable[tuple[str, str | None, bool]]) -> None:
        """Upsert students (id, name, in_roster); a name already known is kept if none is given."""
        self.db.executemany(
            "INSERT INTO students VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "name = COALESCE(excluded.name, students.name), in_roster = excluded.in_roster",
            [(sid, name, int(in_roster)) for sid, name, in_roster in rows],
        )

    # --- similarity ---

    def live_sources(self, collection: int, exercise: str) -> list[tuple[str, str]]:
        """(student, source digest) of each graded-from submission of a collect for one exercise."""
        return self.db.execute(
            "SELECT s.student, ss.source_sha256 FROM submissions s JOIN submission_sources ss "
            f"ON ss.submission = s.id WHERE s.collection = ? AND ss.exercise = ? AND {LIVE} "
            "ORDER BY s.student",
            (collection, exercise),
        ).fetchall()

    def source_of(self, collection: int, student: str, exercise: str) -> str | None:
        """The text a student's graded-from submission of a collect holds for an exercise."""
        row = self.db.execute(
            "SELECT t.text FROM submissions s JOIN submission_sources ss ON ss.submission = s.id "
            "JOIN sources t ON t.sha256 = ss.source_sha256 WHERE s.collection = ? AND "
            f"s.student = ? AND ss.exercise = ? AND {LIVE}",
            (collection, student, exercise),
        ).fetchone()
        return row[0] if row else None

    def fingerprints(self, digest: str) -> frozenset[int] | None:
        """A source's fingerprints, if they were taken before."""
        row = self.db.execute(
            "SELECT prints FROM fingerprints WHERE source_sha256 = ?", (digest,)
        ).fetchone()
        return frozenset(array("q", row[0])) if row else None

    def keep_fingerprints(self, digest: str, prints: frozenset[int]) -> None:
        """Remember a source's fingerprints (64-bit integers)."""
        self.db.execute(
            "INSERT OR REPLACE INTO fingerprints VALUES (?, ?)",
            (digest, array("q", sorted(prints)).tobytes()),
        )

    def keep_similar(self, collection: int, pairs: Iterable[tuple[str, str, str, float]]) -> None:
        """The collect's similar pairs: (exercise, student a, student b, score)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO similar VALUES (?, ?, ?, ?, ?)",
            [(collection, *pair) for pair in pairs],
        )

    def similar(
        self, collection: int, student: str | None = None
    ) -> list[tuple[str, str, str, float]]:
        """(exercise, a, b, score) of a collect's similar pairs (those of one student), strongest
        first."""
        where, params = ("", ()) if student is None else ("AND ? IN (a, b)", (student,))
        return self.db.execute(
            f"SELECT exercise, a, b, score FROM similar WHERE collection = ? {where} "
            "ORDER BY score DESC, exercise, a, b",
            (collection, *params),
        ).fetchall()

    # --- each student's latest line of the class ---

    def start_rows(self) -> None:
        """Begin this collect's lines: the placeholders of roster students who handed nothing in
        go (the collect adds them again), and report file names start afresh."""
        self.db.execute("DELETE FROM class_lines WHERE kind = 'none'")
        self.db.execute("DROP TABLE IF EXISTS temp.report_names")
        self.db.execute("CREATE TEMP TABLE report_names (name TEXT PRIMARY KEY COLLATE NOCASE)")

    def add_row(self, collection: int, row: StudentRow) -> None:
        """A student's line from this collect, replacing their earlier one."""
        self.db.execute(
            "INSERT OR REPLACE INTO class_lines VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.student, collection, int(row.graded), int(bool(row.flags)), row.percent,
             row.kind, json.dumps(row.to_json())),
        )  # fmt: skip

    def has_line(self, student: str) -> bool:
        """True when the class has a line of `student` (from this collect or an earlier one)."""
        return bool(
            self.db.execute("SELECT 1 FROM class_lines WHERE student = ?", (student,)).fetchone()
        )

    def class_lines(self, flagged: bool = False) -> Iterator[StudentRow]:
        """Every student's latest line (or the flagged ones'), by student id."""
        for (line,) in self.db.execute(
            f"SELECT line FROM class_lines WHERE {'flagged' if flagged else '1'} ORDER BY student"
        ):
            yield StudentRow.from_json(json.loads(line))

    def graded_students(self) -> Iterator[tuple[str, int, dict[str, float], float]]:
        """(student, collection of their line, exercise id -> points, total) of each graded
        line, by student id."""
        for student, collection, line in self.db.execute(
            "SELECT student, collection, line FROM class_lines WHERE graded ORDER BY student"
        ):
            data = json.loads(line)
            yield student, collection, data["scores"], data["total"]

    def percents(self) -> Iterator[float]:
        """Graded students' percentages, smallest first."""
        for (percent,) in self.db.execute(
            "SELECT percent FROM class_lines WHERE graded ORDER BY percent"
        ):
            yield percent

    def set_class_maximum(self, exercise_max: dict[str, float]) -> None:
        """Remember the points each exercise counts for, as this collect found them."""
        self.db.execute(
            "INSERT OR REPLACE INTO meta VALUES ('class_maximum', ?)", (json.dumps(exercise_max),)
        )

    def class_maximum(self) -> dict[str, float]:
        """Exercise id -> points possible, as the latest finished collect counted them."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'class_maximum'").fetchone()
        return json.loads(row[0]) if row else {}

    def claim_report_name(self, base: str) -> str:
        """`base`, or `base-2`, `base-3`... : the first not taken yet (case-insensitively)."""
        name, n = base, 1
        while self.db.execute("SELECT 1 FROM temp.report_names WHERE name = ?", (name,)).fetchone():
            n += 1
            name = f"{base}-{n}"
        self.db.execute("INSERT INTO temp.report_names VALUES (?)", (name,))
        return name
