"""The candidates for each lost session: makeup options from the planner and, for the members
of a lost session left with none, one proposed extra meeting they can share."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field, replace

from ledger.closures.report import LostSession
from ledger.makeups import (
    MakeupError,
    MakeupOption,
    MakeupPlanner,
    MakeupRequest,
    MissedRef,
    extra_identity,
)
from ledger.makeups.clock import local_time
from ledger.makeups.planner import week_load
from ledger.schema import DatedSession
from models.dated import monday_of, weekday
from models.schedule import Meeting, Section
from models.term import Term


@dataclass
class Plan:
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
    its roster and has no makeup for it (:func:`~ledger.closures.lost.lost_sessions` checked),
    so the request is built from the row; a cancelled makeup's original missed session is
    checked in full."""
    row = rows.get(x.session_id)
    person = planner.people.get(x.participant)
    gt = planner.types.get(x.group_type)
    if x.cancelled_makeup is not None or row is None or person is None or gt is None:
        return planner.request(x.participant, x.session_id)
    missed = MissedRef.of(row, cancelled=True)
    return MakeupRequest(person, missed, gt)


def plan_recovery(
    planner: MakeupPlanner,
    lost: list[LostSession],
    date: dt.date,
    within_days: int,
    now: dt.datetime | None,
    rows: dict[int, DatedSession],
) -> Plan:
    plan = Plan(planner.term)
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


def _add(plan: Plan, planner: MakeupPlanner, key: str, option: MakeupOption) -> None:
    oid = _option_id(option)
    if oid not in plan.options:
        plan.options[oid] = option
        plan.capacity[("places", oid)] = option.seats_left
    plan.candidates.append((key, oid, option))


def _propose_extra(
    plan: Plan,
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
    plan: Plan, planner: MakeupPlanner, keys: list[str], proposal: MakeupOption
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
