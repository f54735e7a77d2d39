"""Attendance: who came to a dated session, for how long, and which sessions a person missed.

A mark is a new :class:`~ledger.schema.Attendance` row; a later mark for the same person and
session supersedes the earlier one, which stays in the table (history is kept). Marks are
refused, with nothing written, for a session that does not exist or is cancelled, a session on
a closure day, or a participant who is not on that session's roster that date (enrolled in its
section then, or booked into it as a makeup).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.schema import (
    Attendance,
    DatedSession,
    Enrollment,
    EnrollmentEnd,
    Makeup,
    MakeupCancellation,
    SessionCancellation,
)
from ledger.state import Published, RefusedError, check_known, closed_days, published_cached
from ledger.store import Ledger
from models import format_time
from models.dated import clinic_time

STATUSES: Final = ("present", "late", "left-early", "absent", "excused")
MISSED: Final = ("absent", "excused")
"""Marks that count as a missed session (a makeup may be booked for it)."""


class AttendanceError(RefusedError):
    """An attendance mark the ledger will not record."""


class MinutesError(AttendanceError):
    """The minutes a mark gives, or leaves out, do not fit its status or the session."""


class NotYetHeldError(AttendanceError):
    """A mark other than ``excused`` for a session that has not started."""


AHEAD = ("excused",)
"""The marks that may be recorded before a session starts (a call-in the day before)."""


class UnknownSessionError(AttendanceError, LookupError):
    """No dated session has this id."""


class SessionCancelledError(AttendanceError):
    """The session is cancelled, or falls on a closure day."""


class NotOnRosterError(AttendanceError):
    """The participant is neither enrolled in the session's section that date nor booked into
    the session as a makeup."""


@dataclass(frozen=True)
class Mark:
    """The current attendance of one participant at one session."""

    session_id: int
    participant: str
    status: str
    minutes: int
    recorded_by: str
    recorded_at: dt.datetime
    attendance_id: int


@dataclass(frozen=True)
class MissedSession:
    """A session a participant is marked absent or excused for, and the makeup booked for it."""

    session_id: int
    section: str
    group_type: str
    date: dt.date
    start: int
    end: int
    status: str
    makeup_id: int | None
    makeup_session_id: int | None

    def label(self) -> str:
        return (
            f"session {self.session_id} ({self.section} {self.date} "
            f"{format_time(self.start)}-{format_time(self.end)})"
        )


def session_row(s: Session, session_id: int) -> DatedSession:
    """The dated session ``session_id`` (:class:`UnknownSessionError` when there is none)."""
    row = s.get(DatedSession, session_id)
    if row is None:
        raise UnknownSessionError(f"no session {session_id} in the ledger")
    return row


def on_roster(s: Session, session: DatedSession, participant: str) -> bool:
    """True when the participant is enrolled in the session's section on its date (regular
    sessions) or holds a standing makeup booked into the session."""
    if session.kind == "regular":
        rows = s.execute(
            select(Enrollment.id, EnrollmentEnd.to_date)
            .outerjoin(EnrollmentEnd, EnrollmentEnd.enrollment_id == Enrollment.id)
            .where(
                Enrollment.participant == participant,
                Enrollment.section == session.section,
                Enrollment.from_date <= session.date,
            )
        ).all()
        if any(r.to_date is None or r.to_date >= session.date for r in rows):
            return True
    return standing_makeup_into(s, session.id, participant) is not None


def standing_makeup_into(s: Session, session_id: int, participant: str) -> int | None:
    """The id of the participant's standing makeup booked into the session, if any."""
    return s.scalar(
        select(Makeup.id)
        .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
        .where(
            Makeup.session_id == session_id,
            Makeup.participant == participant,
            MakeupCancellation.id.is_(None),
        )
    )


def current_mark(s: Session, session_id: int, participant: str) -> Attendance | None:
    """The latest attendance row of the participant at the session."""
    return s.scalars(
        select(Attendance)
        .where(Attendance.session_id == session_id, Attendance.participant == participant)
        .order_by(Attendance.id.desc())
        .limit(1)
    ).first()


def record_in(
    s: Session,
    session_id: int,
    participant: str,
    status: str,
    minutes: int | None = None,
    recorded_by: str = "",
    now: dt.datetime | None = None,
) -> Attendance:
    """:func:`record` inside the caller's write transaction (flushed, not committed)."""
    if status not in STATUSES:
        raise AttendanceError(f"attendance status {status!r} is not one of {', '.join(STATUSES)}")
    row = session_row(s, session_id)
    where = f"session {session_id} ({row.section} on {row.date})"
    if (
        s.scalar(
            select(SessionCancellation.reason).where(SessionCancellation.session_id == session_id)
        )
        is not None
    ):
        raise SessionCancelledError(f"{where} is cancelled: no attendance can be recorded for it")
    pub = published_cached(s)
    check_known(s, pub, participant=participant)
    if row.date in closed_days(s, pub):
        raise SessionCancelledError(f"{where} falls on a closure day: the clinic was shut")
    if now is not None and status not in AHEAD:
        _check_started(pub, row, where, now)
    if not on_roster(s, row, participant):
        raise NotOnRosterError(
            f"{participant} is not on the roster of {where}: neither enrolled in "
            f"{row.section} that date nor booked into it as a makeup"
        )
    length = row.end - row.start
    if minutes is None:
        if status in ("late", "left-early"):
            raise MinutesError(
                f"{status} needs the minutes {participant} attended {where} (0-{length})"
            )
        minutes = length if status == "present" else 0
    if not 0 <= minutes <= length:
        raise MinutesError(
            f"{minutes} minutes attended is outside 0-{length}, the length of {where}"
        )
    if status in MISSED and minutes:
        raise MinutesError(f"{status} means 0 minutes attended, not {minutes}")
    mark = Attendance(
        session_id=session_id,
        participant=participant,
        status=status,
        minutes=minutes,
        recorded_by=recorded_by,
    )
    s.add(mark)
    s.flush()
    return mark


