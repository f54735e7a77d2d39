"""Closing a day after publication (snow day, outbreak) and recovering what it takes away.

:func:`close_day` works in one write transaction:

1. it records the :class:`~ledger.schema.Closure`, cancels every standing dated session of the
   date (:class:`~ledger.schema.SessionCancellation`) and every makeup booked into them
   (:class:`~ledger.schema.MakeupCancellation`);
2. it lists what is lost: each member enrolled in each cancelled regular session that date, and
   each holder of a cancelled makeup (whose original missed session needs a new makeup);
3. it looks for makeups for each lost session with :class:`ledger.makeups.MakeupPlanner`
   (dated sessions of the same type after the closed day within ``within_days``, each keeping
   every rule on its own, places held by open offers counted), and, for the members of a lost
   session left with none, one proposed extra meeting they can share;
4. it chooses jointly with :func:`optimizer.recovery.recover` (CP-SAT: the most weight
   recovered, the term's priority weights, so required first), with capacities — each option's
   places left, its high-acuity places when the type caps acuity, the seats (and wheelchair
   seats) left on each van run each date for riders who need a new ride — and conflicts —
   clashes in one participant's day (travel included), two sections of one type for one person
   a date, two different runs for one rider a date, keep-apart pairs and two programs in one
   single-program session, and two proposed extra meetings sharing a room, vehicle or staff
   member at once;
5. with ``book=True`` it books the choice (:func:`ledger.makeups.book_all_in`: locks in the
   documented order, each booking re-checked against the state including the ones before it,
   each date touched validated whole). If a re-check fails, every booking is rolled back (a
   savepoint), the failed choice is dropped and the choice made once more; if that fails too,
   nothing is booked and the report says why. The closure itself stands.

With ``book=False`` (``otgroups term close-day --dry-run``) the same work is done and rolled
back: nothing is written and the report is the proposal.

Locks (PostgreSQL): every lost participant (sorted), then the weeks, then the dates from the
closed day to the end of the window — the order :func:`ledger.makeups.book` uses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.makeups import (
    BatchRefused,
    Booking,
    MakeupError,
    MakeupOption,
    MakeupPlanner,
    MakeupRequest,
    MissedRef,
    book_all_in,
    extra_identity,
)
from ledger.makeups.clock import local_time
from ledger.makeups.planner import week_load
from ledger.schema import (
    Closure,
    DatedSession,
    Makeup,
    MakeupCancellation,
    SessionCancellation,
)
from ledger.state import Days, RefusedError, enrolled, makeups_on, published_cached, sessions_on
from ledger.store import Ledger
from models import format_time
from models.dated import monday_of, weekday
from models.schedule import Meeting, Section
from models.term import Term
from optimizer.recovery import Candidate, Lost, Recovery, clashing, recover


class ClosureError(RefusedError):
    """A closure the ledger refuses (nothing was written)."""


@dataclass(frozen=True)
class LostSession:
    """One participant's session lost to the closure."""

    participant: str
    session_id: int
    """The session to make up: the cancelled one, or the missed session a cancelled makeup was
    booked for."""
    section: str
    group_type: str
    date: dt.date
    start: int
    end: int
    priority: str
    weight: int
    cancelled_makeup: int | None = None

    @property
    def key(self) -> str:
        return f"{self.participant}:{self.session_id}"

    def label(self) -> str:
        via = f" (makeup {self.cancelled_makeup} cancelled)" if self.cancelled_makeup else ""
        return (
            f"{self.participant} {self.section} {self.date} "
            f"{format_time(self.start)}-{format_time(self.end)}{via}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "session_id": self.session_id,
            "section": self.section,
            "group_type": self.group_type,
            "date": self.date.isoformat(),
            "start": format_time(self.start),
            "end": format_time(self.end),
            "priority": self.priority,
            "weight": self.weight,
            "cancelled_makeup": self.cancelled_makeup,
        }


