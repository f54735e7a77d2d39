"""Admissions, discharges and merges mid-term: each one schedule version, in one transaction.

**Admission** (:func:`admit`). The participant document (contract section 1, ``participants[]``)
is added to the term, and :func:`optimizer.admission.admit` places them with everyone else
pinned (sections, times, rooms, staff, members and rides unchanged), against the mid-term rules
(:func:`ledger.weekly.rules_term`). A placement is kept only if it also holds on every date from
``from_date`` (makeups and extra meetings already booked, places held by open offers); a section
refused on the dates is left out and the choice made again, so another section of the type can
take them; a request that is not placed is waitlisted with its reasons. The result is
published from ``from_date`` (new term and schedule versions; the newcomer's van runs
included). A discharged participant is admitted again the same way, from their discharge date
on: their new document replaces the discharged entry.

**Discharge** (:func:`discharge`). The participant leaves every section from ``from_date``: a
new version without them (their enrollments end the day before, their waitlist entries exit as
``discharged``, their van runs go), marked ``discharged`` in the term; their makeups from that
date are cancelled and their open offers withdrawn; each place freed is offered to the next
waiting request (:func:`ledger.waitlists.offer_next_in`); a section left empty is dropped (its
sessions from then cancelled), and each section left under ``min_size`` is flagged with a
proposed merge (:func:`propose_merge`).

**Merge** (:func:`propose_merge`, :func:`merge`). Another section of the same type that every
remaining member can join from the date: room for all of them (places held by offers count as
taken), every weekly rule with them moved (the whole schedule validated), and each date from
then on (:func:`ledger.weekly.date_problems`). Applying it publishes a version with the members
moved and the emptied section dropped; makeups booked into its cancelled sessions are cancelled.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.attendance import AHEAD
from ledger.makeups import cancel_makeup_in
from ledger.marks import discharged
from ledger.schema import (
    Attendance,
    DatedSession,
    Enrollment,
    EnrollmentEnd,
    Makeup,
    MakeupCancellation,
)
from ledger.state import Days, Published, RefusedError, open_holds, published_cached
from ledger.store import Ledger
from ledger.waitlists import (
    DEFAULT_EXPIRY,
    OfferResult,
    offer_next_in,
    offers_in,
    withdraw_in,
)
from ledger.weekly import (
    assign_rides,
    cancel_orphaned_makeups,
    check_start,
    date_problems,
    lock_change,
    mark_discharged,
    republish,
    rules_term,
    seats,
    shape,
    term_days,
    with_members,
)
from models import ContractError, document, format_time, parse_term
from models.dated import weekday
from models.errors import Problem
from models.schedule import Schedule, Section, WaitlistEntry
from models.term import Term
from models.validation import validate_schedule
from optimizer.admission import admit as place_newcomers
from optimizer.options import SolveOptions
from optimizer.solve import SolveResult


class AdmissionError(RefusedError):
    """An admission, discharge or merge the ledger refuses (nothing was written)."""


class UnknownParticipantError(AdmissionError, LookupError):
    """No participant or section has this id."""


# -- reports --------------------------------------------------------------------------------------


@dataclass
class Admission:
    participant: str
    from_date: dt.date
    version: int
    placed: list[tuple[str, str, str]] = field(default_factory=list)
    """(group type, section, priority) per placed request."""
    waitlisted: list[WaitlistEntry] = field(default_factory=list)
    rides: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(day, vehicle, arrive, depart) of the newcomer's van runs."""

    def to_json(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "from_date": self.from_date.isoformat(),
            "version": self.version,
            "placed": [{"group_type": t, "section": s, "priority": p} for t, s, p in self.placed],
            "waitlisted": [
                {"group_type": w.group_type, "priority": w.priority, "reasons": w.reasons}
                for w in self.waitlisted
            ],
            "rides": [
                {"day": d, "vehicle": v, "arrive": a, "depart": b} for d, v, a, b in self.rides
            ],
        }


@dataclass
class MergeProposal:
    """A proposed merge of an under-filled section into another (or why none is possible)."""

    section: str
    group_type: str
    members: list[str]
    min_size: int
    from_date: dt.date
    into: str | None = None
    reasons: list[str] = field(default_factory=list)

    def label(self) -> str:
        short = (
            f"{self.section} has {len(self.members)} member(s), under {self.group_type}'s "
            f"min_size {self.min_size}"
        )
        if self.into is not None:
            return (
                f"{short}: PROPOSED merge into {self.into} from {self.from_date} "
                f"(otgroups term merge {self.section} --into {self.into} --from {self.from_date})"
            )
        return f"{short}: no merge possible: {'; '.join(self.reasons)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "group_type": self.group_type,
            "members": self.members,
            "min_size": self.min_size,
            "from_date": self.from_date.isoformat(),
            "into": self.into,
            "command": None
            if self.into is None
            else f"otgroups term merge {self.section} --into {self.into} --from {self.from_date}",
            "reasons": self.reasons,
        }


