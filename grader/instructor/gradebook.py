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
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.errors import ReportError

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
        return row[0]

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
        return self.db.execute("SELECT text FROM sources WHERE sha256 = ?", (digest,)).fetchone()[0]

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
    ) -> int:
        """Record one submission of this collect: its sources (texts may be empty when the
        gradebook holds them already), its claim and its flags so far."""
        claimed = claim.get("score") if claim else None
        cursor = self.db.execute(
            "INSERT INTO submissions (collection, student, origin, kind, claimed_score, claim) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (collection, student, origin, kind, claimed, json.dumps(claim) if claim else None),
        )
        submission = int(cursor.lastrowid or 0)
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

    def duplicates(self, collection: int) -> list[list[tuple[int, str]]]:
        """Groups of (submission id, origin) handed in under one student id, in order found."""
        groups = []
        for (student,) in self.db.execute(
            "SELECT student FROM submissions WHERE collection = ? GROUP BY student HAVING COUNT(*) > 1",
            (collection,),
        ).fetchall():
            groups.append(
                self.db.execute(
                    "SELECT id, origin FROM submissions WHERE collection = ? AND student = ? ORDER BY id",
                    (collection, student),
                ).fetchall()
            )
        return groups

    def rename(self, submission: int, student: str) -> None:
        """Give a submission (and its flags) another student id."""
        self.db.execute("UPDATE submissions SET student = ? WHERE id = ?", (student, submission))
        self.db.execute("UPDATE flags SET student = ? WHERE submission = ?", (student, submission))

    def staged(self, collection: int, batch: int = 256) -> Iterator[tuple[int, str]]:
        """(submission id, student) of this collect, by student id, read a batch at a time (the
        caller may write to the gradebook between rows)."""
        after: tuple[str, int] = ("", -1)
        while True:
            rows = self.db.execute(
                "SELECT id, student FROM submissions WHERE collection = ? AND (student, id) > (?, ?) "
                "ORDER BY student, id LIMIT ?",
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
            "JOIN submission_sources ss ON ss.submission = s.id WHERE s.collection = ? AND (NOT EXISTS "
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
        source of one submission that other students of the collect handed in too (`~2`
        duplicates count as the student they duplicate), by exercise id; digests in `skip` are
        passed over."""
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
            "SELECT base, COUNT(*) OVER () FROM (SELECT DISTINCT CASE WHEN instr(s.student, '~') "
            "THEN substr(s.student, 1, instr(s.student, '~') - 1) ELSE s.student END AS base "
            "FROM submission_sources ss JOIN submissions s ON s.id = ss.submission "
            "WHERE ss.exercise = ? AND ss.source_sha256 = ? AND s.collection = ?) "
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
                "JOIN submission_sources ss ON ss.submission = s.id WHERE s.collection = ?) used "
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
                "SELECT check_id, outcome, points FROM student_outcomes "
                "WHERE collection = ? AND student = ?",
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

    # --- each student's line for the exports, in a temporary table ---

    def start_rows(self) -> None:
        """An empty table of student lines for this connection."""
        self.db.execute("DROP TABLE IF EXISTS temp.class_rows")
        self.db.execute("DROP TABLE IF EXISTS temp.report_names")
        self.db.execute(
            "CREATE TEMP TABLE class_rows (student TEXT NOT NULL, name TEXT, origin TEXT NOT NULL, "
            "kind TEXT NOT NULL, scores TEXT NOT NULL, total REAL NOT NULL, maximum REAL NOT NULL, "
            "claimed REAL, flags TEXT NOT NULL, graded INTEGER NOT NULL, percent REAL NOT NULL)"
        )
        self.db.execute("CREATE INDEX temp.class_rows_by_student ON class_rows (student)")
        self.db.execute("CREATE TEMP TABLE report_names (name TEXT PRIMARY KEY COLLATE NOCASE)")

    def add_row(self, row: tuple[Any, ...]) -> None:
        """One student's line: student, name, origin, kind, scores (exercise id -> points),
        total, maximum, claimed, flags, graded, percent."""
        student, name, origin, kind, scores, total, maximum, claimed, flags, graded, percent = row
        self.db.execute(
            "INSERT INTO temp.class_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (student, name, origin, kind, json.dumps(scores), total, maximum, claimed,
             json.dumps(flags), int(graded), percent),
        )  # fmt: skip

    def rows(self, where: str = "1") -> Iterator[tuple[Any, ...]]:
        """Student lines (as add_row takes them) by student id; `where` is a fixed SQL filter."""
        for row in self.db.execute(
            f"SELECT student, name, origin, kind, scores, total, maximum, claimed, flags, graded, "
            f"percent FROM temp.class_rows WHERE {where} ORDER BY student, rowid"
        ):
            scores, flags = json.loads(row[4]), [tuple(f) for f in json.loads(row[8])]
            yield (*row[:4], scores, *row[5:8], flags, bool(row[9]), row[10])

    def graded_students(self) -> Iterator[tuple[str, dict[str, float], float]]:
        """(student, exercise id -> points, total) of each graded line, by student id."""
        for student, scores, total in self.db.execute(
            "SELECT student, scores, total FROM temp.class_rows WHERE graded ORDER BY student, rowid"
        ):
            yield student, json.loads(scores), total

    def percents(self) -> Iterator[float]:
        """Graded students' percentages, smallest first."""
        for (percent,) in self.db.execute(
            "SELECT percent FROM temp.class_rows WHERE graded ORDER BY percent"
        ):
            yield percent

    def claim_report_name(self, base: str) -> str:
        """`base`, or `base-2`, `base-3`... : the first not taken yet (case-insensitively)."""
        name, n = base, 1
        while self.db.execute("SELECT 1 FROM temp.report_names WHERE name = ?", (name,)).fetchone():
            n += 1
            name = f"{base}-{n}"
        self.db.execute("INSERT INTO temp.report_names VALUES (?)", (name,))
        return name
