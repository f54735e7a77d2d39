"""Reference checks of a schedule against its term: dangling and duplicate ids.

These make a schedule *readable*; whether it keeps the hard rules is the validator's business
(:mod:`models.validation`).
"""

from __future__ import annotations

from collections.abc import Iterator

from models.errors import Problem
from models.schedule import Schedule
from models.term import Term


def schedule_problems(schedule: Schedule, term: Term) -> list[Problem]:
    """Every id in the schedule that the term does not know, and every duplicate."""
    return (
        list(_sections(schedule, term))
        + list(_transport(schedule, term))
        + list(_waitlist(schedule, term))
    )


def _unknown(path: str, kind: str, value: str, known: set[str]) -> Iterator[Problem]:
    if value not in known:
        yield Problem(path, f"unknown {kind} {value!r}")


def _sections(schedule: Schedule, term: Term) -> Iterator[Problem]:
    types = {gt.id for gt in term.group_types}
    rooms = {r.id for r in term.rooms}
    staff = {s.id for s in term.staff}
    vehicles = {v.id for v in term.vehicles}
    people = {p.id for p in term.participants}
    first: dict[str, int] = {}
    for i, section in enumerate(schedule.sections):
        path = f"sections[{i}]"
        if section.id in first:
            also = f"sections[{first[section.id]}]"
            yield Problem(f"{path}.id", f"duplicate section id {section.id!r} (also {also})")
        first.setdefault(section.id, i)
        yield from _unknown(f"{path}.group_type", "group type", section.group_type, types)
        if section.room is not None:
            yield from _unknown(f"{path}.room", "room", section.room, rooms)
        if section.vehicle is not None:
            yield from _unknown(f"{path}.vehicle", "vehicle", section.vehicle, vehicles)
        for j, sid in enumerate(section.staff):
            yield from _unknown(f"{path}.staff[{j}]", "staff member", sid, staff)
        members: set[str] = set()
        for j, pid in enumerate(section.participants):
            yield from _unknown(f"{path}.participants[{j}]", "participant", pid, people)
            if pid in members:
                yield Problem(f"{path}.participants[{j}]", f"{pid!r} is listed twice")
            members.add(pid)


def _transport(schedule: Schedule, term: Term) -> Iterator[Problem]:
    vehicles = {v.id for v in term.vehicles}
    people = {p.id for p in term.participants}
    for i, ride in enumerate(schedule.transport):
        yield from _unknown(f"transport[{i}].vehicle", "vehicle", ride.vehicle, vehicles)
        for j, pid in enumerate(ride.participants):
            yield from _unknown(f"transport[{i}].participants[{j}]", "participant", pid, people)


def _waitlist(schedule: Schedule, term: Term) -> Iterator[Problem]:
    types = {gt.id for gt in term.group_types}
    people = {p.id for p in term.participants}
    for i, entry in enumerate(schedule.waitlist):
        yield from _unknown(f"waitlist[{i}].participant", "participant", entry.participant, people)
        yield from _unknown(f"waitlist[{i}].group_type", "group type", entry.group_type, types)
