"""Between MIP column values and :class:`optimizer.plan.Plan`: extraction and warm starts."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.baselines.highs.formulation import MipVars, Slot
from optimizer.plan import Plan, SlotPlan
from optimizer.prepare import Prepared


def extract_plan(prep: Prepared, v: MipVars, values: Sequence[float]) -> Plan:
    """The plan of an integer solution (values > 0.5 read as 1)."""

    def on(col: int) -> bool:
        return values[col] > 0.5

    plan = Plan()
    for slot, active in v.active.items():
        if not on(active):
            continue
        data = prep.types[slot[0]]
        pattern = next(k for k in range(len(data.patterns)) if on(v.pattern[slot, k]))
        plan.slots[slot] = SlotPlan(
            pattern=pattern,
            room=next((r for r in data.rooms if on(v.room[slot, r])), None),
            vehicle=next((x for x in data.vehicles if on(v.vehicle[slot, x])), None),
            staff=tuple(s for s in data.staff if on(v.staff[slot, s])),
            members=tuple(p for p in data.members if on(v.assign[p, slot])),
        )
    for (pid, run), col in v.ride.items():
        if on(col):
            plan.rides[pid, run.day] = run
    return plan


def ordered(plan: Plan) -> Plan:
    """The same plan with each type's sections in slot order by pattern (the symmetry
    breaking of the MIP)."""
    out = Plan(rides=dict(plan.rides))
    by_type: dict[str, list[SlotPlan]] = {}
    for slot, sp in sorted(plan.slots.items()):
        by_type.setdefault(slot[0], []).append(sp)
    for type_id, sps in by_type.items():
        for i, sp in enumerate(sorted(sps, key=lambda sp: sp.pattern)):
            out.slots[type_id, i] = sp
    return out


def hint_values(prep: Prepared, v: MipVars, plan: Plan, n_columns: int) -> list[float]:
    """A complete column vector for a valid plan (raises ``KeyError`` if the plan uses
    something the prepared compatibilities exclude)."""
    values = [0.0] * n_columns
    plan = ordered(plan)
    for slot, sp in plan.slots.items():
        _hint_slot(prep, v, slot, sp, values)
    days = plan.days_in(prep)
    for (pid, day), col in v.attends.items():
        if (pid, day) not in days:
            continue
        values[col] = 1.0
        run = plan.rides.get((pid, day))
        if run is not None:
            values[v.ride[pid, run]] = 1.0
    return values


def _hint_slot(prep: Prepared, v: MipVars, slot: Slot, sp: SlotPlan, values: list[float]) -> None:
    k = sp.pattern
    values[v.active[slot]] = values[v.pattern[slot, k]] = 1.0
    for pid in sp.members:
        values[v.assign[pid, slot]] = values[v.meets[pid, slot, k]] = 1.0
    if sp.room is not None:
        values[v.room[slot, sp.room]] = values[v.room_at[slot, k, sp.room]] = 1.0
    if sp.vehicle is not None:
        values[v.vehicle[slot, sp.vehicle]] = values[v.vehicle_at[slot, k, sp.vehicle]] = 1.0
    for sid in sp.staff:
        values[v.staff[slot, sid]] = values[v.staff_at[slot, k, sid]] = 1.0
    programs = {prep.term.participant(pid).program for pid in sp.members}
    for program in programs:
        if (slot, program) in v.program:
            values[v.program[slot, program]] = 1.0
