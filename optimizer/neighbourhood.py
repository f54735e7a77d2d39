"""Neighbourhood models: re-decide a few group types, everything else held as it is.

:func:`restrict` turns a whole-term :class:`~optimizer.prepare.Prepared` and a current plan into a
smaller ``Prepared`` for the chosen types only. Their slots are free again; every time a fixed
section already takes — a room, a leader, a vehicle, a participant's hour — is removed from the
compatible patterns, staff loads and van seats the fixed part uses are recorded in
:class:`~optimizer.prepare.Fixed`, and van riders who move keep a seat on every day their fixed
meetings bring them in. The same CP-SAT rules then apply unchanged, so a neighbourhood solution
merged back (:func:`merge`) keeps every hard rule.

Used by large-neighbourhood search (:mod:`optimizer.lns`) and, with one participant's types, to
admit someone mid-term with everyone else pinned.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from optimizer.cpsat.variables import Slot
from optimizer.plan import Plan
from optimizer.prepare import Fixed, Prepared, TypeData
from optimizer.stability import Identity, PreviousSection
from optimizer.weekmask import WeekGrid


@dataclass
class Neighbourhood:
    prep: Prepared
    """The restricted model data: only the chosen types."""
    hint: Plan
    """The current plan of those types (valid in the restricted model)."""
    inside: set[str]
    """Participants the restricted model may place (requesters of the chosen types)."""


def slots_of(prep: Prepared, types: Collection[str]) -> set[Slot]:
    """Every slot of the given types."""
    return {(t, i) for t in types for i in range(prep.types[t].slots)}


def restrict(prep: Prepared, plan: Plan, free: Collection[Slot], grid: WeekGrid) -> Neighbourhood:
    """The model of the ``free`` slots with the rest of ``plan`` fixed around it.

    Requesters of a freed type who hold a fixed section of it stay there; the others (waiting,
    or in a freed slot) may be placed in the freed slots."""
    free = set(free)
    chosen = {slot[0] for slot in free}
    fixed_slots = {slot: sp for slot, sp in plan.slots.items() if slot not in free}
    seated = {(pid, slot[0]) for slot, sp in fixed_slots.items() for pid in sp.members}
    term = prep.term
    riders = {p.id for p in term.participants if p.transport == "van"}

    busy_room: dict[str, int] = {}
    busy_vehicle: dict[str, int] = {}
    busy_staff: dict[str, int] = {}
    busy_person: dict[str, int] = {}
    fixed = Fixed()
    for slot, sp in fixed_slots.items():
        data = prep.types[slot[0]]
        narrow, wide = grid.masks(data, sp.pattern)
        pattern = data.patterns[sp.pattern]
        if sp.room is not None:
            busy_room[sp.room] = busy_room.get(sp.room, 0) | narrow
        if sp.vehicle is not None:
            busy_vehicle[sp.vehicle] = busy_vehicle.get(sp.vehicle, 0) | wide
        for sid in sp.staff:
            busy_staff[sid] = busy_staff.get(sid, 0) | wide
            fixed.staff_week[sid] = fixed.staff_week.get(sid, 0) + len(pattern.days)
            for day in pattern.days:
                fixed.staff_day[sid, day] = fixed.staff_day.get((sid, day), 0) + 1
        for pid in sp.members:
            busy_person[pid] = busy_person.get(pid, 0) | wide
            if pid in riders:
                for day, lo, hi in pattern.spans(data.travel):
                    a, b = fixed.rider_days.get((pid, day), (lo, hi))
                    fixed.rider_days[pid, day] = (min(a, lo), max(b, hi))

    def compatible(
        table: dict[str, frozenset[int]], busy: dict[str, int], data: TypeData, wide: bool
    ) -> dict[str, frozenset[int]]:
        out = {}
        for key, ks in table.items():
            mask = busy.get(key, 0)
            kept = frozenset(k for k in ks if not mask & grid.masks(data, k)[wide])
            if kept:
                out[key] = kept
        return out

    types_out: dict[str, TypeData] = {}
    for type_id in sorted(chosen):
        data = prep.types[type_id]
        waiting = {pid: ks for pid, ks in data.members.items() if (pid, type_id) not in seated}
        members = compatible(waiting, busy_person, data, True)
        members = {
            pid: ks
            for pid, ks in (
                (pid, _covered(prep, fixed, data, pid, ks) if pid in riders else ks)
                for pid, ks in members.items()
            )
            if ks
        }
        staff = {
            sid: ks
            for sid, ks in compatible(data.staff, busy_staff, data, True).items()
            if prep.term.staff_member(sid).max_sessions_per_week - fixed.staff_week.get(sid, 0)
            >= data.group_type.meetings_per_week
        }
        types_out[type_id] = TypeData(
            group_type=data.group_type,
            patterns=data.patterns,
            members=members,
            staff=staff,
            rooms=compatible(data.rooms, busy_room, data, False),
            vehicles=compatible(data.vehicles, busy_vehicle, data, True),
            slots=data.slots,
            modelled=tuple(sorted(i for t, i in free if t == type_id)),
            alone=data.alone,
        )
    inside = {pid for data in types_out.values() for pid in data.members}
    fixed.rider_days = {key: span for key, span in fixed.rider_days.items() if key[0] in inside}
    for (pid, _day), run in plan.rides.items():
        if pid not in inside:
            fixed.run_riders[run] = fixed.run_riders.get(run, 0) + 1
            if term.participant(pid).wheelchair:
                fixed.run_wheelchairs[run] = fixed.run_wheelchairs.get(run, 0) + 1
    sub = Prepared(term, types_out, prep.runs_by_day, prep.weight, fixed)
    hint = Plan(
        slots={slot: sp for slot, sp in plan.slots.items() if slot in free},
        rides={key: run for key, run in plan.rides.items() if key[0] in inside},
    )
    return Neighbourhood(sub, hint, inside)


def plan_identity(sub: Prepared, plan: Plan, base: Identity) -> Identity:
    """An identity for a neighbourhood model: its slots as they stand in ``plan`` (so the model
    keeps them unless the score gains), and each member's enrollment from ``base`` (today's)
    where that slot is in the model, else where ``plan`` has them."""
    ident = Identity(names=base.names)
    modelled = {(t, i) for t, data in sub.types.items() for i in data.slot_indices}
    for slot in modelled:
        sp = plan.slots.get(slot)
        if sp is None:
            continue
        ident.previous[slot] = PreviousSection(
            sp.pattern, sp.room, sp.vehicle, sp.staff, sp.members
        )
        for pid in sp.members:
            ident.current[pid, slot[0]] = slot
    for (pid, type_id), today in base.current.items():
        if today in modelled and pid in sub.types[type_id].members:
            ident.current[pid, type_id] = today
    return ident


def _covered(
    prep: Prepared, fixed: Fixed, data: TypeData, pid: str, ks: frozenset[int]
) -> frozenset[int]:
    """Patterns after which some run still covers the rider's whole day (fixed part included)."""
    out = []
    for k in ks:
        ok = True
        for day, lo, hi in data.patterns[k].spans(data.travel):
            a, b = fixed.rider_days.get((pid, day), (lo, hi))
            lo, hi = min(a, lo), max(b, hi)
            if not any(run.covers(lo, hi) for run in prep.runs_by_day.get(day, [])):
                ok = False
                break
        if ok:
            out.append(k)
    return frozenset(out)


def merge(plan: Plan, part: Plan, hood: Neighbourhood) -> Plan:
    """``plan`` with the neighbourhood's slots and its participants' rides replaced."""
    freed = {(t, i) for t, data in hood.prep.types.items() for i in data.slot_indices}
    slots = {slot: sp for slot, sp in plan.slots.items() if slot not in freed}
    slots.update(part.slots)
    rides = {key: run for key, run in plan.rides.items() if key[0] not in hood.inside}
    rides.update(part.rides)
    return Plan(slots=slots, rides=rides)
