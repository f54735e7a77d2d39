"""Changing the weekly schedule mid-term: the rules a change is checked against, members added
or removed with their van runs, every later date re-checked, and the change published.

Every change to who is enrolled where (an accepted offer, an admission, a discharge, a merge) is
a new schedule version published with :func:`ledger.publish.publish_in` from its date, in the
caller's one transaction: enrollments are ended and started from the rows' diff, standing
waitlist entries exit, and the version's weekly rides apply from that date on
(:meth:`ledger.state.Published.rides_on`), so earlier dates keep the runs they had. Each new
version starts from the latest one, so the latest is the weekly truth. A change may take effect
before the latest version's date (a discharge this week after an admission from next week):
the rows keep each date right (enrollments start and end on their own dates, sessions are
rows), and the new version's runs apply from the change's date, which :func:`dated_views`
checks like everything else.

**Discharged participants** stay in the term (attendance and earlier dates name them); the
term document marks them with the extension field ``"discharged": {"from", "reason"}`` (the
contract keeps unknown fields). **The rules a weekly schedule is checked against**
(:func:`rules_term`) are the term's, except that discharged participants ask for nothing and a
type's ``min_size`` is lowered to its smallest running section: a discharge may leave a section
short until it is merged (H1's min_size is the one shortfall the ledger allows mid-term; day
views never check it).

**Dates.** :func:`dated_views` builds, for every date from the change on, the day view as the
ledger will read it after publishing (rosters from the new weekly schedule, its rides, the
makeups and extra meetings already booked), and :func:`new_violations` validates, before and
after, the sections the change can touch (theirs, the changed people's, those sharing a room,
vehicle or staff with a new section) and every ride: only what the change breaks counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.makeups import cancel_makeup_in
from ledger.marks import DISCHARGED, as_requested
from ledger.publish import check, publish_in
from ledger.schema import (
    DatedSession,
    Makeup,
    MakeupCancellation,
    ScheduleVersion,
    SessionCancellation,
)
from ledger.state import Days, Published, RefusedError, assemble_day
from ledger.store import Ledger
from models.dated import term_dates, weekday
from models.schedule import Ride, Schedule, Section, Status
from models.term import Term
from models.validation import Violation, recompute_score, validate_day
from models.validation.spans import busy_span


def mark_discharged(term: Term, pid: str, from_date: dt.date, reason: str) -> Term:
    """The term with the participant marked discharged from ``from_date``."""
    people = [
        p.model_copy(update={DISCHARGED: {"from": from_date.isoformat(), "reason": reason}})
        if p.id == pid
        else p
        for p in term.participants
    ]
    return term.model_copy(update={"participants": people})


def rules_term(term: Term, schedule: Schedule) -> Term:
    """The term ``schedule`` is checked against mid-term (see the module docstring)."""
    smallest: dict[str, int] = {}
    for sec in schedule.sections:
        n = len(sec.participants)
        smallest[sec.group_type] = min(n, smallest.get(sec.group_type, n))
    types = [
        gt.model_copy(update={"min_size": max(1, smallest[gt.id])})
        if gt.id in smallest and smallest[gt.id] < gt.min_size
        else gt
        for gt in term.group_types
    ]
    return as_requested(term).model_copy(update={"group_types": types})


def seats(term: Term, section: Section) -> int:
    """How many participants a section holds: max_size, room capacity, vehicle seats less
    staff."""
    return term.seats(term.group_type(section.group_type), section.room, section.vehicle)


# -- members and rides ----------------------------------------------------------------------------


def with_members(
    schedule: Schedule, moves: Iterable[tuple[str, str | None, str | None]]
) -> Schedule:
    """``schedule`` with each ``(participant, from section or None, to section or None)``
    applied (rides unchanged; see :func:`assign_rides`)."""
    members = {sec.id: list(sec.participants) for sec in schedule.sections}
    for pid, old, new in moves:
        if old is not None and pid in members.get(old, []):
            members[old].remove(pid)
        if new is not None and pid not in members[new]:
            members[new].append(pid)
    return schedule.model_copy(
        update={
            "sections": [
                sec.model_copy(update={"participants": members[sec.id]})
                for sec in schedule.sections
            ]
        }
    )


def assign_rides(term: Term, schedule: Schedule, pids: Iterable[str]) -> Schedule:
    """``schedule`` with each of ``pids`` who rides the van carried on every weekday they have
    a meeting: on their current run that day while it still covers their day (travel included),
    else on the first run (vehicles in the term's order) that covers it with a free seat (and
    wheelchair seat); their rides on days without meetings are dropped. A rider no run can carry
    gets no ride that day, which the validator then names (H11)."""
    people = {pid for pid in pids if term.participant(pid).transport == "van"}
    gone = {pid for pid in pids if term.participant(pid).transport != "van"}
    if not people and not gone:
        return schedule
    current: dict[tuple[str, str], tuple[str, int, int]] = {
        (pid, r.day): (r.vehicle, r.arrive, r.depart)
        for r in schedule.transport
        for pid in r.participants
        if pid in people
    }
    load: dict[tuple[str, str, int, int], list[str]] = {}
    for r in schedule.transport:
        key = (r.vehicle, r.day, r.arrive, r.depart)
        load.setdefault(key, []).extend(p for p in r.participants if p not in people | gone)
    types = {gt.id: gt for gt in term.group_types}
    for pid in sorted(people):
        person = term.participant(pid)
        spans: dict[str, list[tuple[int, int]]] = {}
        for sec in schedule.sections:
            if pid in sec.participants:
                for m in sec.meetings:
                    span = busy_span(m, types.get(sec.group_type))
                    spans.setdefault(m.day, []).append((span.start, span.end))
        for day, found in sorted(spans.items()):
            first, last = min(s for s, _ in found), max(e for _, e in found)
            runs = [
                (v, (v.id, run.day, run.arrive, run.depart))
                for v in term.vehicles
                for run in v.runs
                if run.day == day and run.arrive <= first and run.depart >= last
            ]
            had = current.get((pid, day))
            runs.sort(key=lambda vr: had is None or (vr[1][0], vr[1][2], vr[1][3]) != had)
            for vehicle, key in runs:
                riders = load.get(key, [])
                if len(riders) >= vehicle.seats:
                    continue
                chairs = sum(1 for r in riders if term.participant(r).wheelchair)
                if person.wheelchair and chairs >= vehicle.wheelchair_seats:
                    continue
                load.setdefault(key, []).append(pid)
                break
    rides = [
        Ride(vehicle=vehicle, day=day, arrive=arrive, depart=depart, participants=riders)
        for (vehicle, day, arrive, depart), riders in load.items()
        if riders
    ]
    return schedule.model_copy(update={"transport": rides})


def members_of(schedule: Schedule) -> set[tuple[str, str]]:
    """(participant, section) for every membership."""
    return {(pid, sec.id) for sec in schedule.sections for pid in sec.participants}


# -- dates ----------------------------------------------------------------------------------------


def shape(section: Section) -> tuple:
    meetings = tuple(sorted((m.day, m.start, m.end) for m in section.meetings))
    return (section.group_type, meetings, section.room, section.vehicle, tuple(section.staff))


@dataclass(frozen=True)
class DatedView:
    """One date from a change on: the day view before and after it, and what to check."""

    day: dt.date
    before: Schedule
    after: Schedule
    people: frozenset[str]
    sections: frozenset[str]
    new_sections: frozenset[str]


def dated_views(
    pub: Published, days: Days, new: Schedule, start: dt.date, term: Term | None = None
) -> Iterator[DatedView]:
    """For each clinic date from ``start`` to ``days.last`` (closures left out) that the change
    from ``pub.schedule`` to ``new`` touches, the view before (as read) and after (as the ledger
    will read it once ``new`` is published from ``start``, with ``term`` when it changes too)."""
    old = pub.schedule
    left = members_of(old) - members_of(new)
    joined = members_of(new) - members_of(old)
    moved = left | joined
    old_shape = {sec.id: shape(sec) for sec in old.sections}
    new_shape = {sec.id: shape(sec) for sec in new.sections}
    changed = {sid for sid in old_shape if new_shape.get(sid) != old_shape[sid]}
    added = [sec for sec in new.sections if sec.id not in old_shape or sec.id in changed]
    rides_old, rides_new = _ride_keys(old), _ride_keys(new)
    people = frozenset({pid for pid, _ in moved} | {r[0] for r in rides_old ^ rides_new})
    touched = frozenset({sid for _, sid in moved} | changed | {sec.id for sec in added})
    added_ids = frozenset(sec.id for sec in added)
    after_pub = Published(pub.version, term or pub.term, new)
    joining: dict[str, list[str]] = {}
    for pid, sid in sorted(joined):
        joining.setdefault(sid, []).append(pid)
    for day in term_dates(pub.term):
        if day < start or day > days.last or day in days.closed:
            continue
        name = weekday(day)
        rows: list[Any] = [
            r for r in days.sessions(day) if not (r.kind == "regular" and r.section in changed)
        ]
        for n, sec in enumerate(sorted(added, key=lambda s: s.id)):
            for m in sec.meetings:
                if m.day == name:
                    row = DatedSession.meeting(sec, m, day, "regular", pub.version.id)
                    row.id = -1 - n  # not saved: what publishing will add
                    rows.append(row)
        before = days.schedule(day)
        if not any(r.section in touched for r in rows) and not any(
            pid in sec.participants for sec in before.sections for pid in people
        ):
            continue
        rows.sort(key=lambda r: (r.start, r.section))
        enrolled = {}
        for r in rows:  # as publishing will leave the rows: leavers ended, joiners started
            if r.kind == "regular":
                stay = [p for p in days.enrolled(day, r.section) if (p, r.section) not in left]
                enrolled[r.section] = stay + [
                    p for p in joining.get(r.section, []) if p not in stay
                ]
        after = assemble_day(after_pub, day, rows, enrolled, days.makeups(day))
        yield DatedView(day, before, after, people, touched, added_ids)


def _ride_keys(schedule: Schedule) -> set[tuple[str, str, str, int, int]]:
    return {
        (pid, r.day, r.vehicle, r.arrive, r.depart)
        for r in schedule.transport
        for pid in r.participants
    }


def _subset(view: Schedule, change: DatedView) -> Schedule:
    new = [s for s in view.sections if s.id in change.new_sections]
    keep = []
    for s in view.sections:
        if (
            s.id in change.sections
            or any(pid in change.people for pid in s.participants)
            or any(
                (n.room is not None and s.room == n.room)
                or (n.vehicle is not None and s.vehicle == n.vehicle)
                or bool(set(s.staff) & set(n.staff))
                for n in new
            )
        ):
            keep.append(s)
    return view.model_copy(update={"sections": keep})


def new_violations(term: Term, change: DatedView) -> list[Violation]:
    """What the change breaks on its date that was not broken before (see the module
    docstring)."""
    before = set(validate_day(term, _subset(change.before, change)))
    return [v for v in validate_day(term, _subset(change.after, change)) if v not in before]


def date_problems(
    pub: Published, days: Days, new: Schedule, start: dt.date, term: Term | None = None
) -> list[tuple[dt.date, Violation]]:
    """Every (date, violation) publishing ``new`` (and ``term``) from ``start`` would add."""
    out = []
    for change in dated_views(pub, days, new, start, term):
        out += [(change.day, v) for v in new_violations(term or pub.term, change)]
    return out


# -- publishing -----------------------------------------------------------------------------------


def check_start(pub: Published, start: dt.date) -> None:
    """A change takes effect on a date of the term."""
    term = pub.term.term
    if not term.start <= start <= term.end:
        raise RefusedError(f"{start} is outside the term {term.start} to {term.end}")


def republish(
    ledger: Ledger,
    s: Session,
    pub: Published,
    term: Term,
    schedule: Schedule,
    start: dt.date,
    note: str,
    waitlist_exit: str = "no longer requested",
) -> int:
    """Publish ``schedule`` (with ``term``) from ``start`` in the caller's transaction, after
    :func:`check_start` and the whole weekly check against :func:`rules_term`; its number."""
    check_start(pub, start)
    rules = rules_term(term, schedule)
    schedule = schedule.model_copy(
        update={
            "status": Status.FEASIBLE,
            "score": recompute_score(rules, schedule),
            "bound": None,
            "solve_seconds": 0.0,
        }
    )
    check(term, schedule, rules)
    return publish_in(ledger, s, term, schedule, start, note, waitlist_exit)


def term_days(s: Session, pub: Published, start: dt.date) -> Days:
    """The ledger's dates from ``start`` to the end of the term."""
    return Days(s, pub, start, max(start, pub.term.term.end))


