"""The hard rules H1–H11 of the contract, one function each, as CP-SAT constraints.

Every function has the signature ``rule(model, prep, v)``. Time rules that depend on a single
pattern (calendar, slot grid, windows, availability, blocked rooms, van coverage) were settled in
:mod:`optimizer.prepare`; here they become "x implies one of its compatible patterns".
"""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from optimizer.cpsat.variables import Slot, Variables
from optimizer.prepare import Prepared, RunRef, TypeData

Rule = Callable[[cp_model.CpModel, Prepared, Variables], None]


def _compatible(
    model: cp_model.CpModel, v: Variables, slot: Slot, lit: cp_model.IntVar, ks: frozenset[int]
) -> None:
    """``lit`` implies the slot's pattern is one of ``ks``."""
    z = v.pattern[slot]
    if len(ks) == len(z):
        model.add_implication(lit, v.active[slot])
    else:
        model.add(lit <= sum(z[k] for k in sorted(ks)))


def _intervals(
    model: cp_model.CpModel,
    v: Variables,
    data: TypeData,
    slot: Slot,
    presence: cp_model.IntVar,
    travel: int,
    name: str,
) -> list[cp_model.IntervalVar]:
    """One optional interval per weekly meeting of the slot, widened by ``travel``."""
    size = data.group_type.duration_minutes + 2 * travel
    return [
        model.new_optional_fixed_size_interval_var(ws - travel, size, presence, f"{name}#{j}")
        for j, ws in enumerate(v.week_start[slot])
    ]


