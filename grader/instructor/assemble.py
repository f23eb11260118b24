"""Stage 3 of a collect: one student at a time, the verified report (written to reports/), the
score and the flags (recorded in the gradebook) and the student's line (kept in its temporary
table for the exports); then the per-check statistics over those lines.

The statistics are here rather than in stats.py because they read the gradebook (two passes
over the graded lines, one student's outcomes at a time) and the checks this stage counted;
stats.py keeps the arithmetic, with no I/O.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from grader.engine.hidden import HiddenChecks
from grader.engine.integrity import release_digests
from grader.engine.protocol import Outcome
from grader.instructor import flags
from grader.instructor import verify as v
from grader.instructor.deadlines import Adjusted, Lateness, load_policy, report_time
from grader.instructor.exports import report_base, write_output
from grader.instructor.feedback import feedback_markdown
from grader.instructor.gradebook import Gradebook, Grading, Staged, now
from grader.instructor.lines import StudentRow
from grader.instructor.model import Setup
from grader.instructor.roster import Roster
from grader.instructor.stats import CheckStats, Tally, stats_of
from grader.manifest import Course
from grader.report import SCHEMA_VERSION


def assemble(
    book: Gradebook,
    collection: int,
    setup: Setup,
    failures: dict[tuple[str, str], str],
    out_dir: Path,
) -> tuple[list[CheckStats], dict[str, float]]:
    """Each staged student in turn (then each roster student who handed nothing in): their
    verified report into reports/, their score and flags into the gradebook, their line into
    its temporary table. Returns the per-check statistics over those lines and the points each
    exercise counts for in this collect."""
    course, roster = setup.course, setup.roster
    order = {ex.id: i for i, ex in enumerate(course.exercises)}
    checks = _all_checks(course, setup.hidden)
    ran = book.ran(collection, setup.checks_key)
    # A check skipped in every grading that ran it (no GPU here, say) counts for no one.
    counted = {cid for cid in checks if ran.get(cid, True)}
    exercise_max = {ex.id: 0.0 for ex in course.exercises}
    for cid in counted:
        exercise_max[checks[cid]["exercise"]] += checks[cid]["points"]
    maximum = sum(exercise_max.values())
    stubs = _stub_digests(course)
    policy = load_policy(book.db)  # grade class: due date, extensions, overrides
    book.start_rows()
    for submission, _ in book.staged(collection):
        entry = book.submission(submission)
        digests = book.sources_of(entry.id)
        added: list[tuple[str, str]] = []
        for ex, d in sorted(digests.items(), key=lambda kv: order.get(kv[0], 99)):
            if (ex, d) in failures:
                added.append((flags.NOT_GRADED, f"{ex}: {failures[(ex, d)]}"))
        gradings = sorted(
            book.cached(setup.checks_key, digests.items()).values(), key=lambda g: order[g.exercise]
        )
        scores = {g.exercise: _points(g.result, counted) for g in gradings}
        if gradings:
            report = _verified_report(book, entry, gradings)
            file_name = book.claim_report_name(report_base(entry.student))
            _write_report(out_dir / "reports" / f"{file_name}.json", report)
            added += _regrade_flags(entry, gradings)
        added += _shared_flags(book, collection, entry, stubs)
        added += _similar_flags(book, collection, entry.student)
        if roster is not None and entry.student not in roster.names:
            added.append((flags.NOT_IN_ROSTER, f"{entry.student} is not in the roster"))
        facts = book.facts(entry.id)
        lateness = policy.lateness(entry.student, report_time(facts.created), facts.late)
        adjusted = policy.apply(entry.student, scores, exercise_max, lateness)
        scores, total = adjusted.scores, adjusted.total
        added += _policy_flags(lateness, adjusted)
        if gradings:
            told = [*adjusted.notes, *(d for k, d in added if k in TOLD)]
            if adjusted.overridden or lateness.days:
                told.append(f"your score for the course: {total:g} of {maximum:g} points")
            write_output(
                out_dir / "feedback" / f"{file_name}.md",
                feedback_markdown(report, course, told).encode("utf-8"),
                sync=False,
            )
        book.finish_submission(
            entry.id, total if gradings else None, maximum, added, collection, entry.student
        )
        claim = entry.claim.get("score") if entry.claim else None
        name = roster.names.get(entry.student) if roster else None
        _add_row(
            book, collection, roster,
            StudentRow(entry.student, name or facts.claimed or facts.lms_name, entry.origin,
                       entry.kind, scores, total, maximum, claim, book.flags_of(entry.id),
                       bool(gradings), facts.lms_id if facts.lms == "canvas" else None),
        )  # fmt: skip
    for student, name in roster.names.items() if roster else ():
        if not book.has_line(student):
            # An override still counts for a student who handed nothing in.
            adjusted = policy.apply(student, {}, exercise_max, ON_TIME)
            found = [(flags.NO_SUBMISSION, "in the roster, handed nothing in")]
            found += _policy_flags(ON_TIME, adjusted)
            book.add_flags(collection, None, student, found)
            _add_row(
                book, collection, roster,
                StudentRow(student, name, "", "none", adjusted.scores, adjusted.total, maximum,
                           None, found, bool(adjusted.overridden)),
            )  # fmt: skip
    return _stats(book, checks, counted, order), exercise_max


# Flags a student's feedback repeats to them: what they can act on (not hints about others).
TOLD = {
    flags.MISMATCHED, flags.STALE, flags.SCORE_MISMATCH, flags.POLICY, flags.NOT_GRADED,
    flags.DUPLICATE, flags.IDENTITY,
}  # fmt: skip
SIMILAR_SHOWN = 5  # similar pairs named per student; the summary shows them all


def _similar_flags(book: Gradebook, collection: int, student: str) -> list[tuple[str, str]]:
    """One flag per source of this student's that looks like another student's."""
    pairs = book.similar(collection, student)
    found = [
        (
            flags.SIMILAR,
            f"{exercise}: like {b if a == student else a}'s ({score:.0%} of the fingerprints "
            "shared once names, comments and layout are set aside; a hint, not a verdict)",
        )
        for exercise, a, b, score in pairs[:SIMILAR_SHOWN]
    ]
    if len(pairs) > SIMILAR_SHOWN:
        found.append((flags.SIMILAR, f"and {len(pairs) - SIMILAR_SHOWN} more: see summary.html"))
    return found


ON_TIME = Lateness(0.0, 0.0, None, "nothing handed in")


def _policy_flags(lateness: Lateness, adjusted: Adjusted) -> list[tuple[str, str]]:
    """What the class's policy did to a student's points: a late penalty, overrides."""
    found = [(flags.LATE, lateness.reason)] if lateness.days else []
    found += [(flags.OVERRIDDEN, note) for note in adjusted.notes if not note.startswith("late: ")]
    return found


def _add_row(book: Gradebook, collection: int, roster: Roster | None, row: StudentRow) -> None:
    """Keep one student's line for the exports and record the student."""
    row.flags.sort(key=lambda flag: flags.rank(flag[0]))
    book.add_row(collection, row)
    book.record_students(
        [(row.student, row.name, roster is not None and row.student in roster.names)]
    )


