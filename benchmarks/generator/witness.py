"""A greedy schedule for a generated term: a quick witness that most requests can be placed.

Not an optimizer. It opens sections one at a time (required requests first, then recommended,
then optional), picking the meeting pattern that seats the most weight for which a room (or a
van), staff and every member are free, and keeps every hard rule of the contract, a little
conservatively (travel is rounded up to whole slots). Its score is a lower bound on what a
good solver should reach, which is what the generator's tests check.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models import Term, parse_term
from models.common import format_time
from models.term import GroupType, Participant

PRIORITY_ORDER = ("required", "recommended", "optional")
FLEX = 4.0
"""How much more a candidate with a single fitting pattern counts than a flexible one."""


@dataclass
class _Section:
    type_id: str
    days: tuple[int, ...]
    start: int
    room: int | None
    vehicle: int | None
    staff: list[int]
    members: list[int] = field(default_factory=list)


class Witness:
    """Greedy placement state over a ``[who, day, slot]`` grid."""

    def __init__(self, term: Term) -> None:
        self.term = term
        cal = term.calendar
        self.slot = cal.slot_minutes
        self.open = cal.open
        self.days = list(cal.days)
        self.n_slots = (cal.close - cal.open) // self.slot
        self.people = term.participants
        self.index = {p.id: i for i, p in enumerate(self.people)}
        self.p_free = np.stack([self._mask(p.available) for p in self.people])
        self.s_free = np.stack([self._mask(s.available) for s in term.staff])
        self.r_free = np.stack([~self._mask(r.blocked, overlap=True) for r in term.rooms])
        self.v_free = (
            np.stack([self._mask(v.available) for v in term.vehicles])
            if term.vehicles
            else np.zeros((0, len(self.days), self.n_slots), dtype=bool)
        )
        self.s_day = np.zeros((len(term.staff), len(self.days)), dtype=int)
        self.s_week = np.zeros(len(term.staff), dtype=int)
        self.ride: dict[tuple[int, int], tuple[int, int]] = {}
        """(participant, day) → (vehicle, run index) for van riders with a meeting that day."""
        self.load: dict[tuple[int, int], list[int]] = {}
        """(vehicle, run index) and day → riders, keyed (vehicle * 1000 + run, day)."""
        self.extent: dict[tuple[int, int], tuple[int, int]] = {}
        """(participant, day) → earliest and latest minute busy (travel included)."""
        self.sections: list[_Section] = []
        self.placed: set[tuple[int, str]] = set()
        self.value: dict[int, float] = {}

    def _mask(self, windows: list[Any], overlap: bool = False) -> np.ndarray:
        out = np.zeros((len(self.days), self.n_slots), dtype=bool)
        for w in windows:
            if w.day not in self.days:
                continue
            d = self.days.index(w.day)
            for k in range(self.n_slots):
                a = self.open + k * self.slot
                b = a + self.slot
                inside = (a < w.end and w.start < b) if overlap else (w.start <= a and b <= w.end)
                if inside:
                    out[d, k] = True
        return out

    # ----- who may join -----

    def eligible(self, p: Participant, gt: GroupType) -> bool:
        a = gt.allowed
        return (
            (a.age_bands is None or p.age_band in a.age_bands)
            and (a.genders is None or p.gender in a.genders)
            and (a.programs is None or p.program in a.programs)
            and (a.tracks_any is None or bool(set(p.tracks) & set(a.tracks_any)))
        )

    def _runs_for(self, i: int, d: int, lo: int, hi: int) -> tuple[int, int] | None:
        """A run of day ``d`` covering ``[lo, hi]`` with a free seat for rider ``i``."""
        p = self.people[i]
        current = self.ride.get((i, d))
        day = self.days[d]
        best = None
        for v, vehicle in enumerate(self.term.vehicles):
            for r, run in enumerate(vehicle.runs):
                if run.day != day or run.arrive > lo or run.depart < hi:
                    continue
                riders = self.load.get((v * 1000 + r, d), [])
                if (v, r) != current:
                    if len(riders) >= vehicle.seats:
                        continue
                    wheel = sum(self.people[j].wheelchair for j in riders)
                    if p.wheelchair and wheel >= vehicle.wheelchair_seats:
                        continue
                if (v, r) == current:
                    return current
                if best is None:
                    best = (v, r)
        return best

    def _can_attend(self, i: int, d: int, lo: int, hi: int) -> bool:
        p = self.people[i]
        if p.transport != "van":
            return True
        a, b = self.extent.get((i, d), (lo, hi))
        return self._runs_for(i, d, min(a, lo), max(b, hi)) is not None

    # ----- resources -----

    def _span(self, gt: GroupType, start: int) -> tuple[int, int, int, int]:
        """Slot range busy (travel rounded up) and minute range busy, for a start slot."""
        k = gt.duration_minutes // self.slot
        tr = -(-gt.travel_minutes // self.slot) if gt.offsite else 0
        a_min = self.open + start * self.slot - gt.travel_minutes
        b_min = self.open + (start + k) * self.slot + gt.travel_minutes
        return start - tr, start + k + tr, a_min, b_min

    def _pick_staff(self, gt: GroupType, days: tuple[int, ...], lo: int, hi: int) -> list[int]:
        need = gt.staff
        options = []
        for j, s in enumerate(self.term.staff):
            if s.role not in need.roles or not set(need.skills) <= set(s.skills):
                continue
            if self.s_week[j] + len(days) > s.max_sessions_per_week:
                continue
            if any(self.s_day[j, d] >= s.max_sessions_per_day for d in days):
                continue
            if not all(self.s_free[j, d, lo:hi].all() for d in days):
                continue
            spare = s.max_sessions_per_week - self.s_week[j]
            options.append((len(s.skills) - len(need.skills), -spare, j))
        options.sort()
        return [j for _, _, j in options[: need.count]] if len(options) >= need.count else []

    def _pick_room(
        self, gt: GroupType, days: tuple[int, ...], lo: int, hi: int, want: int
    ) -> int | None:
        """The free room with the features that fits best (fewest spare features, seats)."""
        best = None
        for r, room in enumerate(self.term.rooms):
            if not set(gt.room_features) <= set(room.features):
                continue
            if not all(self.r_free[r, d, lo:hi].all() for d in days):
                continue
            short = max(0, want - room.capacity)
            rank = (short, len(room.features) - len(gt.room_features), room.capacity, r)
            if best is None or rank < best:
                best = rank
        return None if best is None else best[-1]

    def _pick_vehicle(
        self, gt: GroupType, days: tuple[int, ...], span: tuple[int, int, int, int]
    ) -> int | None:
        """The largest van free for the outing (travel included) and not due at a run."""
        lo, hi, a_min, b_min = span
        best = None
        for v, vehicle in enumerate(self.term.vehicles):
            if not all(self.v_free[v, d, lo:hi].all() for d in days):
                continue
            due = any(
                run.day == self.days[d]
                and (a_min <= run.arrive <= b_min or a_min <= run.depart <= b_min)
                for run in vehicle.runs
                for d in days
            )
            if due or vehicle.seats <= gt.staff.count:
                continue
            rank = (-vehicle.seats, v)
            if best is None or rank < best:
                best = rank
        return None if best is None else best[-1]

    # ----- opening sections -----

    def _candidates(self, gt: GroupType, levels: tuple[str, ...]) -> list[tuple[int, int]]:
        weights = self.term.weights
        out = []
        for i, p in enumerate(self.people):
            for req in p.requests:
                if req.group_type != gt.id or req.priority not in levels:
                    continue
                if (i, gt.id) in self.placed or not self.eligible(p, gt):
                    continue
                out.append((weights.of(req.priority), i))
        out.sort(key=lambda x: (-x[0], x[1]))
        return out

    def _patterns(self, gt: GroupType) -> list[tuple[tuple[int, ...], int]]:
        k = gt.duration_minutes // self.slot
        out = []
        for start in range(self.n_slots - k + 1):
            a = self.open + start * self.slot
            b = a + gt.duration_minutes
            ok_days = [
                d
                for d, day in enumerate(self.days)
                if gt.windows is None or any(w.contains(day, a, b) for w in gt.windows)
            ]
            for days in itertools.combinations(ok_days, gt.meetings_per_week):
                out.append((days, start))
        return out

    @staticmethod
    def _too_acute(gt: GroupType, p: Participant, high: int) -> bool:
        """True when a high-acuity ``p`` would break the section's high-acuity cap."""
        cap = gt.max_high_acuity
        return p.acuity == "high" and cap is not None and high >= cap

    def _free(
        self, gt: GroupType, cands: list[tuple[int, int]], days: tuple[int, ...], start: int
    ) -> np.ndarray:
        """Which candidates have every meeting's span (travel included) free."""
        lo, hi, _, _ = self._span(gt, start)
        if lo < 0 or hi > self.n_slots:
            return np.zeros(len(cands), dtype=bool)
        idx = np.array([i for _, i in cands], dtype=int)
        free = np.ones(len(idx), dtype=bool)
        for d in days:
            free &= self.p_free[idx, d, lo:hi].all(axis=1)
        return free

    def _members(
        self,
        gt: GroupType,
        cands: list[tuple[int, int]],
        days: tuple[int, ...],
        start: int,
        limit: int,
        wheel_limit: int | None,
    ) -> list[int]:
        """Members for a pattern, best candidates first, within every section rule."""
        _, _, a_min, b_min = self._span(gt, start)
        free = self._free(gt, cands, days, start)
        programs: dict[str, list[int]] = {}
        for pos in np.flatnonzero(free).tolist():
            i = cands[pos][1]
            if not all(self._can_attend(i, d, a_min, b_min) for d in days):
                continue
            programs.setdefault(self.people[i].program if gt.single_program else "", []).append(i)
        best: list[int] = []
        best_value = 0.0
        for group in programs.values():
            chosen: list[int] = []
            high = wheel = 0
            for i in group:
                p = self.people[i]
                if len(chosen) >= limit:
                    break
                if self._too_acute(gt, p, high):
                    continue
                if wheel_limit is not None and p.wheelchair and wheel >= wheel_limit:
                    continue
                if any(self.people[j].id in p.keep_apart for j in chosen):
                    continue
                chosen.append(i)
                high += p.acuity == "high"
                wheel += p.wheelchair
            value = sum(self.value.get(i, 1.0) for i in chosen)
            if value > best_value:
                best, best_value = chosen, value
        return best

    def _open(self, gt: GroupType, levels: tuple[str, ...]) -> bool:
        cands = self._candidates(gt, levels)
        if len(cands) < gt.min_size:
            return False
        patterns = self._patterns(gt)
        frees = [self._free(gt, cands, days, start) for days, start in patterns]
        options = np.sum(frees, axis=0) if frees else np.zeros(len(cands))
        # Candidates who fit few patterns count for more, so their times are chosen first.
        self.value = {
            i: w * (1.0 + FLEX / max(1, int(n))) for (w, i), n in zip(cands, options, strict=True)
        }
        scored = []
        for (days, start), free in zip(patterns, frees, strict=True):
            if free.sum() < gt.min_size:
                continue
            members = self._members(gt, cands, days, start, gt.max_size, None)
            if len(members) >= gt.min_size:
                value = sum(self.value[i] for i in members)
                scored.append((-value, start, days))
        scored.sort()
        for _, start, days in scored:
            span = self._span(gt, start)
            lo, hi = span[0], span[1]
            staff = self._pick_staff(gt, days, lo, hi)
            if not staff:
                continue
            room = vehicle = None
            k = gt.duration_minutes // self.slot
            if gt.offsite:
                vehicle = self._pick_vehicle(gt, days, span)
                if vehicle is None:
                    continue
                veh = self.term.vehicles[vehicle]
                limit = min(gt.max_size, veh.seats - gt.staff.count)
                members = self._members(gt, cands, days, start, limit, veh.wheelchair_seats)
            else:
                room = self._pick_room(gt, days, start, start + k, gt.max_size)
                if room is None:
                    continue
                limit = min(gt.max_size, self.term.rooms[room].capacity)
                members = self._members(gt, cands, days, start, limit, None)
            if len(members) < gt.min_size:
                continue
            section = _Section(gt.id, days, start, room, vehicle, staff)
            self._commit(gt, section, members)
            return True
        return False

    def _commit(self, gt: GroupType, section: _Section, members: list[int]) -> None:
        lo, hi, _, _ = self._span(gt, section.start)
        k = gt.duration_minutes // self.slot
        for d in section.days:
            for j in section.staff:
                self.s_free[j, d, lo:hi] = False
                self.s_day[j, d] += 1
            if section.room is not None:
                self.r_free[section.room, d, section.start : section.start + k] = False
            if section.vehicle is not None:
                self.v_free[section.vehicle, d, lo:hi] = False
        for j in section.staff:
            self.s_week[j] += len(section.days)
        self.sections.append(section)
        for i in members:
            self._join(gt, section, i)

    def _join(self, gt: GroupType, section: _Section, i: int) -> None:
        lo, hi, a_min, b_min = self._span(gt, section.start)
        for d in section.days:
            self.p_free[i, d, lo:hi] = False
            if self.people[i].transport == "van":
                a, b = self.extent.get((i, d), (a_min, b_min))
                a, b = min(a, a_min), max(b, b_min)
                run = self._runs_for(i, d, a, b)
                assert run is not None
                old = self.ride.get((i, d))
                if old != run:
                    if old is not None:
                        self.load[(old[0] * 1000 + old[1], d)].remove(i)
                    self.load.setdefault((run[0] * 1000 + run[1], d), []).append(i)
                    self.ride[(i, d)] = run
                self.extent[(i, d)] = (a, b)
        section.members.append(i)
        self.placed.add((i, gt.id))

    def _top_up(self, gt: GroupType, levels: tuple[str, ...]) -> None:
        """Add waiting requesters to open sections of the type that still have room."""
        for section in self.sections:
            if section.type_id != gt.id:
                continue
            if section.vehicle is not None:
                veh = self.term.vehicles[section.vehicle]
                limit = min(gt.max_size, veh.seats - gt.staff.count)
                wheel_limit: int | None = veh.wheelchair_seats
            else:
                assert section.room is not None
                limit = min(gt.max_size, self.term.rooms[section.room].capacity)
                wheel_limit = None
            room_left = limit - len(section.members)
            if room_left <= 0:
                continue
            cands = self._candidates(gt, levels)
            if not cands:
                return
            lo, hi, a_min, b_min = self._span(gt, section.start)
            high = sum(self.people[j].acuity == "high" for j in section.members)
            wheel = sum(self.people[j].wheelchair for j in section.members)
            program = self.people[section.members[0]].program
            for _, i in cands:
                if room_left <= 0:
                    break
                p = self.people[i]
                if gt.single_program and p.program != program:
                    continue
                if self._too_acute(gt, p, high):
                    continue
                if wheel_limit is not None and p.wheelchair and wheel >= wheel_limit:
                    continue
                if any(self.people[j].id in p.keep_apart for j in section.members):
                    continue
                if not all(self.p_free[i, d, lo:hi].all() for d in section.days):
                    continue
                if not all(self._can_attend(i, d, a_min, b_min) for d in section.days):
                    continue
                self._join(gt, section, i)
                room_left -= 1
                high += p.acuity == "high"
                wheel += p.wheelchair

    def run(self) -> None:
        """Place required requests first, then recommended, then optional."""
        order = sorted(self.term.group_types, key=_hardness)
        for level in range(len(PRIORITY_ORDER)):
            levels = PRIORITY_ORDER[: level + 1]
            for gt in order:
                self._top_up(gt, levels)
                while sum(s.type_id == gt.id for s in self.sections) < gt.max_sections:
                    if not self._open(gt, levels):
                        break

    # ----- output -----

    def schedule(self) -> dict[str, Any]:
        """The placement as an ``otgroups.schedule/1`` document."""
        term = self.term
        sections = []
        counts: dict[str, int] = {}
        for sec in self.sections:
            gt = term.group_type(sec.type_id)
            counts[sec.type_id] = counts.get(sec.type_id, 0) + 1
            start = self.open + sec.start * self.slot
            sections.append(
                {
                    "id": f"{sec.type_id}-{counts[sec.type_id]}",
                    "group_type": sec.type_id,
                    "meetings": [
                        {
                            "day": self.days[d],
                            "start": format_time(start),
                            "end": format_time(start + gt.duration_minutes),
                        }
                        for d in sec.days
                    ],
                    "room": None if sec.room is None else term.rooms[sec.room].id,
                    "vehicle": None if sec.vehicle is None else term.vehicles[sec.vehicle].id,
                    "staff": [term.staff[j].id for j in sec.staff],
                    "participants": sorted(self.people[i].id for i in sec.members),
                }
            )
        transport = []
        for (key, d), riders in sorted(self.load.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if not riders:
                continue
            v, r = divmod(key, 1000)
            run = term.vehicles[v].runs[r]
            transport.append(
                {
                    "vehicle": term.vehicles[v].id,
                    "day": self.days[d],
                    "arrive": format_time(run.arrive),
                    "depart": format_time(run.depart),
                    "participants": sorted(self.people[i].id for i in riders),
                }
            )
        waitlist = []
        score = 0
        for i, p in enumerate(self.people):
            for req in p.requests:
                if (i, req.group_type) in self.placed:
                    score += term.weights.of(req.priority)
                    continue
                gt = term.group_type(req.group_type)
                reason = (
                    "not eligible for this group"
                    if not self.eligible(p, gt)
                    else "not placed by the greedy witness"
                )
                waitlist.append(
                    {
                        "participant": p.id,
                        "group_type": req.group_type,
                        "priority": req.priority,
                        "reasons": [reason],
                    }
                )
        return {
            "format": "otgroups.schedule/1",
            "status": "FEASIBLE",
            "score": score,
            "bound": None,
            "solve_seconds": 0.0,
            "sections": sections,
            "transport": transport,
            "waitlist": waitlist,
        }


def _hardness(gt: GroupType) -> tuple[int, int, str]:
    """Types with windows first, then special rooms, then twice-weekly, then the rest."""
    if gt.windows is not None or gt.offsite:
        rank = 0
    elif gt.room_features:
        rank = 1
    elif gt.meetings_per_week > 1:
        rank = 2
    else:
        rank = 3
    return rank, -gt.meetings_per_week, gt.id


def greedy_schedule(term_doc: dict[str, Any]) -> dict[str, Any]:
    """A feasible schedule document for a term document, by the greedy witness."""
    witness = Witness(parse_term(term_doc))
    witness.run()
    return witness.schedule()


def placement(term_doc: dict[str, Any], schedule: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """``priority → (placed, requested)`` for a schedule of the term."""
    out = {p: [0, 0] for p in PRIORITY_ORDER}
    waiting = {(w["participant"], w["group_type"]) for w in schedule["waitlist"]}
    for p in term_doc["participants"]:
        for req in p["requests"]:
            out[req["priority"]][1] += 1
            if (p["id"], req["group_type"]) not in waiting:
                out[req["priority"]][0] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}