def lock_change(
    ledger: Ledger, s: Session, pub: Published, people: Iterable[str], start: dt.date
) -> None:
    """The locks of a weekly change, in the ledger's order: ``publish`` (every weekly change
    and offer takes it first), then the participants (sorted), then every date from ``start``
    to the end of the term (a makeup booked meanwhile could take a place the change counts
    on). SQLite writers are serialised already. ``pub`` was read before the publish lock: if
    another change published meanwhile (PostgreSQL), this one is refused, not built on a stale
    version (which would silently undo the other)."""
    ledger.lock(s, "publish")
    latest = s.scalar(select(func.max(ScheduleVersion.number)))
    if latest != pub.version.number:
        raise RefusedError(
            f"schedule v{latest} was published while this change was prepared; nothing was "
            "written: try again"
        )
    for pid in sorted(set(people)):
        ledger.lock(s, f"participant:{pid}")
    day = start
    while day <= pub.term.term.end:
        ledger.lock(s, f"date:{day}")
        day += dt.timedelta(days=1)


def cancel_orphaned_makeups(ledger: Ledger, s: Session, number: int) -> list[int]:
    """Cancel the standing makeups booked into sessions that schedule version ``number``
    cancelled (a section dropped by a merge or a discharge); their ids."""
    rows = s.scalars(
        select(Makeup.id)
        .join(SessionCancellation, SessionCancellation.session_id == Makeup.session_id)
        .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
        .where(
            SessionCancellation.reason == f"schedule v{number}",
            MakeupCancellation.id.is_(None),
        )
        .order_by(Makeup.id)
    ).all()
    for makeup_id in rows:
        cancel_makeup_in(ledger, s, makeup_id, f"its session was cancelled by schedule v{number}")
    return list(rows)