@dataclass
class Discharge:
    participant: str
    from_date: dt.date
    reason: str
    version: int
    left: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    """Sections left empty and dropped (their sessions from the date cancelled)."""
    cancelled_makeups: list[int] = field(default_factory=list)
    withdrawn_offers: list[int] = field(default_factory=list)
    offers: list[OfferResult] = field(default_factory=list)
    under_min: list[MergeProposal] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "from_date": self.from_date.isoformat(),
            "reason": self.reason,
            "version": self.version,
            "left": self.left,
            "dropped": self.dropped,
            "cancelled_makeups": self.cancelled_makeups,
            "withdrawn_offers": self.withdrawn_offers,
            "offers": [o.to_json() for o in self.offers],
            "under_min": [m.to_json() for m in self.under_min],
        }


@dataclass
class Merged:
    section: str
    into: str
    from_date: dt.date
    version: int
    moved: list[str]
    cancelled_makeups: list[int]

    def to_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "into": self.into,
            "from_date": self.from_date.isoformat(),
            "version": self.version,
            "moved": self.moved,
            "cancelled_makeups": self.cancelled_makeups,
        }


# -- admission ------------------------------------------------------------------------------------


def _with_newcomer(term: Term, participant_doc: dict[str, Any]) -> Term:
    """The term with the new participant added (or, readmitted, their discharged entry replaced)
    and checked; a problem with the newcomer names its path in their own document
    (``participant.age_band``), not in the whole term's list."""
    doc = document(term)
    people = doc["participants"]
    at = next((i for i, p in enumerate(people) if p["id"] == participant_doc["id"]), len(people))
    people[at : at + 1] = [participant_doc]
    mine = f"participants[{at}]"
    try:
        return parse_term(doc, source=f"participant {participant_doc['id']}")
    except ContractError as exc:
        problems = [
            Problem("participant" + p.path[len(mine) :], p.message)
            if p.path.startswith(mine)
            else p
            for p in exc.problems
        ]
        raise ContractError(exc.source, problems) from None


def admit(
    ledger: Ledger,
    participant_doc: dict[str, Any],
    from_date: dt.date,
    time_limit: float = 10.0,
) -> Admission:
    """Admit a new participant from ``from_date`` (see the module docstring)."""
    if not isinstance(participant_doc, dict) or not isinstance(participant_doc.get("id"), str):
        raise AdmissionError("the participant document must be a JSON object with an id")
    pid = participant_doc["id"]
    with ledger.write() as s:
        pub = published_cached(s)
        _check_readmission(pub, pid, from_date)
        lock_change(ledger, s, pub, [pid], from_date)
        check_start(pub, from_date)
        term = _with_newcomer(pub.term, participant_doc)
        weekly = pub.schedule
        new, result, why = _place(s, pub, term, pid, from_date, time_limit)
        person = term.participant(pid)
        placed = {sec.group_type: sec.id for sec in new.sections if pid in sec.participants}
        solver_reasons = {
            w.group_type: list(w.reasons) for w in result.schedule.waitlist if w.participant == pid
        }
        waiting = [
            WaitlistEntry(
                participant=pid,
                group_type=r.group_type,
                priority=r.priority,
                reasons=why.get(r.group_type) or solver_reasons.get(r.group_type) or ["not placed"],
            )
            for r in person.requests
            if r.group_type not in placed
        ]
        new = new.model_copy(update={"waitlist": [*weekly.waitlist, *waiting]})
        again = any(p.id == pid for p in pub.term.participants)
        note = f"readmit {pid}" if again else f"admit {pid}"
        number = republish(ledger, s, pub, term, new, from_date, note)
        priority = {r.group_type: r.priority for r in person.requests}
        return Admission(
            pid,
            from_date,
            number,
            placed=[(t, sid, priority[t]) for t, sid in sorted(placed.items())],
            waitlisted=waiting,
            rides=[
                (r.day, r.vehicle, format_time(r.arrive), format_time(r.depart))
                for r in new.transport
                if pid in r.participants
            ],
        )


