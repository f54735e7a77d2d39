"""Why a participant could not join a section as it stands: the hard rules adding them breaks."""

from __future__ import annotations

from collections.abc import Iterator

from models.common import DAY_NAMES, format_time
from models.schedule import Schedule
from models.term import GroupType, Participant, Term
from models.validation.index import ScheduleIndex, schedule_index
from models.validation.participant_rules import not_allowed
from models.validation.spans import Owned, clashes, inside_one
from models.validation.transport_rules import day_spans
from models.validation.violation import Violation, ordered


def join_violations(
    term: Term,
    schedule: Schedule,
    participant_id: str,
    section_id: str,
    index: ScheduleIndex | None = None,
) -> list[Violation]:
    """The hard rules that adding the participant to the section would break, as reasons.

    Only rules touching that participant and section are evaluated (H1, H7-H11). Pass ``index``
    when the schedule was changed in place since its index was built.
    """
    idx = index if index is not None else schedule_index(term, schedule)
    person = idx.people.get(participant_id)
    if person is None:
        return [Violation("SHAPE", participant_id, f"unknown participant {participant_id}")]
    pos = idx.position.get(section_id)
    if pos is None:
        return [Violation("SHAPE", section_id, f"unknown section {section_id}")]
    gt = idx.section_types[pos]
    if gt is None:
        return [Violation("SHAPE", section_id, f"section {section_id} has an unknown group type")]
    found = [
        *_size(idx, pos, person, gt),
        *_own(idx, pos, person, gt),
        *_company(idx, pos, person, gt),
        *_van(idx, pos, person),
    ]
    return ordered(found)


def _others(idx: ScheduleIndex, pos: int, pid: str) -> list[str]:
    """The section's members other than the participant."""
    return [m for m in idx.members[pos] if m != pid]


def _size(idx: ScheduleIndex, pos: int, person: Participant, gt: GroupType) -> Iterator[Violation]:
    """H1: a free place, room capacity, vehicle seat and wheelchair seat after adding."""
    section = idx.section(pos)
    sid = section.id
    others = _others(idx, pos, person.id)
    if len(others) + 1 > gt.max_size:
        yield Violation("H1", sid, f"section {sid} is full ({len(others)} of {gt.max_size})")
    room = idx.rooms.get(section.room) if section.room is not None else None
    if not gt.offsite and room is not None and len(others) + 1 > room.capacity:
        yield Violation(
            "H1",
            room.id,
            f"room {room.id} of section {sid} is full ({len(others)} of {room.capacity})",
        )
    vehicle = idx.vehicles.get(section.vehicle) if section.vehicle is not None else None
    if gt.offsite and vehicle is not None:
        aboard = len(others) + gt.staff.count
        if aboard + 1 > vehicle.seats:
            yield Violation(
                "H1",
                vehicle.id,
                f"vehicle {vehicle.id} of section {sid} has no free seat "
                f"({aboard} of {vehicle.seats} with staff)",
            )
        chairs = sum(1 for m in others if (p := idx.people.get(m)) is not None and p.wheelchair)
        if person.wheelchair and chairs + 1 > vehicle.wheelchair_seats:
            yield Violation(
                "H1",
                vehicle.id,
                f"vehicle {vehicle.id} of section {sid} has no free wheelchair seat "
                f"({chairs} of {vehicle.wheelchair_seats})",
            )


def _own(idx: ScheduleIndex, pos: int, person: Participant, gt: GroupType) -> Iterator[Violation]:
    """H7: requested, not yet in the type, available (travel incl.), no clash, allowed."""
    pid = person.id
    if gt.id not in {r.group_type for r in person.requests}:
        yield Violation("H7", pid, f"{pid} did not request {gt.label}")
    for i in idx.memberships.get(pid, ()):
        if idx.section_types[i] is gt:
            yield Violation("H7", pid, f"{pid} is already in section {idx.section(i).id}")
    for reason in not_allowed(person, gt):
        yield Violation("H7", pid, reason)
    spans = idx.spans[pos]
    for span in spans:
        # The span (travel included off site) must lie inside ONE of the participant's windows.
        if not inside_one(person.available, span):
            yield Violation("H7", pid, f"{pid} is not available {span.label()}")
    # Clashes with the participant's other sections, both sides' travel included.
    mine = [Owned(span, pos) for span in spans]
    for a, b in clashes([*mine, *idx.busy(pid, skip=pos)]):
        if (a.owner == pos) == (b.owner == pos):
            continue
        other = b if a.owner == pos else a
        yield Violation(
            "H7",
            pid,
            f"clashes with {pid}'s section {idx.section(other.owner).id} ({other.span.label()})",
        )


def _company(
    idx: ScheduleIndex, pos: int, person: Participant, gt: GroupType
) -> Iterator[Violation]:
    """H8 high-acuity cap, H9 single program, H10 keep-apart with any member."""
    sid = idx.section(pos).id
    others = [idx.people[m] for m in _others(idx, pos, person.id) if m in idx.people]
    if person.acuity == "high" and gt.max_high_acuity is not None:
        high = sum(1 for p in others if p.acuity == "high")
        if high + 1 > gt.max_high_acuity:
            yield Violation(
                "H8",
                sid,
                f"section {sid} already holds {high} high-acuity members "
                f"(max {gt.max_high_acuity})",
            )
    if gt.single_program:
        programs = sorted({p.program for p in others} - {person.program})
        if programs:
            yield Violation(
                "H9",
                sid,
                f"section {sid} is single-program {', '.join(programs)}, "
                f"{person.id} is {person.program}",
            )
    apart = idx.keep_apart.get(person.id, set())
    if person.id in apart:
        yield Violation("H10", person.id, f"{person.id} is kept apart from themselves")
    for p in others:
        if p.id in apart:
            yield Violation("H10", p.id, f"keep-apart with {p.id} who is in section {sid}")


def _van(idx: ScheduleIndex, pos: int, person: Participant) -> Iterator[Violation]:
    """H11: each meeting day, a run covering the rider's whole day with a seat for them.

    The rider's current seat that day counts as free: they may switch runs.
    """
    if person.transport != "van":
        return
    pid = person.id
    new_days = {span.day for span in idx.spans[pos]}
    after = day_spans([*idx.spans[pos], *(o.span for o in idx.busy(pid, skip=pos))])
    for day in sorted(new_days, key=list(DAY_NAMES).index):
        first, last = after[day]
        if not any(run_fits(idx, key, person, first, last) for key in idx.runs_by_day[day]):
            seat = "wheelchair seat" if person.wheelchair else "seat"
            yield Violation(
                "H11",
                pid,
                f"no van run on {DAY_NAMES[day]} covers {format_time(first)}-{format_time(last)} "
                f"with a free {seat}",
            )


def run_fits(
    idx: ScheduleIndex, key: tuple[str, str, int, int], person: Participant, first: int, last: int
) -> bool:
    """True when the run covers [first, last) and has a seat (and wheelchair seat) for them."""
    _, _, arrive, depart = key
    if arrive > first or depart < last:
        return False
    vehicle = idx.vehicles[key[0]]
    if len(idx.riders.get(key, set()) - {person.id}) >= vehicle.seats:
        return False
    return not person.wheelchair or (
        idx.wheelchair_riders(key, excluding=person.id) < vehicle.wheelchair_seats
    )
