"""What the CP-SAT model needs, computed once from the term: per group type, its usable
patterns and who (participants, staff, rooms, vehicles) is compatible with which of them.

Pruning here is exact: a pattern, a candidate or a section slot is dropped only when no valid
schedule could use it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from models.term import GroupType, Participant, Room, Staff, Term, Vehicle
from optimizer.eligibility import ineligibility
from optimizer.patterns import Pattern, candidate_patterns, fits, inside_one, overlaps_any


@dataclass(frozen=True)
class RunRef:
    """One daily van run: ``vehicle`` id and the index of the run in its list."""

    vehicle: str
    index: int
    day: str
    arrive: int
    depart: int

    def covers(self, start: int, end: int) -> bool:
        return self.arrive <= start and end <= self.depart


@dataclass
class TypeData:
    """One group type, prepared."""

    group_type: GroupType
    patterns: list[Pattern]
    members: dict[str, frozenset[int]] = field(default_factory=dict)
    """Eligible requesters → pattern indices they can attend (never empty)."""
    staff: dict[str, frozenset[int]] = field(default_factory=dict)
    rooms: dict[str, frozenset[int]] = field(default_factory=dict)
    vehicles: dict[str, frozenset[int]] = field(default_factory=dict)
    slots: int = 0
    """Section slots of the type: at most ``max_sections``, at most requesters // min_size."""
    alone: frozenset[str] = frozenset()
    """Requesters free at some meeting time, but never with enough others who may share a
    section with them (their program in a single-program type, the acuity cap)."""
    modelled: tuple[int, ...] | None = None
    """The slot indices a model decides (None: all); a neighbourhood frees only some."""

    @property
    def slot_indices(self) -> tuple[int, ...]:
        return self.modelled if self.modelled is not None else tuple(range(self.slots))

    @property
    def id(self) -> str:
        return self.group_type.id

    @property
    def travel(self) -> int:
        return self.group_type.travel_minutes if self.group_type.offsite else 0


@dataclass
class Fixed:
    """What sections outside the model already use (empty for a whole-term model).

    A neighbourhood model (:mod:`optimizer.neighbourhood`) leaves most of the schedule as it is;
    these are the staff loads, van seats and riders' days that the fixed part takes up.
    """

    staff_day: dict[tuple[str, str], int] = field(default_factory=dict)
    staff_week: dict[str, int] = field(default_factory=dict)
    run_riders: dict[RunRef, int] = field(default_factory=dict)
    run_wheelchairs: dict[RunRef, int] = field(default_factory=dict)
    rider_days: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    """(van rider in the model, day) → first and last busy minute of their fixed meetings."""


@dataclass
class Prepared:
    term: Term
    types: dict[str, TypeData]
    runs_by_day: dict[str, list[RunRef]]
    weight: dict[tuple[str, str], int]
    """(participant, group type) → weight of the request."""
    fixed: Fixed = field(default_factory=Fixed)
    derived: dict[object, object] = field(default_factory=dict, repr=False, compare=False)
    """Answers computed from this preparation, kept so the next caller need not recompute
    them (the bound and the waitlist both ask :func:`optimizer.own_time.fitting_sets`)."""

    def staff_week_left(self, sid: str) -> int:
        return self.term.staff_member(sid).max_sessions_per_week - self.fixed.staff_week.get(sid, 0)

    def staff_day_left(self, sid: str, day: str) -> int:
        used = self.fixed.staff_day.get((sid, day), 0)
        return self.term.staff_member(sid).max_sessions_per_day - used

    def seats_left(self, run: RunRef) -> tuple[int, int]:
        """(seats, wheelchair seats) of a run not taken by riders outside the model."""
        vehicle = self.term.vehicle(run.vehicle)
        return (
            vehicle.seats - self.fixed.run_riders.get(run, 0),
            vehicle.wheelchair_seats - self.fixed.run_wheelchairs.get(run, 0),
        )


def daily_runs(term: Term) -> dict[str, list[RunRef]]:
    """Each vehicle's runs by day, a run listed twice once (the term loader warns)."""
    runs: dict[str, list[RunRef]] = {}
    for v in term.vehicles:
        for i, run in v.distinct_runs():
            runs.setdefault(run.day, []).append(RunRef(v.id, i, run.day, run.arrive, run.depart))
    return runs


def participant_fits(
    p: Participant, pattern: Pattern, travel: int, runs: dict[str, list[RunRef]]
) -> bool:
    """Available for every meeting (with travel); a van rider also needs a run that covers it."""
    for day, start, end in pattern.spans(travel):
        if not inside_one(p.available, day, start, end):
            return False
        if p.transport == "van" and not any(r.covers(start, end) for r in runs.get(day, [])):
            return False
    return True


def staff_qualified(group_type: GroupType, s: Staff) -> bool:
    need = group_type.staff
    return (
        s.role in need.roles
        and set(need.skills) <= set(s.skills)
        and s.max_sessions_per_week >= group_type.meetings_per_week
        and s.max_sessions_per_day >= 1
    )


def room_fits(room: Room, pattern: Pattern) -> bool:
    return not any(overlaps_any(room.blocked, d, s, e) for d, s, e in pattern.spans())