@dataclass(frozen=True)
class Recovered:
    lost: LostSession
    option: MakeupOption
    makeup_id: int | None = None
    """The makeup booked (None in a dry run)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "participant": self.lost.participant,
            "from": self.lost.to_json(),
            "to": self.option.to_json(),
            "makeup_id": self.makeup_id,
        }


@dataclass(frozen=True)
class Unrecovered:
    lost: LostSession
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "participant": self.lost.participant,
            "from": self.lost.to_json(),
            "reasons": list(self.reasons),
        }


@dataclass
class ClosureReport:
    date: dt.date
    reason: str
    booked: bool
    closure_id: int | None = None
    cancelled_sessions: list[int] = field(default_factory=list)
    cancelled_makeups: list[int] = field(default_factory=list)
    lost: list[LostSession] = field(default_factory=list)
    recovered: list[Recovered] = field(default_factory=list)
    unrecovered: list[Unrecovered] = field(default_factory=list)
    attempts: int = 0
    booking_error: str = ""
    """Why the choice could not be booked (both attempts refused), else empty."""

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "reason": self.reason,
            "booked": self.booked,
            "closure_id": self.closure_id,
            "cancelled_sessions": self.cancelled_sessions,
            "cancelled_makeups": self.cancelled_makeups,
            "lost": [x.to_json() for x in self.lost],
            "recovered": [x.to_json() for x in self.recovered],
            "unrecovered": [x.to_json() for x in self.unrecovered],
            "attempts": self.attempts,
            "booking_error": self.booking_error,
        }


class _DryRun(Exception):  # noqa: N818 - control flow, never escapes
    def __init__(self, report: ClosureReport) -> None:
        super().__init__("dry run")
        self.report = report


def close_day(
    ledger: Ledger,
    date: dt.date,
    reason: str = "",
    book: bool = True,
    within_days: int = 14,
    now: dt.datetime | None = None,
    time_limit: float = 2.0,
    booked_by: str = "closure",
) -> ClosureReport:
    """Close ``date`` and recover its sessions (see the module docstring). ``now`` (the clinic's
    local time when naive; default the clock) rules out makeups in the past. ``time_limit``
    bounds each joint choice (CP-SAT keeps the best choice found by then; on the
    800-participant benchmark it has it within a second)."""
    if within_days < 0:
        raise ClosureError(f"within_days must be 0 or more, not {within_days}")
    try:
        with ledger.write() as s:
            report = close_day_in(
                ledger, s, date, reason, book, within_days, now, time_limit, booked_by
            )
            if not book:
                raise _DryRun(report)
            return report
    except _DryRun as dry:
        return dry.report


def close_day_in(
    ledger: Ledger,
    s: Session,
    date: dt.date,
    reason: str = "",
    book: bool = True,
    within_days: int = 14,
    now: dt.datetime | None = None,
    time_limit: float = 2.0,
    booked_by: str = "closure",
) -> ClosureReport:
    """:func:`close_day` inside the caller's write transaction (never rolled back here, except
    the bookings' savepoint)."""
    pub = published_cached(s)
    term = pub.term
    if not term.term.start <= date <= term.term.end:
        raise ClosureError(f"{date} is outside the term {term.term.start} to {term.term.end}")
    if date in term.term.closures:
        raise ClosureError(f"{date} is already a closure day of the term")
    if s.scalar(select(Closure.id).where(Closure.date == date)) is not None:
        raise ClosureError(f"{date} was already closed")
    report = ClosureReport(date, reason, booked=book)
    dated = sessions_on(s, date)
    members = enrolled(s, date)
    into = makeups_on(s, date)
    lost, already = _lost(s, term, dated, members, into)
    last = date + dt.timedelta(days=within_days)
    for pid in sorted({x.participant for x in lost}):
        ledger.lock(s, f"participant:{pid}")
    monday = monday_of(date)
    while monday <= last:
        ledger.lock(s, f"week:{monday}")
        monday += dt.timedelta(days=7)
    day = date
    while day <= last:
        ledger.lock(s, f"date:{day}")
        day += dt.timedelta(days=1)
    closure = Closure(date=date, reason=reason)
    s.add(closure)
    for m in into:
        s.add(MakeupCancellation(makeup_id=m.id, reason=f"{date} closed"))
        report.cancelled_makeups.append(m.id)
    for row in dated:
        s.add(SessionCancellation(session_id=row.id, reason=f"closure: {reason}"[:200]))
        report.cancelled_sessions.append(row.id)
    s.flush()
    report.closure_id = closure.id
    report.lost = lost
    report.unrecovered += [Unrecovered(x, (why,)) for x, why in already]
    planner = MakeupPlanner(s, pub)
    plan = _plan(planner, lost, date, within_days, now, {row.id: row for row in dated})
    report.unrecovered += [Unrecovered(x, why) for x, why in plan.impossible]
    choice = _choose(plan, planner, time_limit)
    if book:
        chosen = _book(ledger, s, plan, planner, choice, time_limit, booked_by, report)
    else:
        chosen = {key: (oid, None) for key, oid in choice.items()}
    report.recovered = [
        Recovered(plan.lost[key], _booked(s, _own(plan, key, oid), made), made)
        for key, (oid, made) in sorted(chosen.items())
    ]
    for key, x in sorted(plan.lost.items()):
        if key in chosen or key in plan.impossible_keys:
            continue
        report.unrecovered.append(Unrecovered(x, _left_out(plan, key, report.booking_error)))
    report.unrecovered.sort(key=lambda u: (u.lost.participant, u.lost.session_id))
    return report


