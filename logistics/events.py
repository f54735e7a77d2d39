"""Each person's dated events, read back from the ledger's append-only rows.

A participant's event is a dated session they are (or were) on: a regular session of a section
they are enrolled in that date, or a session (regular or an extra meeting) a makeup booked them
into. A staff member's event is a session they lead. Every event has a stable id
(``session-<session id>-<person>``) and a *sequence*: how many changes the ledger recorded for it
after it first existed for that person — the session cancelled, the date closed, the enrollment
ended before the date or begun again, a makeup into it booked again or cancelled. An event stays
(``cancelled``) when the session is cancelled, the date closed, or the person no longer on it,
so calendars can show it struck out.

Regular sessions are only written by a publication; one that ends a leaver's enrollment in a
changed section also writes that section's new sessions, which the leaver never had (an
enrollment end written by publication ``n`` has reason ``schedule v<n>``, see
:mod:`ledger.publish`). Rows are read once per :class:`LedgerEvents`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.schema import (
    SESSION_COLUMNS,
    Closure,
    DatedSession,
    Enrollment,
    EnrollmentEnd,
    Makeup,
    MakeupCancellation,
    ScheduleVersion,
    SessionCancellation,
    as_utc,
)
from ledger.state import Published
from models.term import GroupType

ATTENDED = ("present", "late", "left-early")


@dataclass(frozen=True)
class Change:
    """One ledger row that made or changed an event."""

    what: str
    """``enrolled``, ``unenrolled``, ``makeup``, ``makeup-cancelled``, ``led``, ``cancelled``,
    ``closed``."""
    at: dt.datetime


@dataclass(frozen=True)
class PersonEvent:
    """One dated session as one person sees it."""

    person: str
    role: str
    """``participant`` or ``staff``."""
    session_id: int
    section: str
    group_type: str
    kind: str
    """The session's kind: ``regular`` or ``extra``."""
    date: dt.date
    start: int
    end: int
    room: str | None
    vehicle: str | None
    staff: tuple[str, ...]
    makeup: bool
    """The participant is (or was) booked in as a makeup."""
    session_cancelled: bool
    """The session was cancelled or its date closed (for everyone)."""
    attending: bool
    """The person is on it now (enrolled that date, a standing makeup, or leading it)."""
    changes: tuple[Change, ...] = field(default=())
    makeups_in: int = 0
    """Staff events: standing makeups booked into the session."""

    @property
    def uid(self) -> str:
        return f"session-{self.session_id}-{self.person}"

    @property
    def cancelled(self) -> bool:
        return self.session_cancelled or not self.attending

    @property
    def status(self) -> str:
        return "CANCELLED" if self.cancelled else "CONFIRMED"

    @property
    def sequence(self) -> int:
        """Changes recorded after the event first existed."""
        return max(len(self.changes) - 1, 0)

    @property
    def stamp(self) -> dt.datetime:
        """When the latest change was written (UTC)."""
        return max(c.at for c in self.changes)

    def span(self, gt: GroupType | None) -> tuple[int, int]:
        """When the person is away: the meeting, with travel both ways for an off-site group."""
        travel = gt.travel_minutes if gt is not None and gt.offsite else 0
        return self.start - travel, self.end + travel


