"""Publishing a schedule into the ledger, first at the start of the term or again mid-term.

A first publication writes the term, the schedule, an enrollment per member from the start date,
a dated session per section meeting on every term date (closures removed) and the waitlist.
A later publication (a re-solve, an admission) takes effect from a date: sections whose time,
room, vehicle or staff changed have their future sessions cancelled and new ones written,
members who left a section have their enrollment ended the day before, newcomers are enrolled
from the date. History stays: nothing is deleted or edited.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ledger.marks import discharged
from ledger.schema import (
    DatedSession,
    Enrollment,
    EnrollmentEnd,
    ScheduleVersion,
    SessionCancellation,
    TermVersion,
    WaitlistEntry,
    WaitlistExit,
)
from ledger.state import version_documents
from ledger.store import Ledger
from models import Schedule, Term, document
from models.dated import term_dates, weekday
from models.validation import validate_schedule


class PublishError(ValueError):
    """The schedule cannot be published (it breaks a hard rule, or the date is outside the term)."""


def _shape(section) -> tuple:
    meetings = tuple(sorted((m.day, m.start, m.end) for m in section.meetings))
    return (section.group_type, meetings, section.room, section.vehicle, tuple(section.staff))


def publish(
    ledger: Ledger,
    term: Term,
    schedule: Schedule,
    effective_from: dt.date | None = None,
    note: str = "",
    undo_changes: bool = False,
) -> int:
    """Publish ``schedule`` from ``effective_from`` (default: the term's start); its number.
    Over a version in force, :class:`PublishError` if it would undo what the ledger changed
    since that term was written (:func:`undone_changes`), unless ``undo_changes``."""
    check(term, schedule)
    start = effective_from or term.term.start
    with ledger.write() as s:
        ledger.lock(s, "publish")  # before reading the version in force (taken again below)
        latest = s.scalar(select(func.max(ScheduleVersion.number)))
        if latest and not undo_changes:
            in_force, _ = version_documents(s, latest)
            undone = undone_changes(in_force, term, schedule)
            if undone:
                more = f"; … {len(undone) - 5} more" if len(undone) > 5 else ""
                raise PublishError(
                    f"publishing this would undo changes the ledger made to version {latest}'s "
                    f"term: {'; '.join(undone[:5])}{more}. Re-solve the term in force "
                    f"(`otgroups term export`, GET /v1/schedules/{latest}/term) or publish "
                    "with undo_changes (--undo-changes); nothing was published"
                )
        return publish_in(ledger, s, term, schedule, start, note)


def undone_changes(in_force: Term, term: Term, schedule: Schedule) -> list[str]:
    """What publishing ``term`` and ``schedule`` would undo of the term in force: someone
    discharged a participant again (placed, or waiting with offers to come), someone of the term
    in force (an admission) left out of it."""
    placed = {pid for section in schedule.sections for pid in section.participants}
    present = {p.id: p for p in term.participants}
    out = []
    for person in in_force.participants:
        mark = discharged(person)
        again = present.get(person.id)
        if mark is not None and again is not None and not discharged(again) and again.requests:
            what = "placed" if person.id in placed else "waitlisted for offers"
            out.append(
                f"{person.id}, discharged from {mark.get('from')}, would be a participant again "
                f"({what})"
            )
        elif mark is None and again is None:
            out.append(f"{person.id} is not in this term: every enrollment would end")
    return out


def check(term: Term, schedule: Schedule, rules_term: Term | None = None) -> None:
    """:class:`PublishError` unless ``schedule`` keeps every hard rule of ``rules_term``
    (default ``term``)."""
    violations = validate_schedule(rules_term or term, schedule)
    if violations:
        first = violations[0]
        raise PublishError(
            f"the schedule breaks {len(violations)} hard rule(s), e.g. {first.rule} "
            f"{first.subject}: {first.message}; nothing was published"
        )


def publish_in(
    ledger: Ledger,
    s: Session,
    term: Term,
    schedule: Schedule,
    start: dt.date,
    note: str = "",
    waitlist_exit: str = "no longer requested",
) -> int:
    """:func:`publish` inside the caller's write transaction, ``schedule`` already checked
    (:func:`check`); ``waitlist_exit`` is the reason written for standing waitlist entries the
    schedule no longer lists (and does not place). Its number."""
    if not term.term.start <= start <= term.term.end:
        raise PublishError(f"{start} is outside the term {term.term.start} to {term.term.end}")
    ledger.lock(s, "publish")
    number = (s.scalar(select(func.max(ScheduleVersion.number))) or 0) + 1
    term_text, schedule_text = json.dumps(document(term)), json.dumps(document(schedule))
    _refuse_a_repeat(s, number - 1, term_text, schedule_text)
    term_row = TermVersion(document=term_text, reason=note or "publish")
    s.add(term_row)
    s.flush()
    version = ScheduleVersion(
        number=number,
        term_version_id=term_row.id,
        document=schedule_text,
        effective_from=start,
        note=note,
    )
    s.add(version)
    s.flush()
    previous = _previous(s, number)
    _sessions(s, term, schedule, version, start, previous)
    _enrollments(s, schedule, version, start)
    _waitlist(s, schedule, start, waitlist_exit)
    s.flush()
    return number


def _refuse_a_repeat(s: Session, latest: int, term_text: str, schedule_text: str) -> None:
    """:class:`PublishError` when the version in force already is this term and schedule (a
    form sent twice, a retried request): a second identical version would change nothing."""
    row = s.scalars(select(ScheduleVersion).where(ScheduleVersion.number == latest)).first()
    if row is None or row.document != schedule_text:
        return
    if s.get(TermVersion, row.term_version_id).document == term_text:  # type: ignore[union-attr]
        raise PublishError(
            f"this schedule is already published as version {latest} "
            f"(from {row.effective_from}); nothing was published"
        )


def _previous(s: Session, number: int) -> Schedule | None:
    row = s.scalars(select(ScheduleVersion).where(ScheduleVersion.number == number - 1)).first()
    return Schedule.model_validate(json.loads(row.document)) if row is not None else None


def _sessions(
    s: Session,
    term: Term,
    schedule: Schedule,
    version: ScheduleVersion,
    start: dt.date,
    previous: Schedule | None,
) -> None:
    before = {sec.id: _shape(sec) for sec in (previous.sections if previous else [])}
    now = {sec.id: _shape(sec) for sec in schedule.sections}
    changed = {sid for sid in before if now.get(sid) != before[sid]}
    if changed:
        future = s.scalars(
            select(DatedSession)
            .options(selectinload(DatedSession.cancellation))
            .where(
                DatedSession.section.in_(changed),
                DatedSession.date >= start,
                DatedSession.kind == "regular",
            )
        )
        for row in future:
            if row.cancellation is None:
                s.add(SessionCancellation(session_id=row.id, reason=f"schedule v{version.number}"))
    dates = [d for d in term_dates(term) if d >= start]
    for sec in schedule.sections:
        if sec.id in before and sec.id not in changed:
            continue  # its dated sessions stand
        for day in dates:
            for m in sec.meetings:
                if m.day == weekday(day):
                    s.add(DatedSession.meeting(sec, m, day, "regular", version.id))
    s.flush()


def _enrollments(s: Session, schedule: Schedule, version: ScheduleVersion, start: dt.date) -> None:
    wanted = {
        (pid, sec.id): sec.group_type for sec in schedule.sections for pid in sec.participants
    }
    open_rows = s.scalars(select(Enrollment).options(selectinload(Enrollment.end))).all()
    have = {}
    for e in open_rows:
        if e.end is None:
            have[e.participant, e.section] = e
    for key, e in have.items():
        if key not in wanted:
            s.add(
                EnrollmentEnd(
                    enrollment_id=e.id,
                    to_date=start - dt.timedelta(days=1),
                    reason=f"schedule v{version.number}",
                )
            )
    for (pid, section), group_type in wanted.items():
        if (pid, section) not in have:
            s.add(
                Enrollment(
                    participant=pid,
                    group_type=group_type,
                    section=section,
                    from_date=start,
                    schedule_version_id=version.id,
                    reason=f"schedule v{version.number}",
                )
            )


def _waitlist(s: Session, schedule: Schedule, start: dt.date, exit_reason: str) -> None:
    waiting = s.scalars(select(WaitlistEntry).options(selectinload(WaitlistEntry.exit))).all()
    standing = {(w.participant, w.group_type): w for w in waiting if w.exit is None}
    listed = {(w.participant, w.group_type): w for w in schedule.waitlist}
    placed = {(pid, sec.group_type) for sec in schedule.sections for pid in sec.participants}
    for key, row in standing.items():
        if key in placed:
            s.add(WaitlistExit(entry_id=row.id, reason="enrolled"))
        elif key not in listed:
            s.add(WaitlistExit(entry_id=row.id, reason=exit_reason))
    for key, entry in listed.items():
        if key not in standing:
            s.add(
                WaitlistEntry(
                    participant=entry.participant,
                    group_type=entry.group_type,
                    priority=entry.priority,
                    requested_on=start,
                    reasons=list(entry.reasons),
                )
            )