# -- what is lost ---------------------------------------------------------------------------------


def _weight(term: Term, pid: str, type_id: str) -> tuple[str, int]:
    person = next((p for p in term.participants if p.id == pid), None)
    request = None
    if person is not None:
        request = next((r for r in person.requests if r.group_type == type_id), None)
    priority = request.priority if request is not None else "optional"
    return priority, term.weights.of(priority)


def _lost(
    s: Session,
    term: Term,
    dated: list[DatedSession],
    members: dict[str, list[str]],
    into: list[Makeup],
) -> tuple[list[LostSession], list[tuple[LostSession, str]]]:
    """The sessions lost (and those already made up elsewhere, with why)."""
    out: list[LostSession] = []
    already: list[tuple[LostSession, str]] = []
    ids = [row.id for row in dated]
    booked_for = {
        (m.participant, m.missed_session_id): m.id
        for m in s.scalars(
            select(Makeup)
            .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
            .where(Makeup.missed_session_id.in_(ids), MakeupCancellation.id.is_(None))
        )
    }
    for row in dated:
        if row.kind != "regular":
            continue
        for pid in sorted(members.get(row.section, [])):
            priority, weight = _weight(term, pid, row.group_type)
            x = LostSession(
                pid,
                row.id,
                row.section,
                row.group_type,
                row.date,
                row.start,
                row.end,
                priority,
                weight,
            )
            made = booked_for.get((pid, row.id))
            if made is not None and made not in {m.id for m in into}:
                already.append((x, f"already made up elsewhere (makeup {made})"))
                continue
            out.append(x)
    for m in into:
        missed = s.get(DatedSession, m.missed_session_id)
        assert missed is not None
        priority, weight = _weight(term, m.participant, m.group_type)
        out.append(
            LostSession(
                m.participant,
                missed.id,
                missed.section,
                missed.group_type,
                missed.date,
                missed.start,
                missed.end,
                priority,
                weight,
                cancelled_makeup=m.id,
            )
        )
    return out, already


# -- candidates -----------------------------------------------------------------------------------


@dataclass
class _Plan:
    term: Term
    lost: dict[str, LostSession] = field(default_factory=dict)
    requests: dict[str, MakeupRequest] = field(default_factory=dict)
    options: dict[str, MakeupOption] = field(default_factory=dict)
    """option id → the option (a dated session's key, or an extra meeting's identity)."""
    candidates: list[tuple[str, str, MakeupOption]] = field(default_factory=list)
    """(lost key, option id, the participant's own option: its ride)."""
    capacity: dict[Hashable, int] = field(default_factory=dict)
    rejected: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    impossible: list[tuple[LostSession, tuple[str, ...]]] = field(default_factory=list)
    impossible_keys: set[str] = field(default_factory=set)
    refused: set[tuple[str, str]] = field(default_factory=set)
    """(lost key, option id) refused when booked: left out of the next choice."""
    pending: defaultdict[tuple[str, dt.date], int] = field(default_factory=lambda: defaultdict(int))
    """(staff member, Monday) → extra meetings proposed for them that week."""


def _option_id(option: MakeupOption) -> str:
    return extra_identity(option) if option.extra else option.key


def _request(
    planner: MakeupPlanner, x: LostSession, rows: dict[int, DatedSession]
) -> MakeupRequest:
    """The makeup request of a lost session. A member of a session the closure cancelled is on
    its roster and has no makeup for it (:func:`_lost` checked), so the request is built from
    the row; a cancelled makeup's original missed session is checked in full."""
    row = rows.get(x.session_id)
    person = planner.people.get(x.participant)
    gt = planner.types.get(x.group_type)
    if x.cancelled_makeup is not None or row is None or person is None or gt is None:
        return planner.request(x.participant, x.session_id)
    missed = MissedRef.of(row, cancelled=True)
    return MakeupRequest(person, missed, gt)