def _check_readmission(pub: Published, pid: str, from_date: dt.date) -> None:
    """A participant of the term may come back only once discharged, and from their discharge
    date on (their document then replaces the discharged one: new requests, new hours)."""
    person = next((p for p in pub.term.participants if p.id == pid), None)
    if person is None:
        return
    mark = discharged(person)
    if mark is None:
        raise AdmissionError(
            f"{pid} is already a participant of the term (in sections or waiting): to change "
            "their requests, discharge them and admit them again"
        )
    left = dt.date.fromisoformat(str(mark.get("from")))
    if from_date < left:
        raise AdmissionError(
            f"{pid} is discharged from {left}: they can be admitted again from {left} on"
        )


MAX_PLACEMENT_ROUNDS = 8
"""Placements tried before the waitlist: each round leaves out the sections the dates refused."""


def _place(
    s: Session, pub: Published, term: Term, pid: str, start: dt.date, time_limit: float
) -> tuple[Schedule, SolveResult, dict[str, list[str]]]:
    """The newcomer's best weekly placement that also holds on every date from ``start``: a
    section refused on the dates (full with a makeup on one of them, a place an offer holds)
    is left out and the choice made again, so another section of the type can take them."""
    weekly, avoid = pub.schedule, set[tuple[str, str]]()
    why: dict[str, list[str]] = {}
    rules = rules_term(term, weekly)
    running = {sec.id for sec in weekly.sections}  # a new section has no name to keep out
    days, holds = term_days(s, pub, start), open_holds(s)  # read once: nothing changes meanwhile
    deadline = time.monotonic() + time_limit
    for _ in range(MAX_PLACEMENT_ROUNDS):
        left = max(1.0, deadline - time.monotonic())
        result = place_newcomers(rules, weekly, [pid], SolveOptions(time_limit=left), avoid)
        if result.violations:
            v = result.violations[0]
            raise AdmissionError(f"the placement found for {pid} breaks {v.rule}: {v.message}")
        new, refused = _placements(pub, term, weekly, result.schedule, pid, start, days, holds)
        for type_id, reasons in refused.items():
            seen = why.setdefault(type_id, [])
            seen.extend(r for r, _ in reasons if r not in seen)
        dropped = {(pid, sid) for r in refused.values() for _, sid in r if sid in running}
        if not dropped - avoid or time.monotonic() >= deadline:
            break
        avoid |= dropped
    placed = {sec.group_type for sec in new.sections if pid in sec.participants}
    return new, result, {t: r for t, r in why.items() if t not in placed}


def _placements(
    pub: Published,
    term: Term,
    weekly: Schedule,
    solved: Schedule,
    pid: str,
    start: dt.date,
    days: Days,
    holds: dict[str, list[dt.date]],
) -> tuple[Schedule, dict[str, list[tuple[str, str]]]]:
    """The weekly schedule with the newcomer where the solver placed them, less placements that
    fail on the ledger's dates or take a place an open offer holds; and, per group type, why
    each was dropped with the section dropped."""
    before = {sec.id: sec for sec in weekly.sections}
    after = {sec.id: sec for sec in solved.sections}
    for sid, sec in before.items():
        other = after.get(sid)
        if (
            other is None
            or shape(other) != shape(sec)
            or sorted(p for p in other.participants if p != pid) != sorted(sec.participants)
        ):
            raise AdmissionError(f"the solver changed section {sid} while admitting {pid}")
    why: dict[str, list[tuple[str, str]]] = {}
    chosen: list[Section] = []
    for sec in solved.sections:
        if pid not in sec.participants:
            continue
        gt = term.group_type(sec.group_type)
        if sec.id not in before and len(sec.participants) < gt.min_size:
            why[gt.id] = [
                (
                    f"only a new section {sec.id} would take {pid}, and it would hold "
                    f"{len(sec.participants)}, under min_size {gt.min_size}",
                    sec.id,
                )
            ]
            continue
        held = len(holds.get(sec.id, ()))
        if sec.id in before and len(sec.participants) + held > seats(term, sec):
            why[gt.id] = [(f"{sec.id}'s last free place is held by an open offer", sec.id)]
            continue
        chosen.append(sec)
    while True:
        new = weekly.model_copy(
            update={"sections": [*weekly.sections, *(c for c in chosen if c.id not in before)]}
        )
        new = with_members(new, [(pid, None, c.id) for c in chosen if c.id in before])
        new = assign_rides(term, new, [pid])
        problems = date_problems(pub, days, new, start, term)
        if not problems:
            return new, why
        day, v = problems[0]
        if not chosen:
            raise AdmissionError(f"admitting {pid} breaks {v.rule} on {day}: {v.message}")
        mine = [c for c in chosen if any(m.day == weekday(day) for m in c.meetings)]
        blamed = next((c for c in mine if v.subject == c.id), mine[0] if mine else chosen[0])
        why[blamed.group_type] = [(f"{blamed.id} on {day}: {v.message}", blamed.id)]
        chosen = [c for c in chosen if c.id != blamed.id]


