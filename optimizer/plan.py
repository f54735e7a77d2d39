"""A solver-independent plan: which slots run, how, with whom; and its contract form.

CP-SAT solutions, warm starts (previous schedule, greedy) and the schedule writer all meet here,
so the translation to contract sections and rides happens in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.schedule import Meeting, Ride, Section
from optimizer.cpsat.variables import Slot
from optimizer.prepare import Prepared, RunRef
from optimizer.stability import Identity


@dataclass(frozen=True)
class SlotPlan:
    pattern: int
    room: str | None
    vehicle: str | None
    staff: tuple[str, ...]
    members: tuple[str, ...]


@dataclass
class Plan:
    slots: dict[Slot, SlotPlan] = field(default_factory=dict)
    rides: dict[tuple[str, str], RunRef] = field(default_factory=dict)
    """(participant, day) → the run they ride that day."""

    def placed(self) -> set[tuple[str, str]]:
        """(participant, type) of every placed request."""
        return {(pid, slot[0]) for slot, sp in self.slots.items() for pid in sp.members}

    def score(self, prep: Prepared) -> int:
        return sum(prep.weight[key] for key in self.placed())

    def days_in(self, prep: Prepared) -> set[tuple[str, str]]:
        """(participant, day) of every day someone has a meeting."""
        return {
            (pid, day)
            for slot, sp in self.slots.items()
            for day in prep.types[slot[0]].patterns[sp.pattern].days
            for pid in sp.members
        }

    def staff_load(self, prep: Prepared) -> dict[str, int]:
        """Weekly meetings led, per staff member."""
        load: dict[str, int] = {}
        for slot, sp in self.slots.items():
            for sid in sp.staff:
                load[sid] = load.get(sid, 0) + prep.types[slot[0]].group_type.meetings_per_week
        return load


def canonical(plan: Plan, ident: Identity, prep: Prepared) -> Plan:
    """The same plan with the modelled slots of each type without identity ordered by pattern,
    the order the CP-SAT symmetry breaking expects of a hint."""
    out = Plan(rides=dict(plan.rides))
    by_type: dict[str, list[SlotPlan]] = {}
    for slot, sp in sorted(plan.slots.items()):
        data = prep.types.get(slot[0])
        if data is None or ident.is_anchored(slot[0]) or slot[1] not in data.slot_indices:
            out.slots[slot] = sp
        else:
            by_type.setdefault(slot[0], []).append(sp)
    for type_id, sps in by_type.items():
        indices = prep.types[type_id].slot_indices
        for i, sp in zip(indices, sorted(sps, key=lambda sp: sp.pattern), strict=False):
            out.slots[type_id, i] = sp
    return out


def previous_plan(prep: Prepared, ident: Identity) -> Plan:
    """The previous schedule in slot terms, keeping only what is still possible per slot."""
    plan = Plan()
    for slot, prev in ident.previous.items():
        data = prep.types[slot[0]]
        if prev.pattern is None:
            continue
        members = tuple(
            pid for pid in prev.members if prev.pattern in data.members.get(pid, frozenset())
        )
        plan.slots[slot] = SlotPlan(prev.pattern, prev.room, prev.vehicle, prev.staff, members)
    for (pid, day), (vehicle, arrive, depart) in ident.rides.items():
        for run in prep.runs_by_day.get(day, []):
            if (run.vehicle, run.arrive, run.depart) == (vehicle, arrive, depart):
                plan.rides[pid, day] = run
    return plan


def to_contract(prep: Prepared, ident: Identity, plan: Plan) -> tuple[list[Section], list[Ride]]:
    """Contract sections (term order of types, then slot order) and the van rides."""
    term = prep.term
    order = {p.id: i for i, p in enumerate(term.participants)}
    staff_order = {s.id: i for i, s in enumerate(term.staff)}
    sections: list[Section] = []
    days_of: dict[str, set[str]] = {}
    for type_id, data in prep.types.items():
        for i in range(data.slots):
            sp = plan.slots.get((type_id, i))
            if sp is None:
                continue
            pattern = data.patterns[sp.pattern]
            sections.append(
                Section(
                    id=ident.names[type_id, i],
                    group_type=type_id,
                    meetings=[
                        Meeting(day=d, start=pattern.start, end=pattern.end) for d in pattern.days
                    ],
                    room=sp.room,
                    vehicle=sp.vehicle,
                    staff=sorted(sp.staff, key=staff_order.__getitem__),
                    participants=sorted(sp.members, key=order.__getitem__),
                )
            )
            for pid in sp.members:
                days_of.setdefault(pid, set()).update(pattern.days)
    riders: dict[RunRef, list[str]] = {}
    for (pid, day), run in plan.rides.items():
        if day in days_of.get(pid, ()):
            riders.setdefault(run, []).append(pid)
    day_order: dict[str, int] = {d: i for i, d in enumerate(term.calendar.days)}
    rides = [
        Ride(
            vehicle=run.vehicle,
            day=run.day,
            arrive=run.arrive,
            depart=run.depart,
            participants=sorted(pids, key=order.__getitem__),
        )
        for run, pids in sorted(
            riders.items(),
            key=lambda item: (
                day_order.get(item[0].day, 9),
                item[0].arrive,
                item[0].vehicle,
                item[0].index,
            ),
        )
    ]
    return sections, rides