def _all_checks(course: Course, hidden: HiddenChecks | None) -> dict[str, dict[str, Any]]:
    """Check id -> exercise, name, points and hidden, official checks first."""
    checks: dict[str, dict[str, Any]] = {}
    for ex in course.exercises:
        for c in ex.checks:
            checks[f"{ex.check_file}::{c.name}"] = {
                "exercise": ex.id,
                "name": c.name,
                "points": c.points,
                "hidden": False,
            }
        extra = hidden.files.get(ex.id) if hidden else None
        for c in extra.checks if extra else ():
            assert extra is not None  # (for the type checker: no checks without a file)
            checks[extra.check_id(c.name)] = {
                "exercise": ex.id,
                "name": c.name,
                "points": c.points,
                "hidden": True,
            }
    return checks


def _regrade_flags(entry: Staged, gradings: list[Grading]) -> list[tuple[str, str]]:
    """What the regrade itself says: claims that do not hold, policy violations, suspicious code."""
    found: list[tuple[str, str]] = []
    claim = v.Claim.from_json(entry.claim)
    if claim is not None:
        verified = {
            c["id"]: (c["outcome"], float(c["points"]), bool(c.get("hidden")))
            for g in gradings
            for c in g.result.get("checks", [])
        }
        why = v.compare_claim(claim, verified)
        if why:
            found.append((flags.SCORE_MISMATCH, why))
    for g in gradings:
        for violation in g.result.get("violations") or []:
            found.append((flags.POLICY, f"{g.exercise}: {_text(violation)}"))
        for reason in g.result.get("suspicious") or []:
            found.append((flags.SUSPICIOUS, f"{g.exercise}: {_text(reason)}"))
    return found


def _points(result: dict[str, Any], counted: set[str]) -> float:
    return sum(float(c["points"]) for c in result.get("checks", []) if c["id"] in counted)


def _text(item: Any) -> str:
    if isinstance(item, dict):
        return str(
            item.get("reason") or item.get("message") or item.get("rule") or json.dumps(item)
        )
    return str(item)