# -- discharge ------------------------------------------------------------------------------------


def discharge(
    ledger: Ledger,
    participant: str,
    from_date: dt.date,
    reason: str = "",
    now: dt.datetime | None = None,
    expires_in: dt.timedelta = DEFAULT_EXPIRY,
) -> Discharge:
    """Discharge a participant from ``from_date`` (see the module docstring), in one
    transaction."""
    with ledger.write() as s:
        pub = published_cached(s)
        person = next((p for p in pub.term.participants if p.id == participant), None)
        if person is None:
            raise UnknownParticipantError(f"{participant} is not a participant of the term")
        mark = discharged(person)
        if mark is not None:
            raise AdmissionError(f"{participant} was already discharged from {mark.get('from')}")
        lock_change(ledger, s, pub, [participant], from_date)
        check_start(pub, from_date)
        _check_dates(s, participant, from_date)
        weekly = pub.schedule
        left = [sec.id for sec in weekly.sections if participant in sec.participants]
        new = with_members(weekly, [(participant, sid, None) for sid in left])
        dropped = [sec.id for sec in new.sections if not sec.participants]
        new = new.model_copy(
            update={
                "sections": [sec for sec in new.sections if sec.participants],
                "waitlist": [w for w in weekly.waitlist if w.participant != participant],
            }
        )
        new = assign_rides(pub.term, new, [participant])
        term = mark_discharged(pub.term, participant, from_date, reason)
        note = f"discharge {participant}" + (f": {reason}" if reason else "")
        number = republish(ledger, s, pub, term, new, from_date, note[:200], "discharged")
        report = Discharge(participant, from_date, reason, number, left=left, dropped=dropped)
        report.cancelled_makeups = _cancel_future_makeups(ledger, s, participant, from_date)
        report.cancelled_makeups += cancel_orphaned_makeups(ledger, s, number)
        report.withdrawn_offers = withdraw_in(s, participant, now)
        withdrawn = set(report.withdrawn_offers)
        held = [o for o in offers_in(s, now) if o.offer_id in withdrawn]
        after = published_cached(s)
        for sid in left:
            if sid in dropped:
                continue
            report.offers.append(offer_next_in(ledger, s, sid, from_date, expires_in, now))
        for o in held:  # the places their open offers held go to the next in line
            report.offers.append(offer_next_in(ledger, s, o.section, o.from_date, expires_in, now))
        for sid in left:
            if sid in dropped:
                continue
            sec = after.schedule.section(sid)
            gt = after.term.group_type(sec.group_type)
            if len(sec.participants) < gt.min_size:
                report.under_min.append(propose_merge_in(s, after, sid, from_date))
        return report


def _check_dates(s: Session, participant: str, from_date: dt.date) -> None:
    """Refuse a discharge dated back over attendance already recorded (the person would leave
    those rosters while their marks stayed: held sessions nobody is on; an excused call-in
    ahead does not count) or before their current enrollment began (an admission, a
    readmission or a move from a later date: it would end before it started)."""
    joined = s.scalar(
        select(func.max(Enrollment.from_date))
        .outerjoin(EnrollmentEnd, EnrollmentEnd.enrollment_id == Enrollment.id)
        .where(Enrollment.participant == participant, EnrollmentEnd.id.is_(None))
    )
    if joined is not None and from_date < joined:
        raise RefusedError(
            f"{participant}'s current enrollment began on {joined}: a discharge takes effect "
            f"from {joined} on"
        )
    marked = s.execute(
        select(DatedSession.id, DatedSession.date, DatedSession.section)
        .join(Attendance, Attendance.session_id == DatedSession.id)
        .where(
            Attendance.participant == participant,
            Attendance.status.not_in(AHEAD),
            DatedSession.date >= from_date,
        )
        .order_by(DatedSession.date.desc(), DatedSession.start.desc())
        .limit(1)
    ).first()
    if marked is not None:
        raise RefusedError(
            f"{participant} has attendance recorded on {marked.date} (session {marked.id}, "
            f"{marked.section}): a discharge takes effect after the last recorded session, "
            f"from {marked.date + dt.timedelta(days=1)} at the earliest"
        )


