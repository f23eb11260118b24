"""What an LMS's download says about who handed a file in, read from the names it gives.

- Canvas ("Download Submissions", `ContentZipper#get_filename` in instructure/canvas-lms) renames
  every file `<sortable name>[_LATE]_<user id>_<attachment id>_<original name>`, the sortable name
  lower-cased with its non-word characters removed; a resubmission of the same name gets `-1`,
  `-2`... before its extension. The user id is the roster's `ID`.
- Moodle ("Download all submissions", mod/assign in moodle/moodle) puts each student's files in a
  folder `<Full name>_<participant id>_assignsubmission_file_`; online text arrives in one named
  `..._assignsubmission_onlinetext_`. The participant id is not the user's ID number: only the
  full name ties the folder to a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CANVAS = re.compile(
    r"^(?P<sortable>\w*?)(?P<late>_late)?_(?P<user>\d+)_(?P<attachment>\d+)_(?P<original>.+)$",
    re.IGNORECASE,  # lib/content_zipper.rb writes LATE today; older downloads have late
)
_RESUBMISSION = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)(?P<ext>\.[A-Za-z0-9]+)$")
_MOODLE = re.compile(r"^(?P<name>.+)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")


@dataclass(frozen=True)
class LmsIdentity:
    """Who an LMS says handed something in: the LMS, its id for them, their name as it writes it,
    and whether it marked the hand-in late."""

    lms: str  # "canvas" or "moodle"
    id: str  # Canvas's user id, Moodle's participant id
    name: str  # Canvas's sortable name, Moodle's full name
    late: bool = False

    @property
    def label(self) -> str:
        """How the hand-in is known when no roster names its author: the LMS's own prefix."""
        return f"{self.name}_{self.id}"


@dataclass(frozen=True)
class CanvasFile:
    """One file of a Canvas download: its author, Canvas's attachment id, the name the student
    gave it and, for a resubmission, which one (0 for the first)."""

    identity: LmsIdentity
    attachment: int
    original: str
    resubmission: int


def canvas_file(name: str) -> CanvasFile | None:
    """The parts of a file name Canvas gave, or None when the name is not one of Canvas's."""
    match = _CANVAS.match(name)
    if match is None or not match["sortable"]:
        return None
    original, resubmission = match["original"], 0
    again = _RESUBMISSION.match(original)
    if again is not None:
        original, resubmission = again["stem"] + again["ext"], int(again["n"])
    identity = LmsIdentity("canvas", match["user"], match["sortable"], bool(match["late"]))
    return CanvasFile(identity, int(match["attachment"]), original, resubmission)


def moodle_folder(name: str) -> tuple[LmsIdentity, str] | None:
    """(author, plugin) of a Moodle submission folder ("file", "onlinetext"...), or None."""
    match = _MOODLE.match(name)
    if match is None:
        return None
    return LmsIdentity("moodle", match["participant"], match["name"].strip()), match["plugin"]
