"""Rules about one section on its own: SHAPE, H1 size, H2 count, H3 time, H8-H10 membership."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from models.common import DAY_NAMES, format_time
from models.schedule import Section
from models.term import GroupType, Participant
from models.validation.index import ScheduleIndex
from models.validation.spans import inside_one, meeting_span
from models.validation.violation import Violation


def section_violations(idx: ScheduleIndex) -> Iterator[Violation]:
    """SHAPE, H1, H2, H3, H8, H9 and H10 for every section of the schedule."""
    seen: set[str] = set()
    for i, section in enumerate(idx.schedule.sections):
        if section.id in seen:
            yield Violation("SHAPE", section.id, f"section id {section.id} is used twice")
        seen.add(section.id)
        gt = idx.section_types[i]
        if gt is None:
            msg = f"section {section.id} has unknown group type {section.group_type}"
            yield Violation("SHAPE", section.id, msg)
            continue
        yield from _shape(idx, section, gt)
        yield from _size(idx, i, section, gt)
        yield from _time(idx, section, gt)
        yield from _membership(idx, i, section, gt)
    if not idx.day_view:  # a term-level count: one date's view adds one-off extra meetings
        yield from _section_counts(idx)


def _shape(idx: ScheduleIndex, section: Section, gt: GroupType) -> Iterator[Violation]:
    """end == start + duration; off site: room null and a vehicle; on site: vehicle null."""
    sid = section.id
    for m in section.meetings:
        if m.end != m.start + gt.duration_minutes:
            yield Violation(
                "SHAPE",
                sid,
                f"section {sid} meeting {meeting_span(m).label()} does not last "
                f"{gt.label}'s {gt.duration_minutes} minutes",
            )
    if gt.offsite:
        if section.room is not None:
            msg = f"off-site section {sid} has room {section.room}; it should have none"
            yield Violation("SHAPE", sid, msg)
        if section.vehicle is None:
            yield Violation("SHAPE", sid, f"off-site section {sid} has no vehicle")
    elif section.vehicle is not None:
        msg = f"on-site section {sid} has vehicle {section.vehicle}; it should have none"
        yield Violation("SHAPE", sid, msg)
    if section.room is not None and section.room not in idx.rooms:
        yield Violation("SHAPE", sid, f"section {sid} uses unknown room {section.room}")
    if section.vehicle is not None and section.vehicle not in idx.vehicles:
        yield Violation("SHAPE", sid, f"section {sid} uses unknown vehicle {section.vehicle}")
    for staff_id in dict.fromkeys(section.staff):
        if staff_id not in idx.staff:
            yield Violation("SHAPE", sid, f"section {sid} lists unknown staff member {staff_id}")
    for pid, n in Counter(section.participants).items():
        if pid not in idx.people:
            yield Violation("SHAPE", sid, f"section {sid} lists unknown participant {pid}")
        if n > 1:
            yield Violation("SHAPE", sid, f"section {sid} lists participant {pid} {n} times")


def _size(idx: ScheduleIndex, i: int, section: Section, gt: GroupType) -> Iterator[Violation]:
    """H1: min_size <= members <= max_size, room capacity, vehicle seats and wheelchair seats."""
    sid = section.id
    n = len(idx.members[i])
    if n < gt.min_size and not idx.day_view:  # a day's attendance may run short of min_size
        msg = f"section {sid} has {n} members, below {gt.label}'s min_size {gt.min_size}"
        yield Violation("H1", sid, msg)
    if n > gt.max_size:
        msg = f"section {sid} has {n} members, above {gt.label}'s max_size {gt.max_size}"
        yield Violation("H1", sid, msg)
    room = idx.rooms.get(section.room) if section.room is not None else None
    if not gt.offsite and room is not None and n > room.capacity:
        msg = f"section {sid} has {n} members, above room {room.id}'s capacity {room.capacity}"
        yield Violation("H1", sid, msg)
    vehicle = idx.vehicles.get(section.vehicle) if section.vehicle is not None else None
    if gt.offsite and vehicle is not None:
        aboard = n + gt.staff.count
        if aboard > vehicle.seats:
            yield Violation(
                "H1",
                sid,
                f"section {sid} needs {aboard} seats ({n} members + {gt.staff.count} staff), "
                f"above vehicle {vehicle.id}'s {vehicle.seats}",
            )
        chairs = _count(idx, idx.members[i], lambda p: p.wheelchair)
        if chairs > vehicle.wheelchair_seats:
            yield Violation(
                "H1",
                sid,
                f"section {sid} has {chairs} wheelchair members, above vehicle {vehicle.id}'s "
                f"{vehicle.wheelchair_seats} wheelchair seats",
            )


def _time(idx: ScheduleIndex, section: Section, gt: GroupType) -> Iterator[Violation]:
    """H3: meetings_per_week meetings on distinct calendar days, one start on the grid, in hours."""
    cal = idx.term.calendar
    sid = section.id
    if len(section.meetings) != gt.meetings_per_week and not idx.day_view:
        yield Violation(
            "H3",
            sid,
            f"section {sid} has {len(section.meetings)} meetings a week, "
            f"{gt.label} needs {gt.meetings_per_week}",
        )
    for day, n in Counter(m.day for m in section.meetings).items():
        if n > 1:
            yield Violation("H3", sid, f"section {sid} meets {n} times on {DAY_NAMES[day]}")
        if day not in cal.days:
            yield Violation("H3", sid, f"section {sid} meets on {DAY_NAMES[day]}, not a clinic day")
    starts = sorted({m.start for m in section.meetings})
    if len(starts) > 1:
        times = ", ".join(format_time(s) for s in starts)
        yield Violation("H3", sid, f"section {sid} meetings start at different times ({times})")
    for start in starts:
        if (start - cal.open) % cal.slot_minutes:
            yield Violation(
                "H3",
                sid,
                f"section {sid} starts at {format_time(start)}, off the "
                f"{cal.slot_minutes}-minute grid from {format_time(cal.open)}",
            )
    for m in section.meetings:
        span = meeting_span(m)
        # H3 bounds the meeting only (the contract times meetings without travel); the solver
        # keeps an off-site trip inside opening hours too (optimizer.patterns).
        if m.start < cal.open or m.end > cal.close:
            yield Violation(
                "H3",
                sid,
                f"section {sid} meets {span.label()}, outside opening hours "
                f"{format_time(cal.open)}-{format_time(cal.close)}",
            )
        # Type windows bound the meeting only (no travel), inside ONE window.
        if gt.windows is not None and not inside_one(gt.windows, span):
            msg = f"section {sid} meets {span.label()}, outside every window of {gt.label}"
            yield Violation("H3", sid, msg)


def _membership(idx: ScheduleIndex, i: int, section: Section, gt: GroupType) -> Iterator[Violation]:
    """H8 high-acuity cap, H9 single program, H10 keep-apart pairs (listed by either side)."""
    sid = section.id
    members = idx.members[i]
    if gt.max_high_acuity is not None:
        high = _count(idx, members, lambda p: p.acuity == "high")
        if high > gt.max_high_acuity:
            yield Violation(
                "H8",
                sid,
                f"section {sid} has {high} high-acuity members, above {gt.label}'s "
                f"max_high_acuity {gt.max_high_acuity}",
            )
    if gt.single_program:
        programs = sorted({idx.people[pid].program for pid in members if pid in idx.people})
        if len(programs) > 1:
            yield Violation(
                "H9",
                sid,
                f"single-program section {sid} mixes programs {', '.join(programs)}",
            )
    for a, first in enumerate(members):
        apart = idx.keep_apart.get(first)
        if not apart:
            continue
        if first in apart:  # read literally, a pair (p, p) is in every section holding p
            yield Violation("H10", sid, f"section {sid} holds {first}, kept apart from themselves")
        for second in members[a + 1 :]:
            if second in apart:
                pair = " and ".join(sorted((first, second)))
                msg = f"section {sid} holds keep-apart pair {pair}"
                yield Violation("H10", sid, msg)


def _section_counts(idx: ScheduleIndex) -> Iterator[Violation]:
    """H2: sections of a type <= max_sections."""
    counts = Counter(section.group_type for section in idx.schedule.sections)
    for type_id in sorted(counts):
        gt = idx.types.get(type_id)
        if gt is not None and counts[type_id] > gt.max_sections:
            yield Violation(
                "H2",
                type_id,
                f"{counts[type_id]} sections of {gt.label}, above max_sections {gt.max_sections}",
            )


def _count(idx: ScheduleIndex, members: list[str], test: Callable[[Participant], bool]) -> int:
    """How many known members pass ``test``."""
    return sum(1 for pid in members if pid in idx.people and test(idx.people[pid]))
