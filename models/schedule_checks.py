"""Reference checks of a schedule against its term: dangling and duplicate ids.

These make a schedule *readable*; whether it keeps the hard rules is the validator's business
(:mod:`models.validation`).
"""

from __future__ import annotations

from collections.abc import Iterator

from models.errors import ContractError, Problem
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


SHOWN = 5
"""Ids named per kind in a carry-over note; the rest are counted."""


def carry_over(previous: Schedule, term: Term, source: str) -> tuple[Schedule, str | None]:
    """The part of today's schedule that a re-solve of ``term`` can keep, and a note naming
    what it cannot (ids the term no longer has: people who left, a room given up, a type
    dropped), or None when everything carries over.

    Sections of unknown types go, unknown rooms and vehicles become none, unknown staff and
    participants leave the rosters and rides; the solver treats what is left as any previous
    schedule (a section without its room keeps its people and time where it can). A duplicate
    id is still a :class:`ContractError` for ``source``: that file is not a schedule.
    """
    known = {
        "group type": {gt.id for gt in term.group_types},
        "room": {r.id for r in term.rooms},
        "vehicle": {v.id for v in term.vehicles},
        "staff member": {s.id for s in term.staff},
        "participant": {p.id for p in term.participants},
    }
    missing: dict[str, set[str]] = {kind: set() for kind in known}

    def keep(kind: str, value: str | None) -> bool:
        if value is None or value in known[kind]:
            return True
        missing[kind].add(value)
        return False

    sections = []
    for s in previous.sections:
        if not keep("group type", s.group_type):
            missing["participant"].update(
                p for p in s.participants if p not in known["participant"]
            )
            continue
        sections.append(
            s.model_copy(
                update={
                    "room": s.room if keep("room", s.room) else None,
                    "vehicle": s.vehicle if keep("vehicle", s.vehicle) else None,
                    "staff": [x for x in s.staff if keep("staff member", x)],
                    "participants": [p for p in s.participants if keep("participant", p)],
                }
            )
        )
    rides = [
        r.model_copy(update={"participants": [p for p in r.participants if keep("participant", p)]})
        for r in previous.transport
        if keep("vehicle", r.vehicle)
    ]
    waitlist = [
        w
        for w in previous.waitlist
        if w.participant in known["participant"] and w.group_type in known["group type"]
    ]
    kept = previous.model_copy(
        update={"sections": sections, "transport": rides, "waitlist": waitlist}
    )
    problems = schedule_problems(kept, term)
    if problems:
        raise ContractError(source, problems)
    gone = [_named(kind, sorted(ids)) for kind, ids in missing.items() if ids]
    if not gone:
        return kept, None
    note = f"{source} names what the term no longer has ({'; '.join(gone)})"
    return kept, f"{note}: their places are not kept"


def _named(kind: str, ids: list[str]) -> str:
    shown = ", ".join(ids[:SHOWN]) + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")
    return f"{len(ids)} {kind}{'' if len(ids) == 1 else 's'} ({shown})"
