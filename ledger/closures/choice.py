"""The joint choice among the candidates: capacities and conflicts as a
:class:`optimizer.recovery.Recovery`, solved group by group of interacting candidates; extra
meetings that together would overload a staff member are given up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable

from ledger.closures.candidates import Plan
from ledger.makeups import MakeupOption, MakeupPlanner
from ledger.makeups.planner import week_load
from ledger.state import Days
from models.dated import monday_of
from models.term import Term
from optimizer.recovery import Candidate, Lost, Recovery, clashing, recover


def _span(term: Term, option: MakeupOption) -> tuple[int, int]:
    gt = term.group_type(option.group_type)
    travel = gt.travel_minutes if gt.offsite else 0
    return option.start - travel, option.end + travel


class _Loads:
    """Staff sessions led per date and per week, read once from the planner's dates."""

    def __init__(self, days: Days) -> None:
        self.days = days
        self._led: dict[dt.date, dict[str, int]] = {}
        self._week: dict[dt.date, dict[str, int]] = {}

    def led(self, day: dt.date, staff_id: str) -> int:
        if day not in self._led:
            self._led[day] = {}
            for row in self.days.sessions(day):  # rows: booked meetings, not proposals
                for sid in row.staff:
                    self._led[day][sid] = self._led[day].get(sid, 0) + 1
        return self._led[day].get(staff_id, 0)

    def week(self, day: dt.date, staff_id: str) -> int:
        monday = monday_of(day)
        if monday not in self._week:
            self._week[monday] = week_load(self.days, monday)
        return self._week[monday].get(staff_id, 0)


def _problem(plan: Plan, days: Days, loads: _Loads) -> Recovery:
    """The joint choice: capacities and conflicts (see :mod:`ledger.closures`)."""
    term = plan.term
    people = {p.id: p for p in term.participants}
    lost = [
        Lost(key, x.participant, x.weight)
        for key, x in sorted(plan.lost.items())
        if key in plan.requests
    ]
    candidates: list[Candidate] = []
    owned: list[tuple[str, str, MakeupOption]] = []
    capacity = dict(plan.capacity)
    rosters: dict[tuple[dt.date, str], list[str]] = {}
    riders: dict[tuple[dt.date, str, int, int], set[str]] = {}
    for key, oid, option in plan.candidates:
        if (key, oid) in plan.refused:
            continue
        person = people[plan.lost[key].participant]
        gt = term.group_type(option.group_type)
        uses: list[Hashable] = [("places", oid)]
        if gt.max_high_acuity is not None and person.acuity == "high":
            if (option.date, option.section) not in rosters:
                view = days.schedule(option.date)
                for section in view.sections:
                    rosters[option.date, section.id] = list(section.participants)
            roster = [] if option.extra else rosters.get((option.date, option.section), [])
            high = sum(1 for r in roster if r in people and people[r].acuity == "high")
            capacity[("high", oid)] = gt.max_high_acuity - high
            uses.append(("high", oid))
        if option.ride is not None:
            ride = option.ride
            run = (option.date, ride.vehicle, ride.arrive, ride.depart)
            if run not in riders:
                riders[run] = {
                    r
                    for on in days.schedule(option.date).transport
                    if (on.vehicle, on.arrive, on.depart) == run[1:]
                    for r in on.participants
                }
            vehicle = term.vehicle(ride.vehicle)
            capacity[("van", *run)] = vehicle.seats - len(riders[run])
            uses.append(("van", *run))
            if person.wheelchair:
                chairs = sum(1 for r in riders[run] if r in people and people[r].wheelchair)
                capacity[("chair", *run)] = vehicle.wheelchair_seats - chairs
                uses.append(("chair", *run))
        candidates.append(Candidate(key, oid, tuple(uses)))
        owned.append((key, oid, option))
    return Recovery(lost, candidates, capacity, _conflicts(plan, owned, loads))


def _conflicts(
    plan: Plan, owned: list[tuple[str, str, MakeupOption]], loads: _Loads
) -> list[tuple[int, int]]:
    term = plan.term
    people = {p.id: p for p in term.participants}
    apart = {(p.id, other) for p in term.participants for other in p.keep_apart}
    apart |= {(b, a) for a, b in apart}
    out: set[tuple[int, int]] = set()
    by_person_date: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
    by_option: dict[str, list[int]] = defaultdict(list)
    for i, (key, oid, option) in enumerate(owned):
        by_person_date[plan.lost[key].participant, option.date].append(i)
        by_option[oid].append(i)
    for indices in by_person_date.values():
        spans = []
        for i in indices:
            key, _, option = owned[i]
            start, end = _span(term, option)
            spans.append((i, plan.lost[key].participant, start, end))
        out |= {(min(a, b), max(a, b)) for a, b in clashing(spans)}
        for a_pos, a in enumerate(indices):
            ka, _, xa = owned[a]
            for b in indices[a_pos + 1 :]:
                kb, _, xb = owned[b]
                if ka == kb:
                    continue  # one lost session: at most one is chosen anyway
                if xa.group_type == xb.group_type:
                    out.add((a, b))  # two sections of one type a date (H7)
                elif xa.ride and xb.ride and xa.ride != xb.ride:
                    out.add((a, b))  # two runs one date (H11)
    for indices in by_option.values():
        gt = term.group_type(owned[indices[0]][2].group_type)
        for a_pos, a in enumerate(indices):
            pa = plan.lost[owned[a][0]].participant
            for b in indices[a_pos + 1 :]:
                pb = plan.lost[owned[b][0]].participant
                mixed = gt.single_program and people[pa].program != people[pb].program
                if pa != pb and ((pa, pb) in apart or mixed):
                    out.add((min(a, b), max(a, b)))
    # Extra meetings are proposed one after another, each seeing the earlier ones as taken
    # (rooms, vehicles, staff and their daily loads); two that still meet in one place or with
    # one staff member at once exclude each other (weekly loads: :func:`_overloads`).
    extras: dict[dt.date, list[str]] = defaultdict(list)
    for oid in by_option:
        if plan.options[oid].extra:
            extras[plan.options[oid].date].append(oid)
    for oids in extras.values():
        for a_pos, oa in enumerate(oids):
            for ob in oids[a_pos + 1 :]:
                if _share_place(term, plan.options[oa], plan.options[ob]):
                    out |= {(min(a, b), max(a, b)) for a in by_option[oa] for b in by_option[ob]}
    return sorted(out)