def _plan(
    planner: MakeupPlanner,
    lost: list[LostSession],
    date: dt.date,
    within_days: int,
    now: dt.datetime | None,
    rows: dict[int, DatedSession],
) -> _Plan:
    plan = _Plan(planner.term)
    wanting: dict[int, list[str]] = defaultdict(list)
    for x in lost:
        plan.lost[x.key] = x
        try:
            request = _request(planner, x, rows)
        except MakeupError as exc:
            plan.impossible.append((x, (str(exc),)))
            plan.impossible_keys.add(x.key)
            continue
        plan.requests[x.key] = request
        found = planner.search(request, within_days, now, propose_extra=False, after=date)
        plan.rejected[x.key] = list(found.rejected)
        for option in found.options:
            _add(plan, planner, x.key, option)
        if not found.options:
            wanting[x.session_id].append(x.key)
    proposed = []
    for keys in wanting.values():
        proposal = _propose_extra(plan, planner, keys, date, within_days, now)
        if proposal is not None:
            proposed.append((keys, proposal))
    for keys, proposal in proposed:  # once every proposal is in its date's view
        _join_extra(plan, planner, keys, proposal)
    return plan


def _add(plan: _Plan, planner: MakeupPlanner, key: str, option: MakeupOption) -> None:
    oid = _option_id(option)
    if oid not in plan.options:
        plan.options[oid] = option
        plan.capacity[("places", oid)] = option.seats_left
    plan.candidates.append((key, oid, option))


def _propose_extra(
    plan: _Plan,
    planner: MakeupPlanner,
    keys: list[str],
    date: dt.date,
    within_days: int,
    now: dt.datetime | None,
) -> MakeupOption | None:
    """One extra meeting for the members of a lost session who have no option, proposed for
    the first of them it can be (up to three tries) and counted as taken in its date's view
    (:meth:`ledger.state.Days.add_pending`), so the next proposal uses another room, staff
    member or time; staff weekly loads count the proposals before it."""
    proposal: MakeupOption | None = None
    for key in keys[:3]:
        request = plan.requests[key]
        last = min(request.missed.date + dt.timedelta(days=within_days), plan.term.term.end)
        moment = local_time(plan.term, now)
        proposal, why = planner.propose_extra(request, last, moment, after=date, memo=False)
        if proposal is not None:
            break
        plan.rejected[key].append(("extra meeting", why))
    if proposal is None:
        return None
    days = planner.days(proposal.date, proposal.date)
    monday = monday_of(proposal.date)
    for sid in proposal.staff:
        member = next(st for st in plan.term.staff if st.id == sid)
        week = week_load(days, proposal.date).get(sid, 0) + plan.pending[sid, monday]
        if week >= member.max_sessions_per_week:
            plan.rejected[keys[0]].append(
                (
                    proposal.label(seats=False),
                    f"staff member {sid} already leads {week} sessions that week, extra "
                    f"meetings proposed for this closure included (max "
                    f"{member.max_sessions_per_week})",
                )
            )
            return None
    for sid in proposal.staff:
        plan.pending[sid, monday] += 1
    taken = {s.id for s in days.schedule(proposal.date).sections}
    name, n = proposal.section, 1
    while name in taken:  # unique among the proposals of the date
        n += 1
        name = f"{proposal.section}-{n}"
    proposal = replace(proposal, section=name)
    days.add_pending(proposal.date, _extra_section(proposal, []))
    return proposal


def _extra_section(option: MakeupOption, members: list[str]) -> Section:
    return Section(
        id=option.section,
        group_type=option.group_type,
        meetings=[Meeting(day=weekday(option.date), start=option.start, end=option.end)],
        room=option.room,
        vehicle=option.vehicle,
        staff=list(option.staff),
        participants=members,
    )