def time_h3(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H3: a running section has exactly one pattern (distinct days, one start on the grid,
    inside opening hours and the type's windows — guaranteed by the candidate patterns)."""
    for slot, z in v.pattern.items():
        model.add(sum(z) == v.active[slot])
        data = prep.types[slot[0]]
        for j, ws in enumerate(v.week_start[slot]):
            model.add(ws == sum(z[k] * pat.week_start(j) for k, pat in enumerate(data.patterns)))


def size_h1(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H1: min_size ≤ members ≤ max_size, room capacity, vehicle seats and wheelchair seats."""
    term = prep.term
    for slot, active in v.active.items():
        data = prep.types[slot[0]]
        gt = data.group_type
        members = [v.assign[pid, slot] for pid in data.members]
        model.add(sum(members) >= gt.min_size * active)
        model.add(sum(members) <= gt.max_size * active)
        for pid in data.members:
            model.add_implication(v.assign[pid, slot], active)
        if gt.offsite:
            seats = sum(
                min(gt.max_size, term.vehicle(vid).seats - gt.staff.count) * v.vehicle[slot, vid]
                for vid in data.vehicles
            )
            model.add(sum(members) <= seats)
            wheelchair = [
                v.assign[pid, slot] for pid in data.members if term.participant(pid).wheelchair
            ]
            if wheelchair:
                model.add(
                    sum(wheelchair)
                    <= sum(
                        term.vehicle(vid).wheelchair_seats * v.vehicle[slot, vid]
                        for vid in data.vehicles
                    )
                )
        else:
            capacity = sum(
                min(gt.max_size, term.room(rid).capacity) * v.room[slot, rid] for rid in data.rooms
            )
            model.add(sum(members) <= capacity)


def sections_h2(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H2: at most ``max_sections`` per type. Kept by construction: a type has at most that many
    slots (:func:`optimizer.prepare.prepare`); this states it where the rules are read."""
    for type_id, slots in v.slots_of_type.items():
        if len(slots) > prep.types[type_id].group_type.max_sections:
            raise AssertionError(f"{type_id}: more slots than max_sections")


def rooms_h4(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H4: an on-site section holds one room with the features (prepared), not blocked then,
    and a room holds one meeting at a time."""
    by_room: dict[str, list[cp_model.IntervalVar]] = {}
    for slot in v.active:
        data = prep.types[slot[0]]
        if data.group_type.offsite:
            continue
        model.add(sum(v.room[slot, rid] for rid in data.rooms) == v.active[slot])
        for rid, ks in data.rooms.items():
            lit = v.room[slot, rid]
            _compatible(model, v, slot, lit, ks)
            by_room.setdefault(rid, []).extend(
                _intervals(model, v, data, slot, lit, 0, f"room[{slot},{rid}]")
            )
    for intervals in by_room.values():
        if len(intervals) > 1:
            model.add_no_overlap(intervals)


def staff_h5(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H5: ``count`` qualified staff (prepared), available with travel, in one place at a time,
    within their daily and weekly session limits."""
    by_staff: dict[str, list[cp_model.IntervalVar]] = {}
    load: dict[str, list[cp_model.LinearExprT]] = {}
    days: dict[tuple[str, str], list[Slot]] = {}
    for slot in v.active:
        data = prep.types[slot[0]]
        gt = data.group_type
        model.add(sum(v.staff[slot, sid] for sid in data.staff) == gt.staff.count * v.active[slot])
        for sid, ks in data.staff.items():
            lit = v.staff[slot, sid]
            _compatible(model, v, slot, lit, ks)
            by_staff.setdefault(sid, []).extend(
                _intervals(model, v, data, slot, lit, data.travel, f"staff[{slot},{sid}]")
            )
            load.setdefault(sid, []).append(gt.meetings_per_week * lit)
            for day in sorted({d for k in ks for d in data.patterns[k].days}):
                days.setdefault((sid, day), []).append(slot)
    for sid, intervals in by_staff.items():
        if len(intervals) > 1:
            model.add_no_overlap(intervals)
        model.add(sum(load[sid]) <= prep.staff_week_left(sid))
    for (sid, day), slots in days.items():
        limit = prep.staff_day_left(sid, day)
        if len(slots) <= limit:
            continue
        for slot in slots:
            both = model.new_bool_var(f"staff_day[{slot},{sid},{day}]")
            meets = v.meets_on(prep.types[slot[0]], slot, day)
            model.add(both >= v.staff[slot, sid] + meets - 1)
            v.staff_day[slot, sid, day] = both
        model.add(sum(v.staff_day[slot, sid, day] for slot in slots) <= limit)


def vehicles_h6(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H6: an off-site section holds one vehicle, free with travel and not due at a run
    (prepared), on one outing at a time."""
    by_vehicle: dict[str, list[cp_model.IntervalVar]] = {}
    for slot in v.active:
        data = prep.types[slot[0]]
        if not data.group_type.offsite:
            continue
        model.add(sum(v.vehicle[slot, vid] for vid in data.vehicles) == v.active[slot])
        for vid, ks in data.vehicles.items():
            lit = v.vehicle[slot, vid]
            _compatible(model, v, slot, lit, ks)
            by_vehicle.setdefault(vid, []).extend(
                _intervals(model, v, data, slot, lit, data.travel, f"vehicle[{slot},{vid}]")
            )
    for intervals in by_vehicle.values():
        if len(intervals) > 1:
            model.add_no_overlap(intervals)


def participants_h7(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H7: members only of requested, allowed types (prepared), one section per type, available
    for every meeting with travel, never in two meetings at once."""
    for p in prep.term.participants:
        slots = v.slots_of_participant.get(p.id, [])
        intervals: list[cp_model.IntervalVar] = []
        for request in p.requests:
            own = [s for s in slots if s[0] == request.group_type]
            if len(own) > 1:
                model.add_at_most_one(v.assign[p.id, s] for s in own)
        for slot in slots:
            data = prep.types[slot[0]]
            lit = v.assign[p.id, slot]
            _compatible(model, v, slot, lit, data.members[p.id])
            intervals.extend(
                _intervals(model, v, data, slot, lit, data.travel, f"p[{p.id},{slot}]")
            )
        if len({s[0] for s in slots}) > 1:
            model.add_no_overlap(intervals)


def acuity_h8(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H8: high-acuity members ≤ ``max_high_acuity``."""
    for slot in v.active:
        data = prep.types[slot[0]]
        cap = data.group_type.max_high_acuity
        if cap is None:
            continue
        high = [
            v.assign[pid, slot]
            for pid in data.members
            if prep.term.participant(pid).acuity == "high"
        ]
        if len(high) > cap:
            model.add(sum(high) <= cap)


def single_program_h9(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H9: a ``single_program`` section holds members of one program."""
    for slot in v.active:
        data = prep.types[slot[0]]
        if not data.group_type.single_program:
            continue
        by_program: dict[str, list[str]] = {}
        for pid in data.members:
            by_program.setdefault(prep.term.participant(pid).program, []).append(pid)
        if len(by_program) < 2:
            continue
        chosen = {prog: model.new_bool_var(f"program[{slot},{prog}]") for prog in by_program}
        v.program.update({(slot, prog): lit for prog, lit in chosen.items()})
        model.add_at_most_one(chosen.values())
        for prog, pids in by_program.items():
            for pid in pids:
                model.add_implication(v.assign[pid, slot], chosen[prog])


def keep_apart_h10(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H10: no section holds both of a keep-apart pair (listed by either side)."""
    pairs = {tuple(sorted((p.id, other))) for p in prep.term.participants for other in p.keep_apart}
    for a, b in sorted(pairs):
        for slot in v.slots_of_participant.get(a, []):
            if (b, slot) in v.assign:
                model.add_at_most_one([v.assign[a, slot], v.assign[b, slot]])


def transport_h11(model: cp_model.CpModel, prep: Prepared, v: Variables) -> None:
    """H11: a van rider who comes in on a day rides exactly one run of that day that brings them
    before their first meeting (minus travel) and takes them after their last (plus travel);
    runs hold their seats and wheelchair seats."""
    term = prep.term
    riders_of_run: dict[RunRef, list[str]] = {}
    uncovered_memo: dict[tuple[str, tuple[int, ...], RunRef], list[int]] = {}

    def uncovered(type_id: str, ks: tuple[int, ...], run: RunRef) -> list[int]:
        """Which of the patterns ``ks`` of a type ``run`` does not bring in and take home."""
        key = (type_id, ks, run)
        if key not in uncovered_memo:
            data = prep.types[type_id]
            uncovered_memo[key] = [
                k
                for k in ks
                if not run.covers(
                    data.patterns[k].start - data.travel, data.patterns[k].end + data.travel
                )
            ]
        return uncovered_memo[key]

    for (pid, day), attends in v.attends.items():
        runs = prep.runs_by_day.get(day, [])
        model.add(sum(v.ride[pid, run] for run in runs) == attends)
        fixed_span = prep.fixed.rider_days.get((pid, day))
        if fixed_span is not None:  # meetings outside the model already bring them in
            model.add(attends == 1)
            for run in runs:
                if not run.covers(*fixed_span):
                    model.add(v.ride[pid, run] == 0)
        for run in runs:
            riders_of_run.setdefault(run, []).append(pid)
        for slot in v.slots_of_participant.get(pid, []):
            data = prep.types[slot[0]]
            ks = tuple(k for k in data.members[pid] if day in data.patterns[k].days)
            if not ks:
                continue
            lit = v.assign[pid, slot]
            z = v.pattern[slot]
            model.add(attends >= lit + sum(z[k] for k in ks) - 1)
            for run in runs:
                missed = uncovered(slot[0], ks, run)
                if missed:
                    model.add(lit + v.ride[pid, run] + sum(z[k] for k in missed) <= 2)
    for run, pids in riders_of_run.items():
        seats, chairs = prep.seats_left(run)
        if len(pids) > seats:
            model.add(sum(v.ride[pid, run] for pid in pids) <= seats)
        wheelchair = [pid for pid in pids if term.participant(pid).wheelchair]
        if len(wheelchair) > chairs:
            model.add(sum(v.ride[pid, run] for pid in wheelchair) <= chairs)


HARD_RULES: dict[str, Rule] = {
    "H1": size_h1,
    "H2": sections_h2,
    "H3": time_h3,
    "H4": rooms_h4,
    "H5": staff_h5,
    "H6": vehicles_h6,
    "H7": participants_h7,
    "H8": acuity_h8,
    "H9": single_program_h9,
    "H10": keep_apart_h10,
    "H11": transport_h11,
}
"""Every hard rule by its contract code, in the order the model adds them."""