def _share_place(term: Term, a: MakeupOption, b: MakeupOption) -> bool:
    """Two proposed extra meetings one date overlapping in time in one room or vehicle or with
    one staff member."""
    sa, ea = _span(term, a)
    sb, eb = _span(term, b)
    if not (sa < eb and sb < ea):
        return False
    return (
        (a.room is not None and a.room == b.room)
        or (a.vehicle is not None and a.vehicle == b.vehicle)
        or bool(set(a.staff) & set(b.staff))
    )


def _components(problem: Recovery) -> list[list[int]]:
    """Candidates that interact (one lost session, a capacity that can run short, a conflict),
    grouped: each group is chosen on its own."""
    parent = list(range(len(problem.candidates)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    groups: dict[Hashable, list[int]] = defaultdict(list)
    users: dict[Hashable, set[str]] = defaultdict(set)
    for i, c in enumerate(problem.candidates):
        groups[("lost", c.lost)].append(i)
        for key in c.uses:
            users[key].add(c.lost)
    for i, c in enumerate(problem.candidates):
        for key in c.uses:
            left = problem.capacity.get(key)
            if left is not None and left < len(users[key]):
                groups[("capacity", key)].append(i)
    for members in groups.values():
        for other in members[1:]:
            union(members[0], other)
    for a, b in problem.conflicts:
        union(a, b)
    out: dict[int, list[int]] = defaultdict(list)
    for i in range(len(problem.candidates)):
        out[find(i)].append(i)
    return list(out.values())


def _recover(problem: Recovery, time_limit: float) -> dict[str, str]:
    """:func:`optimizer.recovery.recover` on each group of interacting candidates; a group
    where nothing can run short takes each lost session's first (best-ranked) option."""
    weight = {x.key: x.weight for x in problem.lost}
    groups = _components(problem)
    hard = [g for g in groups if len({problem.candidates[i].lost for i in g}) < len(g)]
    total = sum(len(g) for g in hard) or 1
    chosen: dict[str, str] = {}
    for group in groups:
        conflicts = [(a, b) for a, b in problem.conflicts if a in group or b in group]
        if len(group) == 1 and not conflicts:
            c = problem.candidates[group[0]]
            if weight[c.lost] > 0 and all(problem.capacity.get(k, 1) > 0 for k in c.uses):
                chosen[c.lost] = c.option
            continue
        index = {old: new for new, old in enumerate(group)}
        members = {problem.candidates[i].lost for i in group}
        sub = Recovery(
            [x for x in problem.lost if x.key in members],
            [problem.candidates[i] for i in group],
            problem.capacity,
            [(index[a], index[b]) for a, b in conflicts],
        )
        share = max(0.5, time_limit * len(group) / total)
        chosen.update(recover(sub, time_limit=share))
    return chosen


def _overloads(plan: Plan, chosen: dict[str, str], loads: _Loads) -> set[str]:
    """Proposed extra meetings to give up so no staff member leads more than their daily or
    weekly maximum: where too many are chosen, the ones recovering the least weight go."""
    weight: dict[str, int] = defaultdict(int)
    for key, oid in chosen.items():
        weight[oid] += plan.lost[key].weight
    extras = sorted(
        (oid for oid in weight if plan.options[oid].extra), key=lambda o: (weight[o], o)
    )
    staff = {st.id: st for st in plan.term.staff}
    per_day: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    per_week: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    for oid in extras:
        option = plan.options[oid]
        for sid in option.staff:
            per_day[sid, option.date].append(oid)
            per_week[sid, monday_of(option.date)].append(oid)
    drop: set[str] = set()
    for (sid, day), oids in per_day.items():
        room = staff[sid].max_sessions_per_day - loads.led(day, sid)
        drop |= set(oids[: max(0, len(oids) - max(room, 0))])
    for (sid, monday), oids in per_week.items():
        room = staff[sid].max_sessions_per_week - loads.week(monday, sid)
        kept = [o for o in oids if o not in drop]
        drop |= set(kept[: max(0, len(kept) - max(room, 0))])
    return drop


def choose(plan: Plan, planner: MakeupPlanner, time_limit: float) -> dict[str, str]:
    """lost key → option id, chosen jointly; proposed extra meetings that together would
    overload a staff member are given up (the least weight first) and the choice made again."""
    live = [c for c in plan.candidates if (c[0], c[1]) not in plan.refused]
    if not live:
        return {}
    dates = sorted({option.date for _, _, option in live})
    days = planner.days(monday_of(dates[0]), monday_of(dates[-1]) + dt.timedelta(days=6))
    loads = _Loads(days)
    while True:
        chosen = _recover(_problem(plan, days, loads), time_limit)
        drop = _overloads(plan, chosen, loads)
        if not drop:
            return chosen
        plan.refused |= {(k, oid) for k, oid, _ in plan.candidates if oid in drop}
