"""A careful greedy scheduler: what a director does with a spreadsheet, every hard rule kept.

Scarcest group type first; for each, open sections one at a time at the meeting pattern that
seats the most weight (required before recommended before optional) for which a room or vehicle
and qualified staff are free; then fill the remaining requests into open sections. It speaks the
prepared compatibilities of :mod:`optimizer.prepare`, so its plan is a valid CP-SAT hint, and it
can start from a plan (the previous schedule) and only add to it.

Busy time is kept as bit masks over a week grid whose step divides every duration, travel time
and the slot, so clash tests are single integer ANDs.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field

from optimizer.cpsat.variables import Slot
from optimizer.plan import Plan, SlotPlan
from optimizer.prepare import Prepared, RunRef, TypeData
from optimizer.weekmask import WeekGrid


@dataclass
class OpenSection:
    """A section being built or already placed."""

    type_id: str
    pattern: int
    room: str | None
    vehicle: str | None
    staff: tuple[str, ...]
    members: list[str] = field(default_factory=list)


class Greedy:
    """Greedy placement state over prepared data."""

    def __init__(self, prep: Prepared, start: Plan | None = None) -> None:
        self.prep = prep
        term = prep.term
        self.grid = WeekGrid(prep)
        self.people = {p.id: p for p in term.participants}
        self.vehicles = {v.id: v for v in term.vehicles}
        self.rooms = {r.id: r for r in term.rooms}
        self.staff = {s.id: s for s in term.staff}
        self.types_of: dict[str, list[str]] = {}
        """participant → types they are an eligible requester of."""
        for data in prep.types.values():
            for pid in data.members:
                self.types_of.setdefault(pid, []).append(data.id)
        self.apart = {p.id: set(p.keep_apart) for p in term.participants}
        for p in term.participants:
            for other in p.keep_apart:
                self.apart.setdefault(other, set()).add(p.id)
        self._reset()
        if start is not None:
            self._load(start)

    def _reset(self) -> None:
        """Nothing placed."""
        self.busy_people: dict[str, int] = {}
        self.busy_rooms: dict[str, int] = {}
        self.busy_staff: dict[str, int] = {}
        self.busy_vehicles: dict[str, int] = {}
        self.staff_day: dict[tuple[str, str], int] = {}
        self.staff_week: dict[str, int] = {}
        self.hull: dict[tuple[str, str], tuple[int, int]] = {}
        """(rider, day) → first and last busy minute (travel included) of their day."""
        self.rides: dict[tuple[str, str], RunRef] = {}
        self.run_riders: dict[RunRef, set[str]] = {}
        self.placed: set[tuple[str, str]] = set()
        self.sections: dict[Slot, OpenSection] = {}
        self.pools: dict[str, list[set[str]]] = {}
        """type → per pattern, the unplaced requesters free for it (built on first use)."""
        self.pool_weights: dict[str, list[Counter[int]]] = {}
        """type → per pattern, how many of its pool have each request weight."""

    def _mask(self, data: TypeData, k: int) -> tuple[int, int]:
        return self.grid.masks(data, k)

    # -- feasibility -----------------------------------------------------------------------
    def _rider_ok(self, pid: str, data: TypeData, k: int) -> dict[str, RunRef] | None:
        """Runs that carry a van rider on each day of the pattern after joining, or None."""
        person = self.people[pid]
        if person.transport != "van":
            return {}
        pat = data.patterns[k]
        choice: dict[str, RunRef] = {}
        for day in pat.days:
            lo, hi = pat.start - data.travel, pat.end + data.travel
            if (pid, day) in self.hull:
                a, b = self.hull[pid, day]
                lo, hi = min(lo, a), max(hi, b)
            run = self._run_for(pid, day, lo, hi)
            if run is None:
                return None
            choice[day] = run
        return choice

    def _run_for(self, pid: str, day: str, lo: int, hi: int) -> RunRef | None:
        current = self.rides.get((pid, day))
        wheelchair = self.people[pid].wheelchair
        best = None
        for run in self.prep.runs_by_day.get(day, []):
            if not run.covers(lo, hi):
                continue
            if run == current:
                return run
            vehicle = self.vehicles[run.vehicle]
            riders = self.run_riders.get(run, set())
            if len(riders) >= vehicle.seats:
                continue
            if wheelchair and sum(self.people[r].wheelchair for r in riders) >= (
                vehicle.wheelchair_seats
            ):
                continue
            if best is None:
                best = run
        return best

    def _staff_ok(self, sid: str, data: TypeData, k: int) -> bool:
        """Qualified, available, free then, and within daily and weekly limits."""
        if k not in data.staff.get(sid, frozenset()):
            return False
        _, wide = self._mask(data, k)
        s = self.staff[sid]
        pat = data.patterns[k]
        return (
            not self.busy_staff.get(sid, 0) & wide
            and self.staff_week.get(sid, 0) + len(pat.days) <= s.max_sessions_per_week
            and all(self.staff_day.get((sid, d), 0) < s.max_sessions_per_day for d in pat.days)
        )

    def _free_staff(self, data: TypeData, k: int) -> list[str]:
        """Up to ``count`` leaders free for the pattern, least loaded this week first."""
        need, found = data.group_type.staff.count, []
        for sid in sorted(data.staff, key=lambda sid: (self.staff_week.get(sid, 0), sid)):
            if self._staff_ok(sid, data, k):
                found.append(sid)
                if len(found) == need:
                    break
        return found

    def _place(self, data: TypeData, k: int) -> tuple[str | None, str | None, int] | None:
        """A free room (or vehicle) for the pattern and the members it allows, or None."""
        gt = data.group_type
        narrow, wide = self._mask(data, k)
        if gt.offsite:
            best = None
            for vid, ks in data.vehicles.items():
                if k in ks and not self.busy_vehicles.get(vid, 0) & wide:
                    seats = self.prep.term.seats(gt, None, vid)
                    if best is None or seats > best[2]:
                        best = (None, vid, seats)
            return best
        best_room, rank = None, None
        for rid, ks in data.rooms.items():
            if k in ks and not self.busy_rooms.get(rid, 0) & narrow:
                room = self.rooms[rid]
                fits = min(gt.max_size, room.capacity)
                spare = len(set(room.features) - set(gt.room_features))
                key = (fits, -spare, -room.capacity, rid)
                if rank is None or key > rank:
                    best_room, rank = rid, key
        return (best_room, None, rank[0]) if rank is not None else None

    def _joinable(self, pid: str, data: TypeData, k: int, section: OpenSection) -> bool:
        """Every rule that depends on who is already in the section."""
        gt = data.group_type
        p = self.people[pid]
        others = [self.people[m] for m in section.members]
        if self.apart.get(pid, set()) & set(section.members):
            return False
        high = sum(o.acuity == "high" for o in others)
        if gt.max_high_acuity is not None and p.acuity == "high" and high >= gt.max_high_acuity:
            return False
        if gt.single_program and others and others[0].program != p.program:
            return False
        if gt.offsite and p.wheelchair and section.vehicle is not None:
            seats = self.vehicles[section.vehicle].wheelchair_seats
            if sum(o.wheelchair for o in others) >= seats:
                return False
        return True

    def _free_for(self, pid: str, data: TypeData, k: int) -> bool:
        _, wide = self._mask(data, k)
        return (
            (pid, data.id) not in self.placed
            and k in data.members.get(pid, frozenset())
            and not self.busy_people.get(pid, 0) & wide
        )

    # -- building sections ---------------------------------------------------------------
    def _pick_members(
        self, data: TypeData, k: int, section: OpenSection, capacity: int, pool: list[str]
    ) -> list[str]:
        """Members for a new section, most weight first; single-program picks its program."""
        gt = data.group_type
        if not gt.single_program:
            return self._fill(data, k, section, capacity, pool)
        best: list[str] = []
        for program in sorted({self.people[p].program for p in pool}):
            trial = OpenSection(section.type_id, k, section.room, section.vehicle, section.staff)
            chosen = self._fill(
                data, k, trial, capacity, [p for p in pool if self.people[p].program == program]
            )
            if self._value(data, chosen) > self._value(data, best):
                best = chosen
        return best

    def _fill(
        self, data: TypeData, k: int, section: OpenSection, capacity: int, pool: list[str]
    ) -> list[str]:
        chosen: list[str] = []
        trial = OpenSection(section.type_id, k, section.room, section.vehicle, section.staff, [])
        extra: dict[RunRef, list[str]] = {}
        for pid in pool:
            if len(chosen) >= capacity:
                break
            if not self._joinable(pid, data, k, trial):
                continue
            choice = self._rider_ok(pid, data, k)
            if choice is None or not self._seats_hold(extra, pid, choice):
                continue
            chosen.append(pid)
            trial.members.append(pid)
        return chosen

    def _seats_hold(
        self, extra: dict[RunRef, list[str]], pid: str, choice: dict[str, RunRef]
    ) -> bool:
        """Van seats still suffice when ``pid`` rides ``choice`` (day → run) beside ``extra``
        (run → riders new to it so far); if so, ``pid`` joins ``extra``."""
        new = [run for day, run in choice.items() if self.rides.get((pid, day)) != run]
        wheelchair = self.people[pid].wheelchair
        for run in new:
            vehicle = self.vehicles[run.vehicle]
            now = self.run_riders.get(run, set())
            riders = extra.get(run, [])
            if len(now) + len(riders) + 1 > vehicle.seats:
                return False
            if wheelchair:
                chairs = sum(self.people[r].wheelchair for r in [*now, *riders])
                if chairs + 1 > vehicle.wheelchair_seats:
                    return False
        for run in new:
            extra.setdefault(run, []).append(pid)
        return True

    def _value(self, data: TypeData, members: list[str]) -> int:
        return sum(self.prep.weight[pid, data.id] for pid in members)

    def _pools(self, data: TypeData) -> list[set[str]]:
        """Per pattern of the type, the unplaced requesters free for it (kept up to date)."""
        if data.id not in self.pools:
            pools: list[set[str]] = [set() for _ in data.patterns]
            for pid, patterns in data.members.items():
                if (pid, data.id) in self.placed:
                    continue
                busy = self.busy_people.get(pid, 0)
                for k in patterns:
                    if not busy & self._mask(data, k)[1]:
                        pools[k].add(pid)
            self.pools[data.id] = pools
            self.pool_weights[data.id] = [
                Counter(self.prep.weight[pid, data.id] for pid in pool) for pool in pools
            ]
        return self.pools[data.id]

    def _pool(self, data: TypeData, k: int) -> list[str]:
        """Unplaced requesters free for the pattern, heaviest and least flexible first."""
        return sorted(
            self._pools(data)[k],
            key=lambda pid: (-self.prep.weight[pid, data.id], len(data.members[pid]), pid),
        )

    def _potential(self, data: TypeData, k: int) -> int:
        """Weight of the ``max_size`` heaviest free requesters: an upper bound on a section."""
        if len(self._pools(data)[k]) < data.group_type.min_size:
            return 0
        total, room = 0, data.group_type.max_size
        for weight, count in sorted(self.pool_weights[data.id][k].items(), reverse=True):
            take = min(count, room)
            total, room = total + take * weight, room - take
            if not room:
                break
        return total

    def _withdraw(self, pid: str, type_id: str, busy: int) -> None:
        """Keep the pools true after ``pid`` was placed in ``type_id`` and is now ``busy``."""
        for other in self.types_of.get(pid, []):
            pools = self.pools.get(other)
            if pools is None:
                continue
            data = self.prep.types[other]
            weight = self.prep.weight[pid, other]
            for k in data.members[pid]:
                if pid in pools[k] and (other == type_id or self._mask(data, k)[1] & busy):
                    pools[k].remove(pid)
                    self.pool_weights[other][k][weight] -= 1

    def best_section(self, data: TypeData) -> OpenSection | None:
        """The most valuable section of the type that can open now, or None."""
        scored = [(self._potential(data, k), -k) for k in range(len(data.patterns))]
        scored = sorted((item for item in scored if item[0] > 0), reverse=True)
        best: OpenSection | None = None
        best_value = 0
        for potential, neg_k in scored:
            if potential <= best_value:
                break
            k = -neg_k
            place = self._place(data, k)
            if place is None:
                continue
            staff = self._free_staff(data, k)
            if len(staff) < data.group_type.staff.count:
                continue
            room, vehicle, capacity = place
            section = OpenSection(data.id, k, room, vehicle, tuple(staff))
            members = self._pick_members(data, k, section, capacity, self._pool(data, k))
            value = self._value(data, members)
            if len(members) >= data.group_type.min_size and value > best_value:
                section.members = members
                best, best_value = section, value
        return best

    # -- committing ----------------------------------------------------------------------
    def commit(self, slot: Slot, section: OpenSection) -> None:
        data = self.prep.types[section.type_id]
        k = section.pattern
        narrow, wide = self._mask(data, k)
        pat = data.patterns[k]
        self.sections[slot] = section
        if section.room is not None:
            self.busy_rooms[section.room] = self.busy_rooms.get(section.room, 0) | narrow
        if section.vehicle is not None:
            self.busy_vehicles[section.vehicle] = self.busy_vehicles.get(section.vehicle, 0) | wide
        for sid in section.staff:
            self.busy_staff[sid] = self.busy_staff.get(sid, 0) | wide
            self.staff_week[sid] = self.staff_week.get(sid, 0) + len(pat.days)
            for d in pat.days:
                self.staff_day[sid, d] = self.staff_day.get((sid, d), 0) + 1
        members, section.members = section.members, []
        for pid in members:
            self.add_member(slot, pid)

    def add_member(self, slot: Slot, pid: str) -> None:
        section = self.sections[slot]
        data = self.prep.types[section.type_id]
        k = section.pattern
        choice = self._rider_ok(pid, data, k)
        assert choice is not None
        _, wide = self._mask(data, k)
        pat = data.patterns[k]
        section.members.append(pid)
        self.placed.add((pid, data.id))
        self.busy_people[pid] = self.busy_people.get(pid, 0) | wide
        self._withdraw(pid, data.id, self.busy_people[pid])
        for day, run in choice.items():
            lo, hi = pat.start - data.travel, pat.end + data.travel
            a, b = self.hull.get((pid, day), (lo, hi))
            self.hull[pid, day] = (min(a, lo), max(b, hi))
            old = self.rides.get((pid, day))
            if old is not None:
                self.run_riders[old].discard(pid)
            self.rides[pid, day] = run
            self.run_riders.setdefault(run, set()).add(pid)

    def _load(self, plan: Plan) -> None:
        """Start from ``plan``: keep each section's time, and its room, vehicle and staff where
        they are still valid (else pick free ones); keep members who still fit. A section that
        cannot keep ``min_size`` members or find resources is left out."""
        kept = dict(plan.slots)
        while True:
            dropped = [slot for slot, sp in kept.items() if not self._restore(slot, sp)]
            if not dropped:
                return
            for slot in dropped:
                kept.pop(slot)
            self._reset()

    def _restore(self, slot: Slot, sp: SlotPlan) -> bool:
        data = self.prep.types[slot[0]]
        k, gt = sp.pattern, data.group_type
        place = self._place(data, k)
        if place is None:
            return False
        room, vehicle = place[0], place[1]
        narrow, wide = self._mask(data, k)
        if (
            sp.room is not None
            and k in data.rooms.get(sp.room, frozenset())
            and not self.busy_rooms.get(sp.room, 0) & narrow
        ):
            room = sp.room
        if (
            sp.vehicle is not None
            and k in data.vehicles.get(sp.vehicle, frozenset())
            and not self.busy_vehicles.get(sp.vehicle, 0) & wide
        ):
            vehicle = sp.vehicle
        staff = [sid for sid in sp.staff if self._staff_ok(sid, data, k)][: gt.staff.count]
        for sid in self._free_staff(data, k):
            if len(staff) < gt.staff.count and sid not in staff:
                staff.append(sid)
        if len(staff) < gt.staff.count:
            return False
        self.commit(slot, OpenSection(slot[0], k, room, vehicle, tuple(staff)))
        section = self.sections[slot]
        for pid in sp.members:
            if (
                self._free_for(pid, data, k)
                and self._joinable(pid, data, k, section)
                and self._can_add(slot, pid)
            ):
                self.add_member(slot, pid)
        return len(section.members) >= gt.min_size

    def _can_add(self, slot: Slot, pid: str) -> bool:
        section = self.sections[slot]
        data = self.prep.types[section.type_id]
        k = section.pattern
        choice = self._rider_ok(pid, data, k)
        if choice is None or not self._seats_hold({}, pid, choice):
            return False
        gt = data.group_type
        return len(section.members) < self.prep.term.seats(gt, section.room, section.vehicle)

    # -- the whole run -------------------------------------------------------------------
    def run(self, deadline: float = math.inf) -> Plan:
        """Open sections, scarcest type first, then fill them; past ``deadline`` (monotonic
        clock) stop where it stands: every step keeps the plan valid."""
        for data in self._scarcest_first():
            free = [(data.id, i) for i in range(data.slots) if (data.id, i) not in self.sections]
            for slot in free:
                if time.monotonic() >= deadline:
                    return self.plan()
                section = self.best_section(data)
                if section is None:
                    break
                self.commit(slot, section)
        self._fill_open_sections(deadline)
        return self.plan()

    def _scarcest_first(self) -> list[TypeData]:
        def pressure(data: TypeData) -> float:
            demand = sum(self.prep.weight[pid, data.id] for pid in data.members)
            seats = max(1, data.slots * data.group_type.max_size)
            return demand / seats

        return sorted(self.prep.types.values(), key=lambda d: (-pressure(d), d.id))

    def _fill_open_sections(self, deadline: float = math.inf) -> None:
        """Unplaced requests, heaviest first, into any open section they can join."""
        waiting = sorted(
            (
                (pid, t)
                for t, data in self.prep.types.items()
                for pid in data.members
                if (pid, t) not in self.placed
            ),
            key=lambda key: (-self.prep.weight[key], key),
        )
        for pid, type_id in waiting:
            if time.monotonic() >= deadline:
                return
            data = self.prep.types[type_id]
            for slot, section in sorted(self.sections.items()):
                if section.type_id != type_id or (pid, type_id) in self.placed:
                    continue
                k = section.pattern
                if (
                    self._free_for(pid, data, k)
                    and self._joinable(pid, data, k, section)
                    and self._can_add(slot, pid)
                ):
                    self.add_member(slot, pid)

    def plan(self) -> Plan:
        """The placement as a plan."""
        plan = Plan(rides=dict(self.rides))
        for slot, s in self.sections.items():
            plan.slots[slot] = SlotPlan(s.pattern, s.room, s.vehicle, s.staff, tuple(s.members))
        return plan


def greedy_plan(prep: Prepared, start: Plan | None = None, deadline: float = math.inf) -> Plan:
    """A valid plan built greedily, starting from ``start`` when given; a smaller one when
    ``deadline`` (monotonic clock) comes first."""
    return Greedy(prep, start).run(deadline)