def _join_extra(
    plan: _Plan, planner: MakeupPlanner, keys: list[str], proposal: MakeupOption
) -> None:
    """Offer a proposed extra meeting to each member of its lost session it fits."""
    days = planner.days(proposal.date, proposal.date)
    view = days.schedule(proposal.date)
    view = view.model_copy(
        update={"sections": [s for s in view.sections if s.id != proposal.section]}
    )
    for key in keys:
        request = plan.requests[key]
        section = _extra_section(proposal, [request.participant.id])
        run, found = planner.fit(request, proposal.date, view, section, extra=True, full=False)
        if found:
            where = proposal.label(seats=False)
            plan.rejected[key].append((where, found[0].message))
            continue
        _add(plan, planner, key, replace(proposal, ride=run))


# -- the joint choice -----------------------------------------------------------------------------


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


def _problem(plan: _Plan, days: Days, loads: _Loads) -> Recovery:
    """The joint choice: capacities and conflicts (see the module docstring)."""
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
    plan: _Plan, owned: list[tuple[str, str, MakeupOption]], loads: _Loads
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


def _overloads(plan: _Plan, chosen: dict[str, str], loads: _Loads) -> set[str]:
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


def _choose(plan: _Plan, planner: MakeupPlanner, time_limit: float) -> dict[str, str]:
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


def _booked(s: Session, option: MakeupOption, makeup_id: int | None) -> MakeupOption:
    """The option as booked: an extra meeting's section id and session once it exists."""
    if makeup_id is None:
        return option
    makeup = s.get(Makeup, makeup_id)
    target = s.get(DatedSession, makeup.session_id) if makeup is not None else None
    if target is None:
        return option
    return replace(option, section=target.section, session_id=target.id)


def _own(plan: _Plan, key: str, oid: str) -> MakeupOption:
    return next(o for k, i, o in plan.candidates if (k, i) == (key, oid))


def _book(
    ledger: Ledger,
    s: Session,
    plan: _Plan,
    planner: MakeupPlanner,
    chosen: dict[str, str],
    time_limit: float,
    booked_by: str,
    report: ClosureReport,
) -> dict[str, tuple[str, int | None]]:
    """Book ``chosen`` in a savepoint; on a refusal, roll back, drop the refused choice and
    choose once more; a second refusal books nothing."""
    for attempt in (1, 2):
        if not chosen:
            return {}
        report.attempts = attempt
        keys = sorted(
            chosen,
            key=lambda k: (plan.lost[k].participant, _own(plan, k, chosen[k]).date, k),
        )
        bookings = [
            Booking(plan.lost[k].participant, plan.lost[k].session_id, _own(plan, k, chosen[k]))
            for k in keys
        ]
        try:
            with s.begin_nested():
                made = book_all_in(ledger, s, bookings, booked_by)
            report.booking_error = ""
            return {k: (chosen[k], m.id) for k, m in zip(keys, made, strict=True)}
        except BatchRefused as exc:
            report.booking_error = str(exc)
            if exc.index is None:
                break
            failed = chosen[keys[exc.index]]
            if plan.options[failed].extra:  # the proposed meeting itself: drop it for everyone
                plan.refused |= {(k, oid) for k, oid, _ in plan.candidates if oid == failed}
            plan.refused.add((keys[exc.index], failed))
            if attempt == 1:
                chosen = _choose(plan, planner, time_limit)
    return {}


def _left_out(plan: _Plan, key: str, booking_error: str) -> tuple[str, ...]:
    x = plan.lost[key]
    mine = [(oid, o) for k, oid, o in plan.candidates if k == key]
    if booking_error:
        return (f"the joint booking was refused twice: {booking_error}",)
    if not mine:
        rejected = plan.rejected.get(key, [])
        if not rejected:
            return (
                f"no session of {x.group_type} within the window after the closed day, and no "
                "extra meeting",
            )
        rejected = sorted(rejected, key=lambda r: not r[0].startswith("extra meeting"))
        more = (f"… and {len(rejected) - 4} more",) if len(rejected) > 4 else ()
        return tuple(f"{c}: {why}" for c, why in rejected[:4]) + more
    labels = ", ".join(f"{o.section} {o.date} {format_time(o.start)}" for _, o in mine[:3])
    if len(mine) > 3:
        labels += f" and {len(mine) - 3} more"
    refused = [oid for oid, _ in mine if (key, oid) in plan.refused]
    tail = f" ({len(refused)} refused when booked)" if refused else ""
    return (
        f"its option(s) {labels} went to other lost sessions chosen jointly (required "
        f"first): places, high-acuity places, van seats or clashes ran short{tail}",
    )