def record(
    ledger: Ledger,
    session_id: int,
    participant: str,
    status: str,
    minutes: int | None = None,
    recorded_by: str = "",
    now: dt.datetime | None = None,
) -> Attendance:
    """Mark the participant ``status`` at the dated session, in one transaction. ``minutes``
    attended defaults to the session's length for ``present`` and 0 for ``absent``/``excused``;
    ``late`` and ``left-early`` need it. An earlier mark is superseded, not changed. With
    ``now`` (the clinic's time: the command line, the API and the desk always give it), only
    ``excused`` may be recorded before the session starts: attendance that has not happened
    would read as a held, billable session."""
    with ledger.write() as s:
        return record_in(s, session_id, participant, status, minutes, recorded_by, now)


def _check_started(pub: Published, row: DatedSession, where: str, now: dt.datetime) -> None:
    clock = clinic_time(pub.term, now)
    start = clinic_time(
        pub.term, dt.datetime.combine(row.date, dt.time()) + dt.timedelta(minutes=row.start)
    )
    if start > clock:
        raise NotYetHeldError(
            f"{where} starts {start:%Y-%m-%d %H:%M} and it is {clock:%Y-%m-%d %H:%M} at the "
            f"clinic: only {' or '.join(AHEAD)} can be recorded before a session is held"
        )


def _mark(row: Attendance) -> Mark:
    return Mark(
        session_id=row.session_id,
        participant=row.participant,
        status=row.status,
        minutes=row.minutes,
        recorded_by=row.recorded_by,
        recorded_at=row.created_at,
        attendance_id=row.id,
    )


def current_marks(s: Session, session_ids: list[int] | None = None) -> dict[tuple[int, str], Mark]:
    """(session, participant) → the latest mark, for the given sessions (default every one)."""
    query = select(Attendance).order_by(Attendance.id)
    if session_ids is not None:
        query = query.where(Attendance.session_id.in_(session_ids))
    latest: dict[tuple[int, str], Mark] = {}
    for row in s.scalars(query):
        latest[row.session_id, row.participant] = _mark(row)  # later rows supersede
    return latest


def attendance_of(ledger: Ledger, session_id: int) -> dict[str, Mark]:
    """participant → current mark at the session, by participant id."""
    with ledger.read() as s:
        session_row(s, session_id)
        marks = current_marks(s, [session_id])
    return {pid: marks[sid, pid] for sid, pid in sorted(marks)}


def missed(ledger: Ledger, participant: str) -> list[MissedSession]:
    """The participant's sessions whose current mark is absent or excused, by date, with the
    standing makeup booked for each (if any)."""
    with ledger.read() as s:
        return missed_in(s, participant)


def missed_in(s: Session, participant: str) -> list[MissedSession]:
    """:func:`missed` inside the caller's transaction."""
    rows = s.scalars(
        select(Attendance).where(Attendance.participant == participant).order_by(Attendance.id)
    )
    latest: dict[int, Attendance] = {}
    for row in rows:
        latest[row.session_id] = row
    wanted = [sid for sid, row in latest.items() if row.status in MISSED]
    if not wanted:
        return []
    sessions = {r.id: r for r in s.scalars(select(DatedSession).where(DatedSession.id.in_(wanted)))}
    makeups = {
        m.missed_session_id: m
        for m in s.execute(
            select(Makeup.id, Makeup.missed_session_id, Makeup.session_id)
            .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
            .where(
                Makeup.participant == participant,
                Makeup.missed_session_id.in_(wanted),
                MakeupCancellation.id.is_(None),
            )
        )
    }
    out = []
    for sid in wanted:
        dated = sessions[sid]
        makeup = makeups.get(sid)
        out.append(
            MissedSession(
                session_id=sid,
                section=dated.section,
                group_type=dated.group_type,
                date=dated.date,
                start=dated.start,
                end=dated.end,
                status=latest[sid].status,
                makeup_id=makeup.id if makeup is not None else None,
                makeup_session_id=makeup.session_id if makeup is not None else None,
            )
        )
    return sorted(out, key=lambda m: (m.date, m.start, m.section))
