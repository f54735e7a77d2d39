"""iCalendar feeds from the ledger: one per participant, one per staff member.

Each feed has one VEVENT per dated session the person is (or was) on (:mod:`logistics.events`):
``UID`` ``session-<session id>-<person>@otgroups``, stable across exports; ``SEQUENCE`` the number
of changes the ledger recorded for it; ``STATUS:CANCELLED`` when the session was cancelled, its
date closed, or the person is no longer on it (the event stays, so a subscribed calendar strikes
it out); ``DTSTAMP`` when its latest change was written, so an unchanged ledger exports the same
bytes. Times are the clinic's local time with its VTIMEZONE. An off-site session runs from the
van's departure to its return (start − travel to end + travel): that is when the person is away.

Participants' summaries carry the group's public name only (:class:`logistics.privacy.Privacy`),
"(makeup)" for a makeup; nothing about tracks, diagnoses or other participants. Staff summaries
add the section id.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from ledger.state import Published
from logistics.config import Logistics
from logistics.events import LedgerEvents, PersonEvent
from logistics.privacy import Privacy
from models import format_time
from models.files import write_bytes_atomically
from models.term import GroupType

PRODID = "-//otgroups//logistics calendars//EN"
DOMAIN = "otgroups"


class UnknownPersonError(LookupError):
    """No such participant or staff member in the published term."""


class UnknownSectionError(LookupError):
    """No such section in the published schedule."""


def local(pub: Published, day: dt.date, minutes: int) -> dt.datetime:
    """``minutes`` past midnight of ``day`` in the clinic's time zone."""
    tz = ZoneInfo(pub.term.clinic.timezone)
    midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
    wall = midnight.replace(tzinfo=None) + dt.timedelta(minutes=minutes)
    return wall.replace(tzinfo=tz)


class Feeds:
    """Builds the feeds of one published term from the ledger rows."""

    def __init__(self, s: Session, pub: Published, logistics: Logistics | None = None) -> None:
        self.pub = pub
        self.logistics = logistics or Logistics()
        self.privacy = Privacy(pub.term, self.logistics)
        self.events = LedgerEvents(s, pub)

    def place(self, event: PersonEvent) -> str:
        """The room's name, or ``off site: <group> (<vehicle>)``."""
        term = self.pub.term
        if event.room is not None:
            try:
                return term.room(event.room).name or event.room
            except KeyError:
                return event.room
        if event.vehicle is not None:
            try:
                vehicle = term.vehicle(event.vehicle).name or f"van {event.vehicle}"
            except KeyError:
                vehicle = f"van {event.vehicle}"
            return f"off site: {self.privacy.group_name(event.group_type)} ({vehicle})"
        return ""

    def _gt(self, type_id: str) -> GroupType | None:
        try:
            return self.pub.term.group_type(type_id)
        except KeyError:
            return None

    def participant(self, pid: str) -> Calendar:
        try:
            self.pub.term.participant(pid)
        except KeyError:
            if pid not in self.events.participants():
                raise UnknownPersonError(f"no participant {pid} in the published term") from None
        name = f"{self.pub.term.clinic.name}: my groups"
        return self._calendar(f"participant-{pid}", name, self.events.participant_events(pid))

    def staff(self, staff_id: str) -> Calendar:
        try:
            self.pub.term.staff_member(staff_id)
        except KeyError:
            raise UnknownPersonError(f"no staff member {staff_id} in the published term") from None
        name = f"{self.pub.term.clinic.name}: sessions I lead"
        return self._calendar(f"staff-{staff_id}", name, self.events.staff_events(staff_id))

    def section(self, section_id: str) -> Calendar:
        """A section's dated sessions, as the staff who lead it see them."""
        found = next((s for s in self.pub.schedule.sections if s.id == section_id), None)
        if found is None:
            raise UnknownSectionError(f"no section {section_id} in the published schedule")
        events = [
            e
            for lead in found.staff[:1]
            for e in self.events.staff_events(lead)
            if e.section == section_id
        ]
        name = f"{self.pub.term.clinic.name}: {section_id}"
        return self._calendar(f"section-{section_id}", name, events)

    def _calendar(self, key: str, name: str, events: list[PersonEvent]) -> Calendar:
        term = self.pub.term
        cal = Calendar.new(prodid=PRODID, name=name, uid=f"feed-{key}@{DOMAIN}", method="PUBLISH")
        cal.add("X-WR-TIMEZONE", term.clinic.timezone)
        for event in events:
            cal.add_component(self.vevent(event))
        cal.add_missing_timezones(
            first_date=term.term.start - dt.timedelta(days=7),
            last_date=term.term.end + dt.timedelta(days=7),
        )
        return cal

    def vevent(self, event: PersonEvent) -> Event:
        gt = self._gt(event.group_type)
        start, end = event.span(gt)
        group = self.privacy.group_name(event.group_type)
        if event.role == "staff":
            summary = f"{group} · {event.section}"
        else:
            summary = f"{group} (makeup)" if event.makeup else group
        if event.cancelled:
            summary = f"Cancelled: {summary}"
        return Event.new(
            uid=f"{event.uid}@{DOMAIN}",
            summary=summary,
            start=local(self.pub, event.date, start),
            end=local(self.pub, event.date, end),
            stamp=event.stamp,
            sequence=event.sequence,
            status=event.status,  # type: ignore[arg-type]
            location=self.place(event),
            description=self.description(event),
        )

    def description(self, event: PersonEvent) -> str:
        gt = self._gt(event.group_type)
        extra = self.logistics.group(event.group_type)
        lines = []
        if event.session_cancelled:
            lines.append("This session is cancelled.")
        elif not event.attending:
            lines.append("You are no longer booked into this session.")
        if event.makeup:
            lines.append("A makeup session.")
        if event.role == "staff" and event.kind == "extra":
            lines.append(f"Extra meeting of {event.section}.")
        times = f"{format_time(event.start)}-{format_time(event.end)}"
        if gt is not None and gt.offsite:
            begin, finish = event.span(gt)
            meet = extra.meeting_point or self.logistics.meeting_point
            lines.append(
                f"The van leaves {meet} at {format_time(begin)} and is back by "
                f"{format_time(finish)}; the activity runs {times}."
            )
            if extra.partner:
                lines.append(
                    f"Visiting {extra.partner}" + (f", {extra.address}." if extra.address else ".")
                )
        else:
            lines.append(f"{times} in {self.place(event)}.")
        if event.role == "staff":
            others = [s for s in event.staff if s != event.person]
            if others:
                lines.append(f"With {', '.join(others)}.")
            if event.makeups_in:
                lines.append(f"Makeups booked in: {event.makeups_in}.")
        elif extra.bring and not event.cancelled:
            lines.append(f"Please bring: {', '.join(extra.bring)}.")
        return "\n".join(lines)


def participant_feed(
    s: Session, pub: Published, pid: str, logistics: Logistics | None = None
) -> Calendar:
    return Feeds(s, pub, logistics).participant(pid)


def staff_feed(
    s: Session, pub: Published, staff_id: str, logistics: Logistics | None = None
) -> Calendar:
    return Feeds(s, pub, logistics).staff(staff_id)


def write_feed(calendar: Calendar, path: Path) -> int:
    """Write the feed; the number of events in it."""
    data = calendar.to_ical()
    write_bytes_atomically(path, data)
    return len(calendar.events)
