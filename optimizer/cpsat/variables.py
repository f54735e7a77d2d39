"""Decision variables of the CP-SAT model, created in one place.

A *slot* is a section that may run: ``(group type id, index)``. For each slot the model picks
whether it runs, one pattern (days and start), a room or a vehicle, its staff and its members.
Van riders pick one run per day they come in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimizer.prepare import Prepared, RunRef, TypeData

Slot = tuple[str, int]


@dataclass
class Variables:
    active: dict[Slot, cp_model.IntVar] = field(default_factory=dict)
    pattern: dict[Slot, list[cp_model.IntVar]] = field(default_factory=dict)
    week_start: dict[Slot, list[cp_model.IntVar]] = field(default_factory=dict)
    assign: dict[tuple[str, Slot], cp_model.IntVar] = field(default_factory=dict)
    room: dict[tuple[Slot, str], cp_model.IntVar] = field(default_factory=dict)
    staff: dict[tuple[Slot, str], cp_model.IntVar] = field(default_factory=dict)
    vehicle: dict[tuple[Slot, str], cp_model.IntVar] = field(default_factory=dict)
    ride: dict[tuple[str, RunRef], cp_model.IntVar] = field(default_factory=dict)
    attends: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    staff_day: dict[tuple[Slot, str, str], cp_model.IntVar] = field(default_factory=dict)
    """(slot, staff, day) → at least "leads the slot and it meets that day" (H5 daily load)."""
    program: dict[tuple[Slot, str], cp_model.IntVar] = field(default_factory=dict)
    """(slot, program) → the program of a single-program slot (H9)."""
    slots_of_type: dict[str, list[Slot]] = field(default_factory=dict)
    slots_of_participant: dict[str, list[Slot]] = field(default_factory=dict)

    def meets_on(self, data: TypeData, slot: Slot, day: str) -> cp_model.LinearExpr:
        """1 when the slot runs and meets on ``day``."""
        z = self.pattern[slot]
        return cp_model.LinearExpr.sum(
            [z[k] for k, pat in enumerate(data.patterns) if day in pat.days]
        )


def create_variables(model: cp_model.CpModel, prep: Prepared) -> Variables:
    """Every decision variable, with domains already narrowed by the preparation step."""
    v = Variables()
    for data in prep.types.values():
        slots = [(data.id, i) for i in data.slot_indices]
        v.slots_of_type[data.id] = slots
        for slot in slots:
            _slot_variables(model, v, data, slot)
    for pid, slot in v.assign:
        v.slots_of_participant.setdefault(pid, []).append(slot)
    _ride_variables(model, prep, v)
    return v


def _slot_variables(model: cp_model.CpModel, v: Variables, data: TypeData, slot: Slot) -> None:
    name = f"{slot[0]}#{slot[1]}"
    v.active[slot] = model.new_bool_var(f"active[{name}]")
    v.pattern[slot] = [model.new_bool_var(f"z[{name},{k}]") for k in range(len(data.patterns))]
    starts: list[cp_model.IntVar] = []
    for j in range(data.group_type.meetings_per_week):
        values = sorted({0} | {pat.week_start(j) for pat in data.patterns})
        starts.append(
            model.new_int_var_from_domain(cp_model.Domain.from_values(values), f"ws[{name},{j}]")
        )
    v.week_start[slot] = starts
    for pid in data.members:
        v.assign[pid, slot] = model.new_bool_var(f"x[{pid},{name}]")
    for rid in data.rooms:
        v.room[slot, rid] = model.new_bool_var(f"room[{name},{rid}]")
    for sid in data.staff:
        v.staff[slot, sid] = model.new_bool_var(f"staff[{name},{sid}]")
    for vid in data.vehicles:
        v.vehicle[slot, vid] = model.new_bool_var(f"vehicle[{name},{vid}]")


def _ride_variables(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    fixed_days: dict[str, set[str]] = {}
    for pid, day in prep.fixed.rider_days:
        fixed_days.setdefault(pid, set()).add(day)
    riders = [p for p in prep.term.participants if p.transport == "van"]
    for p in riders:
        if p.id not in v.slots_of_participant:
            continue
        days = set(fixed_days.get(p.id, ()))
        for slot in v.slots_of_participant[p.id]:
            data = prep.types[slot[0]]
            for k in data.members[p.id]:
                days.update(data.patterns[k].days)
        for day in sorted(days):
            v.attends[p.id, day] = model.new_bool_var(f"attends[{p.id},{day}]")
            for run in prep.runs_by_day.get(day, []):
                v.ride[p.id, run] = model.new_bool_var(f"ride[{p.id},{run.vehicle},{run.index}]")
