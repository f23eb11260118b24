"""The gradebook: one SQLite file (standard library sqlite3) that keeps every collect.

It is also the cache. A grading is keyed by (exercise, source digest, checks key): the checks key
covers the official checks, the hidden ones and the limits, so the same source graded by the same
checks is never graded twice, across students and across runs. Each grading is committed as soon
as it finishes, so an interrupted collect keeps everything it finished. An existing gradebook is
opened and added to, never truncated.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
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
  checks_key TEXT NOT NULL, checks_sha256 TEXT NOT NULL, hidden_checks TEXT,
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
  kind TEXT NOT NULL, claimed_score REAL, score REAL, max_score REAL, graded INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS submission_sources (
  submission INTEGER NOT NULL, exercise TEXT NOT NULL, source_sha256 TEXT NOT NULL,
  PRIMARY KEY (submission, exercise));
CREATE TABLE IF NOT EXISTS flags (
  submission INTEGER, collection INTEGER NOT NULL, student TEXT, kind TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS submissions_by_collection ON submissions (collection, student);
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
    run: dict[str, Any]  # environment, limits, run-wide notes and restarts of that grading


def now() -> str:
    """UTC time as the reports write it."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Gradebook:
    """An open gradebook.sqlite."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=30)
            self.db.execute("PRAGMA foreign_keys = ON")
            version = self._existing_version()
            with self.db:
                self.db.executescript(SCHEMA)
                if version is None:
                    self.db.execute(
                        "INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
                    )
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

    def close(self) -> None:
        """Close the connection (everything is already committed)."""
        self.db.close()

    # --- a collect ---

    def start_collection(
        self, inputs: list[str], checks_key: str, checks_sha256: str, hidden: str | None
    ) -> int:
        """Record the start of a collect; returns its id."""
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO collections (started, inputs, checks_key, checks_sha256, hidden_checks) VALUES (?, ?, ?, ?, ?)",
                (now(), json.dumps(inputs), checks_key, checks_sha256, hidden),
            )
        return int(cursor.lastrowid or 0)

    def finish_collection(self, collection: int, status: str) -> None:
        """Record how a collect ended ('finished' or 'interrupted')."""
        with self.db:
            self.db.execute(
                "UPDATE collections SET finished = ?, status = ?, graded = (SELECT COUNT(*) FROM gradings WHERE collection = ?) WHERE id = ?",
                (now(), status, collection, collection),
            )

    def sync_exercises(self, rows: Iterable[tuple[str, int, str, str, str]]) -> None:
        """Upsert the course's exercises (id, position, title, concept, file)."""
        with self.db:
            self.db.executemany(
                "INSERT INTO exercises VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "position = excluded.position, title = excluded.title, concept = excluded.concept, file = excluded.file",
                rows,
            )

    def sync_checks(self, rows: Iterable[tuple[str, str, str, float, bool, int]]) -> None:
        """Upsert checks (id, exercise, name, points, hidden, position)."""
        with self.db:
            self.db.executemany(
                "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "exercise = excluded.exercise, name = excluded.name, points = excluded.points, "
                "hidden = excluded.hidden, position = excluded.position",
                rows,
            )

    # --- the cache ---

    def cached(
        self, checks_key: str, pairs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Grading]:
        """The cached gradings among (exercise, source digest) pairs for these checks."""
        found = {}
        for exercise, digest in set(pairs):
            row = self.db.execute(
                "SELECT result, run FROM gradings WHERE exercise = ? AND source_sha256 = ? AND checks_key = ?",
                (exercise, digest, checks_key),
            ).fetchone()
            if row is not None:
                found[(exercise, digest)] = Grading(
                    exercise, digest, json.loads(row[0]), json.loads(row[1])
                )
        return found

    def store(
        self, collection: int, checks_key: str, gradings: list[Grading], sources: dict[str, str]
    ) -> None:
        """Commit the gradings of one finished job (and the sources they graded) at once."""
        with self.db:
            for grading in gradings:
                result = grading.result
                self.db.execute(
                    "INSERT OR IGNORE INTO sources VALUES (?, ?)",
                    (grading.source_sha256, sources[grading.source_sha256]),
                )
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

    # --- who handed in what ---

    def record_students(self, rows: Iterable[tuple[str, str | None, bool]]) -> None:
        """Upsert students (id, name, in_roster); a name already known is kept if none is given."""
        with self.db:
            self.db.executemany(
                "INSERT INTO students VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "name = COALESCE(excluded.name, students.name), in_roster = excluded.in_roster",
                [(sid, name, int(in_roster)) for sid, name, in_roster in rows],
            )

    def record_submission(
        self,
        collection: int,
        student: str,
        origin: str,
        kind: str,
        claimed: float | None,
        score: float | None,
        max_score: float | None,
        sources: dict[str, str],
        flags: list[tuple[str, str]],
    ) -> int:
        """Record one submission of this collect, its sources (exercise -> digest) and flags."""
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO submissions (collection, student, origin, kind, claimed_score, score, max_score, graded) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    collection,
                    student,
                    origin,
                    kind,
                    claimed,
                    score,
                    max_score,
                    int(score is not None),
                ),
            )
            submission = int(cursor.lastrowid or 0)
            self.db.executemany(
                "INSERT INTO submission_sources VALUES (?, ?, ?)",
                [(submission, ex, digest) for ex, digest in sources.items()],
            )
            self.db.executemany(
                "INSERT INTO flags VALUES (?, ?, ?, ?, ?)",
                [(submission, collection, student, kind_, detail) for kind_, detail in flags],
            )
        return submission

    def record_note(self, collection: int, detail: str) -> None:
        """A problem with the input that belongs to no student."""
        with self.db:
            self.db.execute(
                "INSERT INTO flags VALUES (NULL, ?, NULL, 'input', ?)", (collection, detail)
            )

    def count(self, sql: str, *params: Any) -> int:
        """A single number from the gradebook (for reports and tests)."""
        return int(self.db.execute(sql, params).fetchone()[0])
