"""A student's line of the class: what grades.csv, the LMS exports and the summary show of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class StudentRow:
    """One student's line in the gradebook (small: the report itself is on disk)."""

    student: str
    name: str | None
    origin: str
    kind: str
    scores: dict[str, float]  # exercise id -> points, for graded exercises
    total: float
    maximum: float
    claimed: float | None
    flags: list[tuple[str, str]]
    graded: bool
    lms_id: str | None = None  # the LMS's own id of the hand-in's author (Canvas user id), if known

    @property
    def percent(self) -> float:
        """Total as a percentage of the class maximum."""
        return 100.0 * self.total / self.maximum if self.maximum else 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form, as the gradebook keeps it."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StudentRow:
        """The inverse of to_json."""
        return cls(**dict(data, flags=[tuple(f) for f in data["flags"]]))
