"""Whose submission is it: the id a collect files a hand-in under.

The LMS's word wins over the report's. A hand-in from a Canvas or Moodle download is its
author's (matched to the roster by Canvas's user id, or by Moodle's full name); what the report
says (`grade run --student`) only names the student when the LMS says nothing. A report that
names someone else is flagged and never takes that person's line. Without a roster, an LMS
hand-in is filed under the LMS's own prefix (`singhtara_20133`), which no report can claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.instructor import flags
from grader.instructor.lms_names import LmsIdentity
from grader.instructor.roster import Roster

LMS_NAMES = {"canvas": "Canvas", "moodle": "Moodle"}


@dataclass(frozen=True)
class Filed:
    """The student id a hand-in is filed under, and what the instructor should know about it."""

    student: str
    flags: list[tuple[str, str]] = field(default_factory=list)


def file_under(
    lms: LmsIdentity | None, claimed: str | None, found_as: str, roster: Roster | None
) -> Filed:
    """The student id of a hand-in: `lms` is who the download says handed it in, `claimed` the
    report's own student id, `found_as` the name of its file or folder."""
    if lms is None:
        named = claimed or found_as
        matched = roster.for_claim(named) if roster is not None else None
        return Filed(matched or named)
    if roster is None:
        return Filed(lms.label)
    who = LMS_NAMES.get(lms.lms, lms.lms)
    matches = (
        [m for m in [roster.for_canvas_user(lms.id)] if m]
        if lms.lms == "canvas"
        else roster.for_full_name(lms.name)
    )
    if len(matches) != 1:
        found: list[tuple[str, str]] = []
        if matches:
            found.append(
                (
                    flags.IDENTITY,
                    f"{who}'s name {lms.name!r} fits {len(matches)} roster students "
                    f"({', '.join(sorted(matches)[:5])}); filed as {lms.label}: tell them apart by hand",
                )
            )
        return Filed(lms.label, found)
    student = matches[0]
    if claimed and claimed != student and roster.for_claim(claimed) != student:
        return Filed(
            student,
            [
                (
                    flags.IDENTITY,
                    f"the report names {claimed!r}, but {who} says {student} handed it in; "
                    f"filed as {student}",
                )
            ],
        )
    return Filed(student)
