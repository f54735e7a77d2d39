"""Time spans on a weekday: meetings, meetings with travel, and how they meet windows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from models.common import DAY_NAMES, Window, format_time
from models.schedule import Meeting
from models.term import GroupType

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open interval ``[start, end)`` in minutes on one weekday."""

    day: str
    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        """True when both spans share a minute of the same day."""
        return self.day == other.day and self.start < other.end and other.start < self.end

    def label(self) -> str:
        """``Tue 09:30-12:30``."""
        day = DAY_NAMES.get(self.day, self.day)
        return f"{day} {format_time(self.start)}-{format_time(self.end)}"


def meeting_span(meeting: Meeting) -> Span:
    """The meeting itself, travel excluded."""
    return Span(meeting.day, meeting.start, meeting.end)


def busy_span(meeting: Meeting, group_type: GroupType | None) -> Span:
    """The meeting plus travel both ways for off-site types: [start - travel, end + travel)."""
    travel = group_type.travel_minutes if group_type is not None and group_type.offsite else 0
    return Span(meeting.day, meeting.start - travel, meeting.end + travel)


def inside_one(windows: Iterable[Window], span: Span) -> bool:
    """True when the span lies inside ONE listed window (windows are never merged)."""
    return any(w.contains(span.day, span.start, span.end) for w in windows)


@dataclass(frozen=True, slots=True)
class Owned(Generic[T]):
    """A span and who owns it (a section position, a section id, …)."""

    span: Span
    owner: T


def clashes(items: Sequence[Owned[T]]) -> Iterator[tuple[Owned[T], Owned[T]]]:
    """Every pair of overlapping spans with different owners, earliest first per day."""
    by_day: dict[str, list[Owned[T]]] = defaultdict(list)
    for item in items:
        by_day[item.span.day].append(item)
    for day in sorted(by_day):
        row = sorted(by_day[day], key=lambda o: (o.span.start, o.span.end))
        for i, first in enumerate(row):
            for second in row[i + 1 :]:
                if second.span.start >= first.span.end:
                    break
                if second.owner != first.owner:
                    yield first, second
