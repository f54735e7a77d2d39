"""Reading the ledger: the term and schedule in force, who is in a session on a date, and the
day view every hard rule is checked on (:func:`models.dated.day_view`)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ledger.schema import (
    DatedSession,
    Enrollment,
    Makeup,
    ScheduleVersion,
    SessionCancellation,
    TermVersion,
)
from models import Schedule, Term, parse_schedule, parse_term
from models.dated import day_view, weekday
from models.schedule import Meeting, Ride, Section


class NothingPublishedError(LookupError):
    """The ledger holds no published schedule yet."""


@dataclass(frozen=True)
class Published:
    version: ScheduleVersion
    term: Term
    schedule: Schedule


def published(session: Session) -> Published:
    """The latest published schedule and its term."""
    version = session.scalars(
        select(ScheduleVersion).order_by(ScheduleVersion.number.desc()).limit(1)
    ).first()
    if version is None:
        raise NothingPublishedError("nothing is published yet: run `otgroups term publish` first")
    term_row = session.get(TermVersion, version.term_version_id)
    assert term_row is not None
    term = parse_term(json.loads(term_row.document), source=f"term version {term_row.id}")
    schedule = parse_schedule(json.loads(version.document), term, f"schedule v{version.number}")
    return Published(version, term, schedule)


def enrolled(session: Session, day: dt.date) -> dict[str, list[str]]:
    """section → participants enrolled on ``day`` (open enrollments from on or before it)."""
    rows = session.scalars(
        select(Enrollment).options(selectinload(Enrollment.end)).where(Enrollment.from_date <= day)
    )
    out: dict[str, list[str]] = defaultdict(list)
    for e in rows:
        if e.end is None or e.end.to_date >= day:
            out[e.section].append(e.participant)
    return out


def sessions_on(
    session: Session, day: dt.date, include_cancelled: bool = False
) -> list[DatedSession]:
    """Dated sessions of ``day`` (cancelled ones left out unless asked for)."""
    rows = session.scalars(
        select(DatedSession)
        .options(selectinload(DatedSession.cancellation))
        .where(DatedSession.date == day)
        .order_by(DatedSession.start, DatedSession.section)
    ).all()
    return [s for s in rows if include_cancelled or s.cancellation is None]


def makeups_on(session: Session, day: dt.date) -> list[Makeup]:
    """Standing (not cancelled) makeups into sessions of ``day``."""
    rows = session.scalars(
        select(Makeup)
        .join(DatedSession, Makeup.session_id == DatedSession.id)
        .options(selectinload(Makeup.cancellation))
        .where(DatedSession.date == day)
    )
    return [m for m in rows if m.cancellation is None]


def is_cancelled(session: Session, session_id: int) -> bool:
    return (
        session.scalar(
            select(SessionCancellation.id).where(SessionCancellation.session_id == session_id)
        )
        is not None
    )


def day_schedule(session: Session, day: dt.date, pub: Published | None = None) -> Schedule:
    """The sessions of ``day`` as a schedule: each with that date's roster (enrolled plus makeups
    booked in), extra meetings as sections of their own, and the rides of everyone who comes in
    that day (weekly rides of those still attending, plus makeup riders' runs)."""
    pub = pub or published(session)
    dated = sessions_on(session, day)
    by_id = {s.id: s for s in dated}
    rosters: dict[str, list[str]] = {s.section: [] for s in dated if s.kind == "regular"}
    for section, people in enrolled(session, day).items():
        if section in rosters:
            rosters[section].extend(people)
    extra: dict[int, Section] = {}
    for s in dated:
        if s.kind != "regular":
            extra[s.id] = Section(
                id=s.section,
                group_type=s.group_type,
                meetings=[Meeting(day=weekday(day), start=s.start, end=s.end)],
                room=s.room,
                vehicle=s.vehicle,
                staff=list(s.staff),
                participants=[],
            )
    riders: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for m in makeups_on(session, day):
        target = by_id.get(m.session_id)
        if target is None:
            continue
        if target.kind == "regular":
            rosters.setdefault(target.section, []).append(m.participant)
        else:
            extra[target.id].participants.append(m.participant)
        if m.ride_vehicle is not None and m.ride_arrive is not None and m.ride_depart is not None:
            riders[m.ride_vehicle, m.ride_arrive, m.ride_depart].append(m.participant)
    view = day_view(
        pub.schedule.model_copy(
            update={"sections": [s for s in pub.schedule.sections if s.id in rosters]}
        ),
        day,
        rosters,
        list(extra.values()),
    )
    coming = {pid for s in view.sections for pid in s.participants}
    rides = []
    for ride in view.transport:
        people = [pid for pid in ride.participants if pid in coming]
        key = (ride.vehicle, ride.arrive, ride.depart)
        people += [pid for pid in riders.pop(key, []) if pid not in people]
        if people:
            rides.append(ride.model_copy(update={"participants": people}))
    for (vehicle, arrive, depart), people in sorted(riders.items()):
        rides.append(
            Ride(
                vehicle=vehicle,
                day=weekday(day),
                arrive=arrive,
                depart=depart,
                participants=people,
            )
        )
    return view.model_copy(update={"transport": rides})