def vehicle_fits(vehicle: Vehicle, pattern: Pattern, travel: int) -> bool:
    """Free for the outing with travel, and not due at one of its runs during it (inclusive)."""
    if not fits(vehicle.available, pattern, travel):
        return False
    for day, start, end in pattern.spans(travel):
        for run in vehicle.runs:
            if run.day == day and (start <= run.arrive <= end or start <= run.depart <= end):
                return False
    return True


def prepare(term: Term, only: Collection[str] | None = None) -> Prepared:
    """Patterns and compatibilities for every group type of the term (or the types ``only``)."""
    runs = daily_runs(term)
    requesters: dict[str, list[Participant]] = {gt.id: [] for gt in term.group_types}
    weight: dict[tuple[str, str], int] = {}
    for p in term.participants:
        for request in p.requests:
            requesters[request.group_type].append(p)
            weight[p.id, request.group_type] = term.weights.of(request.priority)
    types = {
        gt.id: _prepare_type(term, gt, requesters[gt.id], runs)
        for gt in term.group_types
        if only is None or gt.id in only
    }
    return Prepared(term, types, runs, weight)


def _prepare_type(
    term: Term, gt: GroupType, requesters: list[Participant], runs: dict[str, list[RunRef]]
) -> TypeData:
    travel = gt.travel_minutes if gt.offsite else 0
    patterns = candidate_patterns(term.calendar, gt)
    by_availability: dict[tuple[object, ...], frozenset[int]] = {}
    members: dict[str, frozenset[int]] = {}
    for p in requesters:
        if ineligibility(gt, p):
            continue
        # Participants with the same hours and mode of transport fit the same patterns.
        key = (p.transport == "van", *((w.day, w.start, w.end) for w in p.available))
        if key not in by_availability:
            by_availability[key] = frozenset(
                k for k, pat in enumerate(patterns) if participant_fits(p, pat, travel, runs)
            )
        members[p.id] = by_availability[key]
    members, alone = _with_companions(gt, members, {p.id: p for p in requesters}, len(patterns))
    staff = {
        s.id: frozenset(k for k, pat in enumerate(patterns) if fits(s.available, pat, travel))
        for s in term.staff
        if staff_qualified(gt, s)
    }
    if gt.offsite:
        rooms: dict[str, frozenset[int]] = {}
        vehicles = {
            v.id: frozenset(k for k, pat in enumerate(patterns) if vehicle_fits(v, pat, travel))
            for v in term.vehicles
            if v.seats - gt.staff.count >= gt.min_size
        }
        places = vehicles
    else:
        vehicles = {}
        rooms = {
            r.id: frozenset(k for k, pat in enumerate(patterns) if room_fits(r, pat))
            for r in term.rooms
            if set(gt.room_features) <= set(r.features) and r.capacity >= gt.min_size
        }
        places = rooms

    usable = [
        k
        for k in range(len(patterns))
        if sum(k in ks for ks in members.values()) >= gt.min_size
        and sum(k in ks for ks in staff.values()) >= gt.staff.count
        and any(k in ks for ks in places.values())
    ]
    renumber = {old: new for new, old in enumerate(usable)}

    def keep(table: dict[str, frozenset[int]]) -> dict[str, frozenset[int]]:
        kept = {
            key: frozenset(renumber[k] for k in ks if k in renumber) for key, ks in table.items()
        }
        return {key: ks for key, ks in kept.items() if ks}

    data = TypeData(
        group_type=gt,
        patterns=[patterns[k] for k in usable],
        members=keep(members),
        staff=keep(staff),
        rooms=keep(rooms),
        vehicles=keep(vehicles),
        alone=alone,
    )
    if data.patterns:
        data.slots = min(gt.max_sections, len(data.members) // gt.min_size)
    return data


def _with_companions(
    gt: GroupType, members: dict[str, frozenset[int]], people: dict[str, Participant], n: int
) -> tuple[dict[str, frozenset[int]], frozenset[str]]:
    """Each member's patterns at which a section could form around them: ``min_size``
    requesters free then who may share a section — of the member's program in a
    ``single_program`` type, and at most ``max_high_acuity`` of them high-acuity (H1, H8, H9).
    Members this leaves with no pattern (though enough requesters of any kind share one of
    theirs) are dropped and returned apart."""
    everyone = [0] * n
    for ks in members.values():
        for k in ks:
            everyone[k] += 1
    groups: dict[str | None, list[str]] = {}
    for pid in members:
        groups.setdefault(people[pid].program if gt.single_program else None, []).append(pid)
    cap = gt.max_high_acuity
    out: dict[str, frozenset[int]] = {}
    alone: set[str] = set()
    for pids in groups.values():
        low = [0] * n
        high = [0] * n
        for pid in pids:
            counts = high if people[pid].acuity == "high" else low
            for k in members[pid]:
                counts[k] += 1
        formable = {
            k
            for k in range(n)
            if low[k] + (high[k] if cap is None else min(high[k], cap)) >= gt.min_size
        }
        for pid in pids:
            kept = members[pid] & formable
            if kept:
                out[pid] = frozenset(kept)
            elif any(everyone[k] >= gt.min_size for k in members[pid]):
                alone.add(pid)
            else:  # too few requesters at all: the usable-pattern pruning says so
                out[pid] = members[pid]
    return out, frozenset(alone)