class LedgerEvents:
    """The rows events are built from, read once in a few queries."""

    def __init__(self, s: Session, pub: Published) -> None:
        self.pub = pub
        self.sessions: dict[int, Any] = {}
        self.by_section: dict[str, list[Any]] = defaultdict(list)
        for row in s.execute(
            select(
                *SESSION_COLUMNS,
                DatedSession.created_at,
                ScheduleVersion.number.label("version"),
                SessionCancellation.created_at.label("cancelled_at"),
            )
            .join(ScheduleVersion, ScheduleVersion.id == DatedSession.schedule_version_id)
            .outerjoin(SessionCancellation, SessionCancellation.session_id == DatedSession.id)
            .order_by(DatedSession.date, DatedSession.start, DatedSession.section)
        ):
            self.sessions[row.id] = row
            if row.kind == "regular":
                self.by_section[row.section].append(row)
        self.closures: dict[dt.date, dt.datetime] = {
            r.date: r.created_at for r in s.execute(select(Closure.date, Closure.created_at))
        }
        self.enrollments: dict[str, list[Any]] = defaultdict(list)
        for enrollment in s.execute(
            select(
                Enrollment.id,
                Enrollment.participant,
                Enrollment.section,
                Enrollment.from_date,
                Enrollment.created_at,
                EnrollmentEnd.to_date,
                EnrollmentEnd.reason.label("end_reason"),
                EnrollmentEnd.created_at.label("ended_at"),
            )
            .outerjoin(EnrollmentEnd, EnrollmentEnd.enrollment_id == Enrollment.id)
            .order_by(Enrollment.id)
        ):
            self.enrollments[enrollment.participant].append(enrollment)
        self.makeups: dict[str, list[Any]] = defaultdict(list)
        self.makeups_into: dict[int, list[Any]] = defaultdict(list)
        for makeup in s.execute(
            select(
                Makeup.id,
                Makeup.participant,
                Makeup.session_id,
                Makeup.created_at,
                MakeupCancellation.created_at.label("cancelled_at"),
            )
            .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
            .order_by(Makeup.id)
        ):
            self.makeups[makeup.participant].append(makeup)
            self.makeups_into[makeup.session_id].append(makeup)

    # -- participants ----------------------------------------------------------------------------

    def participants(self) -> list[str]:
        """Everyone with an enrollment or a makeup in the ledger."""
        return sorted(set(self.enrollments) | set(self.makeups))

    @staticmethod
    def _had(enrollment: Any, session: Any) -> bool:
        """Whether the session was ever on the participant's calendar through this enrollment
        (dated on or after its start, and standing while it covered the date)."""
        if session.date < enrollment.from_date:
            return False
        if enrollment.to_date is None or session.date <= enrollment.to_date:
            return True
        if as_utc(session.created_at) > as_utc(enrollment.ended_at):
            return False  # written after the enrollment ended
        return enrollment.end_reason != f"schedule v{session.version}"

    def participant_events(
        self, pid: str, first: dt.date | None = None, last: dt.date | None = None
    ) -> list[PersonEvent]:
        """The participant's events between ``first`` and ``last`` (default: all), by time."""
        changes: dict[int, list[Change]] = defaultdict(list)
        on: dict[int, bool] = defaultdict(bool)
        booked: set[int] = set()
        for e in self.enrollments.get(pid, []):
            for row in self.by_section.get(e.section, []):
                if not _inside(row.date, first, last) or not self._had(e, row):
                    continue
                changes[row.id].append(Change("enrolled", as_utc(e.created_at)))
                if e.to_date is not None and e.to_date < row.date:
                    changes[row.id].append(Change("unenrolled", as_utc(e.ended_at)))
                else:
                    on[row.id] = True
        for m in self.makeups.get(pid, []):
            row = self.sessions.get(m.session_id)
            if row is None or not _inside(row.date, first, last):
                continue
            booked.add(row.id)
            changes[row.id].append(Change("makeup", as_utc(m.created_at)))
            if m.cancelled_at is not None:
                changes[row.id].append(Change("makeup-cancelled", as_utc(m.cancelled_at)))
            else:
                on[row.id] = True
        return sorted(
            (
                self._event(pid, "participant", self.sessions[sid], found, on[sid], sid in booked)
                for sid, found in changes.items()
            ),
            key=_order,
        )

    # -- staff -----------------------------------------------------------------------------------

    def staff_events(
        self, staff_id: str, first: dt.date | None = None, last: dt.date | None = None
    ) -> list[PersonEvent]:
        """The sessions the staff member leads between ``first`` and ``last``, by time. A makeup
        booked into one (or cancelled) changes it too: the headcount it shows."""
        out = []
        for row in self.sessions.values():
            if staff_id not in row.staff or not _inside(row.date, first, last):
                continue
            found = [Change("led", as_utc(row.created_at))]
            for m in self.makeups_into.get(row.id, []):
                found.append(Change("makeup", as_utc(m.created_at)))
                if m.cancelled_at is not None:
                    found.append(Change("makeup-cancelled", as_utc(m.cancelled_at)))
            out.append(self._event(staff_id, "staff", row, found, True, False))
        return sorted(out, key=_order)

    # -- both ------------------------------------------------------------------------------------

    def _event(
        self,
        person: str,
        role: str,
        row: Any,
        found: Iterable[Change],
        attending: bool,
        makeup: bool,
    ) -> PersonEvent:
        changes = list(found)
        if row.cancelled_at is not None:
            changes.append(Change("cancelled", as_utc(row.cancelled_at)))
        closed_at = self.closures.get(row.date)
        if closed_at is not None:
            changes.append(Change("closed", as_utc(closed_at)))
        changes.sort(key=lambda c: c.at)
        return PersonEvent(
            person=person,
            role=role,
            session_id=row.id,
            section=row.section,
            group_type=row.group_type,
            kind=row.kind,
            date=row.date,
            start=row.start,
            end=row.end,
            room=row.room,
            vehicle=row.vehicle,
            staff=tuple(row.staff),
            makeup=makeup,
            session_cancelled=row.cancelled_at is not None or closed_at is not None,
            attending=attending,
            changes=tuple(changes),
            makeups_in=sum(1 for m in self.makeups_into.get(row.id, []) if m.cancelled_at is None)
            if role == "staff"
            else 0,
        )


def _order(event: PersonEvent) -> tuple[dt.date, int, str, int]:
    return (event.date, event.start, event.section, event.session_id)


def _inside(day: dt.date, first: dt.date | None, last: dt.date | None) -> bool:
    return (first is None or day >= first) and (last is None or day <= last)
