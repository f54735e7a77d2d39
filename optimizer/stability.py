"""Keeping a re-solve close to what runs today.

Section ids from the previous schedule (and from participants' ``current`` enrollments) are tied
to model slots, so a person who stays keeps the same section id, and a section that keeps its
time, room and staff reads the same. The previous schedule also seeds the solver's hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.schedule import Schedule
from optimizer.cpsat.variables import Slot
from optimizer.prepare import Prepared


@dataclass(frozen=True)
class PreviousSection:
    """What a slot looked like in the previous schedule, in model terms."""

    pattern: int | None
    """Index among the type's prepared patterns, None if that time is no longer usable."""
    room: str | None
    vehicle: str | None
    staff: tuple[str, ...]
    members: tuple[str, ...]


@dataclass
class Identity:
    """Slot names and the enrollment the solver should preserve where the score allows."""

    names: dict[Slot, str] = field(default_factory=dict)
    previous: dict[Slot, PreviousSection] = field(default_factory=dict)
    current: dict[tuple[str, str], Slot | None] = field(default_factory=dict)
    """(participant, type) → slot they are in today; None when that section cannot run now."""
    rides: dict[tuple[str, str], tuple[str, int, int]] = field(default_factory=dict)
    """(participant, day) → (vehicle, arrive, depart) of their previous ride."""

    def is_anchored(self, type_id: str) -> bool:
        """True when some slot of the type carries an identity from today's enrollment."""
        return any(slot[0] == type_id for slot in self.previous) or any(
            t == type_id for (_, t) in self.current
        )


def build_identity(prep: Prepared, previous: Schedule | None) -> Identity:
    """Tie previous section ids to slots and name the rest ``<type>-<n>``.

    A section id belongs to its group type: ``current`` may name sections ``"1"``, ``"2"`` in
    every type. Schedule ids are unique, so an id a type meets after another type took it still
    ties that type's enrollment to a slot, but the slot gets a fresh name.
    """
    ident = Identity()
    names_used: set[str] = set()
    by_id: dict[tuple[str, str], Slot | None] = {}
    if previous is not None:
        for type_id, data in prep.types.items():
            sections = [s for s in previous.sections if s.group_type == type_id]
            sections.sort(key=lambda s: _order_key(prep, type_id, s))
            for i, section in enumerate(sections):
                if i >= data.slots:
                    by_id[type_id, section.id] = None
                    continue
                slot = (type_id, i)
                ident.names[slot] = section.id
                ident.previous[slot] = _previous_section(prep, type_id, section)
                by_id[type_id, section.id] = slot
                names_used.add(section.id)
        for ride in previous.transport:
            for pid in ride.participants:
                ident.rides[pid, ride.day] = (ride.vehicle, ride.arrive, ride.depart)

    enrolled = _current_enrollment(prep, previous)
    seen = names_used | set(enrolled.values())
    for type_id, data in prep.types.items():
        ids = [sid for (_, t), sid in enrolled.items() if t == type_id and (t, sid) not in by_id]
        counts = {sid: ids.count(sid) for sid in ids}
        free = [(type_id, i) for i in range(data.slots) if (type_id, i) not in ident.names]
        for sid in sorted(counts, key=lambda s: (-counts[s], s)):
            target = free.pop(0) if free else None
            by_id[type_id, sid] = target
            if target is not None and sid not in names_used:
                ident.names[target] = sid
                names_used.add(sid)
        for (pid, t), sid in enrolled.items():
            if t == type_id and (pid, type_id) in prep.weight:
                ident.current[pid, type_id] = by_id.get((type_id, sid))
        n = 1
        for i in range(data.slots):
            if (type_id, i) in ident.names:
                continue
            while f"{type_id}-{n}" in names_used or f"{type_id}-{n}" in seen:
                n += 1
            ident.names[type_id, i] = f"{type_id}-{n}"
            names_used.add(f"{type_id}-{n}")
    return ident


def _current_enrollment(prep: Prepared, previous: Schedule | None) -> dict[tuple[str, str], str]:
    """``current`` from the term, else the previous schedule's rosters."""
    enrolled: dict[tuple[str, str], str] = {}
    if previous is not None:
        for section in previous.sections:
            for pid in section.participants:
                enrolled[pid, section.group_type] = section.id
    for p in prep.term.participants:
        for type_id, sid in (p.current or {}).items():
            enrolled[p.id, type_id] = sid
    return enrolled


def _order_key(prep: Prepared, type_id: str, section) -> tuple[int, int, str]:
    k = _pattern_index(prep, type_id, section)
    return (k if k is not None else 10**9, section.meetings[0].start, section.id)


def _pattern_index(prep: Prepared, type_id: str, section) -> int | None:
    days = tuple(m.day for m in section.meetings)
    start = section.meetings[0].start
    for k, pat in enumerate(prep.types[type_id].patterns):
        if pat.start == start and sorted(pat.days) == sorted(days):
            return k
    return None


def _previous_section(prep: Prepared, type_id: str, section) -> PreviousSection:
    return PreviousSection(
        pattern=_pattern_index(prep, type_id, section),
        room=section.room,
        vehicle=section.vehicle,
        staff=tuple(section.staff),
        members=tuple(section.participants),
    )