def _cancel_future_makeups(
    ledger: Ledger, s: Session, participant: str, from_date: dt.date
) -> list[int]:
    ids = s.scalars(
        select(Makeup.id)
        .join(DatedSession, DatedSession.id == Makeup.session_id)
        .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
        .where(
            Makeup.participant == participant,
            DatedSession.date >= from_date,
            MakeupCancellation.id.is_(None),
        )
        .order_by(Makeup.id)
    ).all()
    for makeup_id in ids:
        cancel_makeup_in(ledger, s, makeup_id, "discharged")
    return list(ids)


# -- merges ---------------------------------------------------------------------------------------


def _merged(pub: Published, source: Section, target: Section) -> Schedule:
    moved = with_members(pub.schedule, [(p, source.id, target.id) for p in source.participants])
    moved = moved.model_copy(
        update={"sections": [sec for sec in moved.sections if sec.id != source.id]}
    )
    return assign_rides(pub.term, moved, source.participants)


def _merge_refusal(
    s: Session, pub: Published, source: Section, target: Section, start: dt.date
) -> tuple[Schedule | None, str]:
    """The weekly schedule with ``source``'s members moved into ``target`` from ``start``, or
    None and why not."""
    if target.group_type != source.group_type:
        return None, f"{target.id} is {target.group_type}, not {source.group_type}"
    term = pub.term
    held = len(open_holds(s).get(target.id, ()))
    free = seats(term, target) - len(target.participants) - held
    need = len(source.participants)
    if free < need:
        offers = f" ({held} held by open offers)" if held else ""
        return None, f"{target.id} has {max(free, 0)} free place(s){offers}, {need} needed"
    new = _merged(pub, source, target)
    found = validate_schedule(rules_term(term, new), new)
    if found:
        return None, f"{target.id}: {found[0].message}"
    days = term_days(s, pub, start)
    problems = date_problems(pub, days, new, start)
    if problems:
        day, v = problems[0]
        return None, f"{target.id} on {day}: {v.message}"
    cap = seats(term, target)
    for day in sorted(days.all_sessions):
        if day < start or day in days.closed:
            continue
        for row in days.sessions(day):
            if row.section == target.id and row.kind == "regular":
                roster = len(days.enrolled(day, target.id)) + need
                roster += sum(1 for m in days.makeups(day) if m.session_id == row.id)
                if roster + days.held(target.id, day) > cap:
                    return None, f"{target.id} on {day} would be full ({roster} of {cap})"
    return new, ""


def propose_merge(ledger: Ledger, section: str, from_date: dt.date) -> MergeProposal:
    """The merge :func:`discharge` would propose for ``section`` from ``from_date``."""
    with ledger.read() as s:
        return propose_merge_in(s, published_cached(s), section, from_date)


def propose_merge_in(s: Session, pub: Published, section: str, from_date: dt.date) -> MergeProposal:
    source = _section(pub, section)
    gt = pub.term.group_type(source.group_type)
    proposal = MergeProposal(section, gt.id, list(source.participants), gt.min_size, from_date)
    others = [sec for sec in pub.schedule.sections if sec.group_type == gt.id and sec.id != section]
    if not others:
        proposal.reasons.append(f"no other section of {gt.label} runs")
        return proposal
    others.sort(key=lambda sec: (-len(sec.participants), sec.id))
    for target in others:
        new, why = _merge_refusal(s, pub, source, target, from_date)
        if new is not None:
            proposal.into = target.id
            return proposal
        proposal.reasons.append(why)
    return proposal


def _section(pub: Published, section: str) -> Section:
    for sec in pub.schedule.sections:
        if sec.id == section:
            return sec
    raise UnknownParticipantError(f"{section} is not a section of schedule v{pub.version.number}")


def merge(ledger: Ledger, section: str, into: str, from_date: dt.date) -> Merged:
    """Move every member of ``section`` into ``into`` from ``from_date`` and drop ``section``
    (a new version), if every rule holds; in one transaction."""
    with ledger.write() as s:
        pub = published_cached(s)
        source, target = _section(pub, section), _section(pub, into)
        if source.id == target.id:
            raise AdmissionError(f"cannot merge {section} into itself")
        lock_change(ledger, s, pub, source.participants, from_date)
        check_start(pub, from_date)
        new, why = _merge_refusal(s, pub, source, target, from_date)
        if new is None:
            raise AdmissionError(f"cannot merge {section} into {into}: {why}")
        number = republish(ledger, s, pub, pub.term, new, from_date, f"merge {section} into {into}")
        cancelled = cancel_orphaned_makeups(ledger, s, number)
        return Merged(section, into, from_date, number, list(source.participants), cancelled)