def _write_report(path: Path, report: dict[str, Any]) -> None:
    """Write a verified report unless the file already holds exactly it (a cached collect
    rebuilds the same bytes: its `created` is when the gradings were made)."""
    data = (json.dumps(report, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    write_output(path, data, sync=False)


def _stub_digests(course: Course) -> set[str]:
    """Digests of the untouched stubs: two students handing in the stub is no hint of anything."""
    digests = {entry["sha256"] for entry in release_digests().get("stubs", {}).values()}
    for ex in course.exercises:
        path = course.root / "exercises" / ex.file
        if path.is_file():
            digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
    return digests


SHARED_SHOWN = 6  # students named per shared source: five others besides the one flagged


def _shared_flags(
    book: Gradebook, collection: int, entry: Staged, stubs: set[str]
) -> list[tuple[str, str]]:
    """One flag per group of other students who handed in the same file(s) as this one (two
    students handing in the stub is no hint of anything)."""
    by_others: dict[tuple[str, ...], list[str]] = {}
    me = _base(entry.student)
    for exercise, _, people, first in book.shared_with(collection, entry.id, SHARED_SHOWN, stubs):
        others = tuple(p for p in first if p != me)[:5]
        more = people - 1 - len(others)
        key = (*others, f"+{more}") if more else others
        by_others.setdefault(key, []).append(exercise)
    out = []
    for others, exercises in by_others.items():
        who = ", ".join(o for o in others if not o.startswith("+"))
        if others and others[-1].startswith("+"):
            who += f" and {others[-1][1:]} more"
        out.append(
            (flags.SAME_SOURCE, f"same {_listing(exercises)} as {who} (a hint, not a verdict)")
        )
    return out


def _base(student: str) -> str:
    return student.split("~")[0]


def _listing(exercises: list[str]) -> str:
    if len(exercises) > 3:
        return f"source in {len(exercises)} exercises ({', '.join(exercises[:3])}, ...)"
    return f"source in {', '.join(exercises)}"


def _verified_report(book: Gradebook, entry: Staged, gradings: list[Grading]) -> dict[str, Any]:
    """The report of this student's sources as graded here, in the same schema as `grade run`'s."""
    template = gradings[0].run
    exercises = [dict(g.result, source=book.source(g.source_sha256)) for g in gradings]
    suspicious = [
        {"exercise": g.exercise, "check": None, "reason": reason}
        for g in gradings
        for reason in g.result.get("suspicious", [])
    ]
    notes = {json.dumps(n, sort_keys=True) for g in gradings for n in g.run.get("notes", [])}
    report = {key: value for key, value in template.items() if key != "notes"}
    report.update(
        schema_version=SCHEMA_VERSION,
        student=entry.student,
        created=max(g.graded for g in gradings) or now(),
        target=f"collect: {entry.origin}",
        score=sum(float(e["score"]) for e in exercises),
        max_score=sum(float(e["max_score"]) for e in exercises),
        declared_max_score=sum(float(c["max_points"]) for e in exercises for c in e["checks"]),
        exercises=exercises,
    )
    integrity = dict(template.get("integrity", {}))
    integrity["suspicious"] = suspicious + [json.loads(n) for n in sorted(notes)]
    integrity["restarts"] = max(
        int(g.run.get("integrity", {}).get("restarts", 0)) for g in gradings
    )
    report["integrity"] = integrity
    return report


def _stats(
    book: Gradebook,
    checks: dict[str, dict[str, Any]],
    counted: set[str],
    order: dict[str, int],
) -> list[CheckStats]:
    """Per-check numbers over the graded students; an exercise a student did not hand in counts
    as failed, a check skipped for a student does not count for them. Every line of the class
    counts, with the outcomes of the collect that made it. Two passes over the students (means,
    then spreads), one student's outcomes at a time."""
    tallies = {cid: Tally(checks[cid]["points"]) for cid in checks if cid in counted}
    handed_in: set[str] = set()  # exercises some graded student has a grading of
    for step in (Tally.first, Tally.second):
        for student, line_collection, scores, total in book.graded_students():
            handed_in.update(scores)
            seen = book.outcomes_of(line_collection, student)
            for cid, tally in tallies.items():
                outcome, got = seen.get(cid, (Outcome.FAILED, 0.0))
                if outcome != Outcome.SKIPPED:
                    step(tally, got, total - got)
    results = []
    for cid, tally in tallies.items():
        info = checks[cid]
        if info["exercise"] not in handed_in:
            tally = Tally(info["points"])
        results.append(stats_of(cid, info["exercise"], info["name"], info["hidden"], tally))
    return sorted(
        results,
        key=lambda s: (order.get(s.exercise, 99), s.hidden, list(checks).index(s.check_id)),
    )
