"""Meeting patterns: the days and start time a section could meet on.

A section of a type that meets ``m`` times a week picks one pattern: ``m`` distinct calendar days
and one start on the slot grid. Everything the model needs to know about time is decided per
pattern before the solver starts, so time rules become plain 0/1 compatibilities.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from models.common import DAYS, MINUTES_PER_DAY, Window
from models.term import Calendar, GroupType


@dataclass(frozen=True)
class Pattern:
    """``days`` (calendar order) at ``start`` for ``duration`` minutes; travel is not included."""

    days: tuple[str, ...]
    start: int
    duration: int

    @property
    def end(self) -> int:
        return self.start + self.duration

    def week_start(self, meeting: int) -> int:
        """Minutes from Monday 00:00 to the start of meeting ``meeting``."""
        return DAYS.index(self.days[meeting]) * MINUTES_PER_DAY + self.start

    def spans(self, travel: int = 0) -> Iterable[tuple[str, int, int]]:
        """``(day, from, to)`` per meeting, widened by ``travel`` on both sides."""
        for day in self.days:
            yield day, self.start - travel, self.end + travel


def candidate_patterns(calendar: Calendar, group_type: GroupType) -> list[Pattern]:
    """Every pattern H3 allows: calendar days, slot grid, opening hours, the type's windows.

    An off-site trip (travel both ways) also stays inside opening hours: the contract bounds
    the meeting only, but a van leaving a shut clinic is not a schedule to hand a director, and
    the stricter reading is valid under either.
    """
    days = [d for d in DAYS if d in set(calendar.days)]
    duration = group_type.duration_minutes
    travel = group_type.travel_minutes if group_type.offsite else 0
    first = calendar.open
    while first - travel < calendar.open:
        first += calendar.slot_minutes
    starts = range(first, calendar.close - duration - travel + 1, calendar.slot_minutes)
    patterns = []
    for day_set in combinations(days, group_type.meetings_per_week):
        for start in starts:
            if group_type.windows is None or all(
                inside_one(group_type.windows, day, start, start + duration) for day in day_set
            ):
                patterns.append(Pattern(day_set, start, duration))
    return patterns


def inside_one(windows: Sequence[Window], day: str, start: int, end: int) -> bool:
    """True when ``[start, end)`` on ``day`` lies inside one of ``windows`` (never merged)."""
    return any(w.day == day and w.start <= start and end <= w.end for w in windows)


def overlaps_any(windows: Sequence[Window], day: str, start: int, end: int) -> bool:
    """True when ``[start, end)`` on ``day`` shares a minute with one of ``windows``."""
    return any(w.day == day and start < w.end and w.start < end for w in windows)


def fits(windows: Sequence[Window], pattern: Pattern, travel: int = 0) -> bool:
    """Every meeting of ``pattern`` (with travel) lies inside one of ``windows``."""
    return all(inside_one(windows, d, s, e) for d, s, e in pattern.spans(travel))
