"""The schedule (``otgroups.schedule/1``): what a solve hands back to the director."""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

from pydantic import Field

from models.common import ContractModel, Day, Time
from models.term import Priority

SCHEDULE_FORMAT: Final = "otgroups.schedule/1"


class Status(StrEnum):
    """Solve status, as the contract spells it."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"


class Meeting(ContractModel):
    day: Day
    start: Time
    end: Time = Field(description="start + duration; travel not included")


class Section(ContractModel):
    id: str = Field(min_length=1, description="Section id, unique in the schedule")
    group_type: str = Field(description="Group type id")
    meetings: list[Meeting] = Field(min_length=1, description="Weekly meetings")
    room: str | None = Field(default=None, description="Room id; null off site")
    vehicle: str | None = Field(default=None, description="Vehicle id; null on site")
    staff: list[str] = Field(description="Staff ids leading the section")
    participants: list[str] = Field(description="Member participant ids")


class Ride(ContractModel):
    """One van run on one day and the riders it carries."""

    vehicle: str
    day: Day
    arrive: Time
    depart: Time
    participants: list[str]


class WaitlistEntry(ContractModel):
    participant: str
    group_type: str
    priority: Priority
    reasons: list[str] = Field(description="Plain-language reasons the request is unplaced")


class SecondaryAims(ContractModel):
    """Aims optimised only after the score, reported apart from it."""

    moved: int = Field(default=0, description="Requests moved away from `current` enrollment")
    timetable_changes: int = Field(default=0, description="Sections re-timed/re-roomed/re-staffed")
    participant_days: int = Field(default=0, description="Days participants come in, summed")
    max_staff_sessions: int = Field(default=0, description="Busiest staff member's weekly load")


def relative_gap(score: int | None, bound: int | None) -> float | None:
    """How far ``score`` may be from the best possible, as a share of the proven ``bound``:
    ``(bound - score) / |bound|``, never below 0; 0 when the bound is 0; None when either is
    unknown. The one definition every report, API answer and table uses."""
    if score is None or bound is None:
        return None
    if bound == 0:
        return 0.0
    return max(0.0, (bound - score) / abs(bound))


class Schedule(ContractModel):
    format: Literal["otgroups.schedule/1"] = SCHEDULE_FORMAT
    status: Status
    score: int = Field(description="Σ weight of placed requests")
    bound: int | None = Field(default=None, description="Proven upper bound on the score")
    solve_seconds: float = Field(default=0.0, ge=0)
    sections: list[Section]
    transport: list[Ride] = Field(default_factory=list)
    waitlist: list[WaitlistEntry]
    secondary: SecondaryAims | None = Field(
        default=None, description="otgroups extension: secondary aims, never traded for score"
    )

    @property
    def gap(self) -> float | None:
        """:func:`relative_gap` of this schedule's score and bound (None without a bound)."""
        return relative_gap(self.score, self.bound)

    def section(self, section_id: str) -> Section:
        """The section with this id (KeyError if absent)."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)
