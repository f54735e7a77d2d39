"""Ledger answers shaped as documents, shared by ``otgroups term`` and the HTTP API.

Each function reads (or, for :func:`publish_summary`, writes) through the ledger's own
operations and returns plain JSON-ready dicts, so the command line and the service print the
same thing the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.makeups import Search, as_dicts
from ledger.publish import publish
from ledger.schema import DatedSession, Enrollment
from ledger.state import check_known, day_schedule, published_cached, weekly_on
from ledger.store import Ledger
from models import Schedule, Term, format_time

MAX_RANGE_DAYS = 62
"""The longest date range one sessions listing covers."""


class OutsideTermError(ValueError):
    """A date asked about that the term does not have (the message names it)."""


class UnknownMissedSessionError(LookupError):
    """No standing regular session of that section on that date."""


def publish_summary(
    ledger: Ledger,
    term: Term,
    schedule: Schedule,
    start: dt.date | None = None,
    note: str = "",
    undo_changes: bool = False,
) -> dict[str, Any]:
    """Publish ``schedule`` from ``start`` (default the term's start) and say what it wrote
    (``undo_changes``: see :func:`ledger.publish.publish`)."""
    number = publish(ledger, term, schedule, start, note, undo_changes)
    with ledger.read() as s:
        sessions = s.scalar(select(func.count()).select_from(DatedSession)) or 0
        enrollments = s.scalar(select(func.count()).select_from(Enrollment)) or 0
    return {
        "version": number,
        "effective_from": (start or term.term.start).isoformat(),
        "sections": len(schedule.sections),
        "dated_sessions": sessions,
        "enrollments": enrollments,
        "waitlisted": len(schedule.waitlist),
    }


def makeup_answer(found: Search, within: int) -> dict[str, Any]:
    """The contract's makeup answer (section 3): options best first, numbered from 1, and why
    other candidates do not fit."""
    missed = found.request.missed
    return {
        "format": "otgroups.makeup/1",
        "participant": found.request.participant.id,
        "group_type": found.request.group_type.id,
        "missed": {
            "section": missed.section,
            "date": missed.date.isoformat(),
            "session_id": missed.session_id,
        },
        "within_days": within,
        "options": as_dicts(found.options),
        "not_possible": [{"candidate": c, "reason": r} for c, r in found.rejected],
    }


def missed_session_id(s: Session, section: str, day: dt.date) -> int:
    """The dated session of ``section`` on ``day`` (the contract names a missed meeting by
    section and date): the standing one, else the latest."""
    rows = s.scalars(
        select(DatedSession)
        .where(DatedSession.section == section, DatedSession.date == day)
        .order_by(DatedSession.id)
    ).all()
    if not rows:
        raise UnknownMissedSessionError(f"no dated session of section {section} on {day}")
    standing = [r for r in rows if r.cancellation is None]
    return (standing or rows)[-1].id


def schedule_on(s: Session, day: dt.date | None) -> Schedule:
    """The latest weekly schedule, or as it stood on ``day`` (:func:`ledger.state.weekly_on`;
    :class:`OutsideTermError` for a day outside the term)."""
    pub = published_cached(s)
    if day is None:
        return pub.schedule
    term = pub.term.term
    if not term.start <= day <= term.end:
        raise OutsideTermError(f"{day} is outside the term {term.start} to {term.end}")
    return weekly_on(s, day, pub)


def dated_sessions(
    s: Session,
    first: dt.date,
    last: dt.date | None = None,
    participant: str | None = None,
    staff: str | None = None,
    section: str | None = None,
) -> list[dict[str, Any]]:
    """The dated sessions from ``first`` to ``last`` (inclusive; default one date) with their ids
    and that date's rosters, by date then start; optionally only a participant's, a staff
    member's or a section's."""
    last = last or first
    if last < first or (last - first).days >= MAX_RANGE_DAYS:
        raise ValueError(f"a date range is 1 to {MAX_RANGE_DAYS} days, first to last")
    pub = published_cached(s)
    check_known(s, pub, participant=participant, section=section)
    query = (
        select(DatedSession)
        .where(DatedSession.date >= first, DatedSession.date <= last)
        .order_by(DatedSession.date, DatedSession.start, DatedSession.section, DatedSession.id)
    )
    if section is not None:
        query = query.where(DatedSession.section == section)
    rows = s.scalars(query).all()
    views: dict[dt.date, dict[str, Any]] = {}
    listed: list[dict[str, Any]] = []
    for row in rows:
        if staff is not None and staff not in row.staff:
            continue
        if row.date not in views:
            views[row.date] = {sec.id: sec for sec in day_schedule(s, row.date, pub).sections}
        view = views[row.date]
        cancelled = row.cancellation is not None
        roster = list(view[row.section].participants) if row.section in view else []
        if participant is not None and participant not in roster:
            continue
        listed.append(
            {
                "session_id": row.id,
                "date": row.date.isoformat(),
                "section": row.section,
                "group_type": row.group_type,
                "kind": row.kind,
                "start": format_time(row.start),
                "end": format_time(row.end),
                "room": row.room,
                "vehicle": row.vehicle,
                "staff": list(row.staff),
                "cancelled": cancelled,
                "participants": [] if cancelled else roster,
            }
        )
    return listed
