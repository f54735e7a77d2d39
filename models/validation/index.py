"""Lookups over one (term, schedule) pair, built once and shared by every rule check.

Build one with :func:`schedule_index`; it is cached per (term, schedule) object identity, so a
caller that mutates a schedule in place must build a fresh :class:`ScheduleIndex` itself.
"""

from __future__ import annotations

from collections import defaultdict

from models.schedule import Schedule, Section
from models.term import GroupType, Participant, Room, Staff, Term, Vehicle
from models.validation.spans import Owned, Span, busy_span

RunKey = tuple[str, str, int, int]
"""A van run: (vehicle id, day, arrive, depart). Ride entries with the same key are pooled."""

_CACHE_SIZE = 4
_cache: list[tuple[Term, Schedule, ScheduleIndex]] = []


class ScheduleIndex:
    """Term lookups by id, members and busy spans per section, rides per rider and run."""

    def __init__(self, term: Term, schedule: Schedule, day_view: bool = False) -> None:
        self.term = term
        self.schedule = schedule
        self.day_view = day_view
        """One date's sessions: each section shows only that date's meeting and roster."""
        self.types: dict[str, GroupType] = {gt.id: gt for gt in term.group_types}
        self.people: dict[str, Participant] = {p.id: p for p in term.participants}
        self.staff: dict[str, Staff] = {s.id: s for s in term.staff}
        self.rooms: dict[str, Room] = {r.id: r for r in term.rooms}
        self.vehicles: dict[str, Vehicle] = {v.id: v for v in term.vehicles}
        self.keep_apart: dict[str, set[str]] = defaultdict(set)
        for p in term.participants:
            for other in p.keep_apart:
                self.keep_apart[p.id].add(other)
                self.keep_apart[other].add(p.id)
        self.runs: set[RunKey] = {
            (v.id, run.day, run.arrive, run.depart) for v in term.vehicles for run in v.runs
        }
        self.runs_by_day: dict[str, list[RunKey]] = defaultdict(list)
        for key in sorted(self.runs):
            self.runs_by_day[key[1]].append(key)
        self._index_sections(schedule)
        self._index_rides(schedule)

    def _index_sections(self, schedule: Schedule) -> None:
        self.position: dict[str, int] = {}
        self.section_types: list[GroupType | None] = []
        self.spans: list[list[Span]] = []
        self.members: list[list[str]] = []
        self.memberships: dict[str, list[int]] = defaultdict(list)
        for i, section in enumerate(schedule.sections):
            self.position.setdefault(section.id, i)
            gt = self.types.get(section.group_type)
            self.section_types.append(gt)
            self.spans.append([busy_span(m, gt) for m in section.meetings])
            members = list(dict.fromkeys(section.participants))
            self.members.append(members)
            for pid in members:
                self.memberships[pid].append(i)

    def _index_rides(self, schedule: Schedule) -> None:
        self.riders: dict[RunKey, set[str]] = defaultdict(set)
        self.rides_of: dict[tuple[str, str], list[RunKey]] = defaultdict(list)
        for ride in schedule.transport:
            key: RunKey = (ride.vehicle, ride.day, ride.arrive, ride.depart)
            for pid in dict.fromkeys(ride.participants):
                self.riders[key].add(pid)
                self.rides_of[(pid, ride.day)].append(key)

    def section(self, position: int) -> Section:
        """The section at this position of ``schedule.sections``."""
        return self.schedule.sections[position]

    def busy(self, pid: str, skip: int | None = None) -> list[Owned[int]]:
        """The participant's busy spans (travel included), owned by section position."""
        return [
            Owned(span, i)
            for i in self.memberships.get(pid, ())
            if i != skip
            for span in self.spans[i]
        ]

    def wheelchair_riders(self, key: RunKey, excluding: str | None = None) -> int:
        """Riders of a run who need a wheelchair seat."""
        return sum(
            1
            for pid in self.riders.get(key, ())
            if pid != excluding and (p := self.people.get(pid)) is not None and p.wheelchair
        )


def schedule_index(term: Term, schedule: Schedule) -> ScheduleIndex:
    """The cached index of this exact (term, schedule) pair, built on first use."""
    for cached_term, cached_schedule, index in _cache:
        if cached_term is term and cached_schedule is schedule:
            return index
    return remember(ScheduleIndex(term, schedule))


def remember(index: ScheduleIndex) -> ScheduleIndex:
    """Put a freshly built index in the small identity cache, evicting the oldest."""
    _cache[:] = [
        entry for entry in _cache if not (entry[0] is index.term and entry[1] is index.schedule)
    ]
    _cache.append((index.term, index.schedule, index))
    del _cache[:-_CACHE_SIZE]
    return index
