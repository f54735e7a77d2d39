"""Booking and cancelling makeups: one write transaction each, re-checked against the ledger
as it stands then; several (a closed day's) at once with :func:`book_all_in`."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.makeups.clock import after_missed
from ledger.makeups.options import (
    BatchRefused,
    Booking,
    BookingRefused,
    MakeupError,
    MakeupOption,
    MakeupRequest,
    Run,
    UnknownMakeupError,
    extra_identity,
)
from ledger.makeups.planner import (
    MakeupPlanner,
    extra_section_id,
    find_section,
    full_reason,
    week_load,
    with_rider,
)
from ledger.schema import DatedSession, Makeup, MakeupCancellation, SessionCancellation
from ledger.state import Days
from ledger.store import Ledger
from models import format_time
from models.dated import monday_of, weekday
from models.schedule import Meeting, Schedule, Section
from models.term import GroupType, Term
from models.validation import Violation, validate_day

PAUSE_ENV = "OTGROUPS_TEST_BOOK_PAUSE"
"""Test hook: seconds :func:`book` waits inside its transaction after writing its rows (the
interrupted-write test kills the process there). Unset in normal use."""


def book(
    ledger: Ledger,
    participant: str,
    missed_session_id: int,
    option: MakeupOption,
    booked_by: str = "",
) -> Makeup:
    """Book ``option`` for the participant's missed session, atomically: the option is
    re-checked against the ledger as it is once the locks are held, and either the makeup (and
    an extra meeting's dated session) is committed or :class:`BookingRefused` is raised and
    nothing is written."""
    with ledger.write() as s:
        makeup = book_in(ledger, s, participant, missed_session_id, option, booked_by, fresh=True)
        _test_pause()
        return makeup


def _test_pause() -> None:
    pause = os.environ.get(PAUSE_ENV)
    if pause:
        print("booking paused inside its transaction", file=sys.stderr, flush=True)
        time.sleep(float(pause))


def book_in(
    ledger: Ledger,
    s: Session,
    participant: str,
    missed_session_id: int,
    option: MakeupOption,
    booked_by: str = "",
    fresh: bool = False,
) -> Makeup:
    """:func:`book` inside the caller's write transaction (flushed, not committed). A caller
    booking several makeups takes their locks in the same order: participants (sorted), then
    weeks, then dates. ``fresh``: the transaction has written nothing yet, so the dates it reads
    are the committed ones and may come from (and go to) the shared cache
    (:func:`ledger.state.days_cached`) once the locks are held."""
    ledger.lock(s, f"participant:{participant}")
    if option.extra:
        ledger.lock(s, f"week:{monday_of(option.date)}")
    ledger.lock(s, f"date:{option.date}")
    planner = MakeupPlanner(s, cached=fresh)
    try:
        request = planner.request(participant, missed_session_id)
    except MakeupError as exc:
        raise BookingRefused(str(exc)) from None
    gt = request.group_type
    day = option.date
    where = f"{option.section} on {day}"
    span = planner.term.term
    if not span.start <= day <= span.end:
        raise BookingRefused(f"{where} is outside the term ({span.start} to {span.end})")
    if option.group_type != gt.id:
        raise BookingRefused(
            f"{where} is {option.group_type}, but {request.missed.label()} is {gt.id}"
        )
    if not after_missed(request.missed, day, option.start):
        raise BookingRefused(f"{where} is not after {request.missed.label()}")
    if option.extra:  # the week, for the staff's weekly loads
        days = planner.days(monday_of(day), monday_of(day) + dt.timedelta(days=6))
    else:
        days = planner.days(day, day)
    if day in days.closed:
        raise BookingRefused(f"{day} is a closure day")
    view = days.schedule(day)
    if option.extra:
        return _book_extra(planner, days, request, option, view, booked_by)
    row, section = _standing_place(planner.term, gt, days, days.by_id, view, option, participant)
    run, found = planner.fit(request, day, view, section, prefer=option.ride, full=False)
    if found:
        raise BookingRefused(f"cannot book {participant} into {where}: {found[0].message}")
    return _insert_makeup(s, request, row.id, run, booked_by)


def _standing_place(
    term: Term,
    gt: GroupType,
    days: Days,
    rows: Mapping[int, Any],
    view: Schedule,
    option: MakeupOption,
    participant: str,
) -> tuple[Any, Section]:
    """The dated session (from ``rows``) and the section of a regular option as ``view`` has
    them; :class:`BookingRefused` unless it is a standing session of that date with a place
    left (offers' holds counted) that the participant is not already on."""
    day = option.date
    where = f"{option.section} on {day}"
    row = rows.get(option.session_id) if option.session_id is not None else None
    if row is None or row.date != day or row.section != option.section:
        raise BookingRefused(f"session {option.session_id} is not {where}")
    if row.cancellation_id is not None:
        raise BookingRefused(f"session {row.id} ({where}) was cancelled")
    section = find_section(view, row.section)
    if section is None:
        raise BookingRefused(f"session {row.id} ({where}) does not meet that date")
    if participant in section.participants:
        raise BookingRefused(f"{participant} is already on the roster of {where}")
    seats = term.seats(gt, row.room, row.vehicle)
    held = days.held(row.section, day) if row.kind == "regular" else 0
    if len(section.participants) + held >= seats:
        raise BookingRefused(
            f"session {where} is {full_reason(len(section.participants), held, seats)}"
        )
    return row, section


def _book_extra(
    planner: MakeupPlanner,
    days: Days,
    request: MakeupRequest,
    option: MakeupOption,
    view: Schedule,
    booked_by: str,
) -> Makeup:
    term = planner.term
    gt = request.group_type
    pid = request.participant.id
    day = option.date
    meeting = Meeting(day=weekday(day), start=option.start, end=option.end)
    where = f"extra meeting of {gt.id} on {day} {format_time(option.start)}"
    if option.end != option.start + gt.duration_minutes:
        raise BookingRefused(f"{where} does not last {gt.duration_minutes} minutes")
    if weekday(day) not in term.calendar.days:
        raise BookingRefused(f"{day} is not a clinic day")
    week = week_load(days, day)
    for staff_id in option.staff:
        member = next((st for st in term.staff if st.id == staff_id), None)
        if member is not None and week.get(staff_id, 0) >= member.max_sessions_per_week:
            raise BookingRefused(
                f"cannot book {where}: staff member {staff_id} already leads "
                f"{week.get(staff_id, 0)} sessions that week (max {member.max_sessions_per_week})"
            )
    section = Section(
        id=extra_section_id(days, gt.id, day),
        group_type=gt.id,
        meetings=[meeting],
        room=option.room,
        vehicle=option.vehicle,
        staff=list(option.staff),
        participants=[pid],
    )
    run, found = planner.fit(
        request, day, view, section, extra=True, prefer=option.ride, full=False
    )
    if found:
        raise BookingRefused(f"cannot book {where}: {found[0].message}")
    session = _insert_extra_session(planner, section, day)
    return _insert_makeup(planner.s, request, session.id, run, booked_by)


def _insert_extra_session(planner: MakeupPlanner, section: Section, day: dt.date) -> DatedSession:
    """The dated session of an extra meeting (``section`` holds its one meeting), flushed."""
    session = DatedSession.meeting(
        section, section.meetings[0], day, "extra", planner.pub.version.id
    )
    planner.s.add(session)
    planner.s.flush()
    return session


def _insert_makeup(
    s: Session, request: MakeupRequest, session_id: int, run: Run | None, booked_by: str
) -> Makeup:
    makeup = Makeup(
        participant=request.participant.id,
        group_type=request.group_type.id,
        missed_session_id=request.missed.session_id,
        session_id=session_id,
        booked_by=booked_by,
        ride_vehicle=run.vehicle if run else None,
        ride_arrive=run.arrive if run else None,
        ride_depart=run.depart if run else None,
    )
    s.add(makeup)
    s.flush()
    return makeup


def book_all_in(
    ledger: Ledger, s: Session, bookings: Sequence[Booking], booked_by: str = ""
) -> list[Makeup]:
    """Several makeups in the caller's write transaction (a closed day's), in order.

    Locks are taken first, in the documented order: participants (sorted), weeks of extra
    meetings, dates. Each booking is re-checked as :func:`book_in` does — the request, the
    session, its seats less open offers' holds, an extra meeting's length, day and staff weekly
    loads, and every rule the participant's joining (or the new meeting) can touch — against
    the state *including the bookings before it*; later bookings proposed the same extra meeting
    (:func:`extra_identity`) join the one the first created. Finally every date touched is
    validated whole once (``validate_day`` before and after). A refusal raises
    :class:`BatchRefused` naming the booking; rows of earlier bookings are flushed, so the
    caller rolls back (a savepoint, or the transaction)."""
    if not bookings:
        return []
    for pid in sorted({b.participant for b in bookings}):
        ledger.lock(s, f"participant:{pid}")
    for monday in sorted({monday_of(b.option.date) for b in bookings if b.option.extra}):
        ledger.lock(s, f"week:{monday}")
    dates = sorted({b.option.date for b in bookings})
    for day in dates:
        ledger.lock(s, f"date:{day}")
    planner = MakeupPlanner(s)
    term = planner.term
    batch = _Batch(
        planner, Days(s, planner.pub, monday_of(dates[0]), monday_of(dates[-1]) + dt.timedelta(6))
    )
    made: list[Makeup] = []
    for index, b in enumerate(bookings):
        option = b.option
        ident = extra_identity(option) if option.extra else ""
        if option.extra and ident in batch.joined:
            session_id, section_id = batch.joined[ident]
            option = replace(
                option, extra=False, session_id=session_id, section=section_id, kind="extra"
            )
        try:
            if option.extra:
                makeup = batch.book_extra(b, option, booked_by)
                batch.joined[ident] = (makeup.session_id, batch.rows[makeup.session_id].section)
            else:
                makeup = batch.book_regular(b, option, booked_by)
        except BookingRefused as exc:
            raise BatchRefused(str(exc), index) from None
        made.append(makeup)
    final = Days(s, planner.pub, dates[0], dates[-1])
    for day in dates:
        new = [v for v in validate_day(term, final.schedule(day)) if v not in batch.before[day]]
        if new:
            v = new[0]
            blamed = [
                i
                for i, b in enumerate(bookings)
                if b.option.date == day
                and v.subject in (b.participant, b.option.section, b.option.room, b.option.vehicle)
            ] or [i for i, b in enumerate(bookings) if b.option.date == day]
            raise BatchRefused(
                f"the makeups booked into {day} together break {v.rule}: {v.message}", blamed[-1]
            )
    return made


class _Batch:
    """The dates of a batch as its bookings leave them: each date's view (with the batch's
    earlier makeups and extra meetings), its violations before the batch, the extra meetings
    created (rows, ids, staff weekly loads)."""

    def __init__(self, planner: MakeupPlanner, days: Days) -> None:
        self.planner = planner
        self.days = days
        self.views: dict[dt.date, Schedule] = {}
        self.before: dict[dt.date, frozenset[Violation]] = {}
        self.rows: dict[int, Any] = dict(days.by_id)
        self.joined: dict[str, tuple[int, str]] = {}
        self.new_ids: dict[dt.date, list[str]] = {}
        self.new_load: dict[tuple[str, dt.date], int] = {}

    def view(self, day: dt.date) -> Schedule:
        if day not in self.views:
            self.views[day] = self.days.schedule(day)
            self.before[day] = frozenset(validate_day(self.planner.term, self.views[day]))
        return self.views[day]

    def request(self, booking: Booking, option: MakeupOption) -> MakeupRequest:
        try:
            request = self.planner.request(booking.participant, booking.missed_session_id)
        except MakeupError as exc:
            raise BookingRefused(str(exc)) from None
        gt = request.group_type
        where = f"{option.section} on {option.date}"
        if option.group_type != gt.id:
            raise BookingRefused(
                f"{where} is {option.group_type}, but {request.missed.label()} is {gt.id}"
            )
        if not after_missed(request.missed, option.date, option.start):
            raise BookingRefused(f"{where} is not after {request.missed.label()}")
        if option.date in self.days.closed:
            raise BookingRefused(f"{option.date} is a closure day")
        return request

    def book_regular(self, booking: Booking, option: MakeupOption, booked_by: str) -> Makeup:
        request = self.request(booking, option)
        participant, day = booking.participant, option.date
        view = self.view(day)
        where = f"{option.section} on {day}"
        row, section = _standing_place(
            self.planner.term, request.group_type, self.days, self.rows, view, option, participant
        )
        run, found = self.planner.fit(
            request, day, view, section, prefer=option.ride, full=False, memo=False
        )
        if found:
            raise BookingRefused(f"cannot book {participant} into {where}: {found[0].message}")
        makeup = _insert_makeup(self.planner.s, request, row.id, run, booked_by)
        sections = [
            sec.model_copy(update={"participants": [*sec.participants, participant]})
            if sec.id == section.id
            else sec
            for sec in view.sections
        ]
        rides = with_rider(view, weekday(day), participant, run)
        self.views[day] = view.model_copy(update={"sections": sections, "transport": rides})
        return makeup

    def book_extra(self, booking: Booking, option: MakeupOption, booked_by: str) -> Makeup:
        """:func:`_book_extra` against the batch's view of the date."""
        request = self.request(booking, option)
        planner, term, gt = self.planner, self.planner.term, request.group_type
        day = option.date
        view = self.view(day)
        meeting = Meeting(day=weekday(day), start=option.start, end=option.end)
        where = f"extra meeting of {gt.id} on {day} {format_time(option.start)}"
        if option.end != option.start + gt.duration_minutes:
            raise BookingRefused(f"{where} does not last {gt.duration_minutes} minutes")
        if weekday(day) not in term.calendar.days:
            raise BookingRefused(f"{day} is not a clinic day")
        week = week_load(self.days, day)
        for staff_id in option.staff:
            member = next((st for st in term.staff if st.id == staff_id), None)
            load = week.get(staff_id, 0) + self.new_load.get((staff_id, monday_of(day)), 0)
            if member is not None and load >= member.max_sessions_per_week:
                raise BookingRefused(
                    f"cannot book {where}: staff member {staff_id} already leads {load} "
                    f"sessions that week (max {member.max_sessions_per_week})"
                )
        taken = self.new_ids.setdefault(day, [])
        prefix = f"{gt.id}-extra-{day.isoformat()}-"
        highest = int(extra_section_id(self.days, gt.id, day)[len(prefix) :]) - 1  # rows before
        highest = max([highest, *(int(n[len(prefix) :]) for n in taken if n.startswith(prefix))])
        section_id = f"{prefix}{highest + 1}"
        section = Section(
            id=section_id,
            group_type=gt.id,
            meetings=[meeting],
            room=option.room,
            vehicle=option.vehicle,
            staff=list(option.staff),
            participants=[request.participant.id],
        )
        run, found = planner.fit(
            request, day, view, section, extra=True, prefer=option.ride, full=False, memo=False
        )
        if found:
            raise BookingRefused(f"cannot book {where}: {found[0].message}")
        session = _insert_extra_session(planner, section, day)
        taken.append(section_id)
        for staff_id in option.staff:
            key = (staff_id, monday_of(day))
            self.new_load[key] = self.new_load.get(key, 0) + 1
        self.rows[session.id] = SimpleNamespace(
            id=session.id,
            date=day,
            section=section_id,
            kind="extra",
            room=section.room,
            vehicle=section.vehicle,
            cancellation_id=None,
        )
        makeup = _insert_makeup(planner.s, request, session.id, run, booked_by)
        rides = with_rider(view, weekday(day), request.participant.id, run)
        self.views[day] = view.model_copy(
            update={"sections": [*view.sections, section], "transport": rides}
        )
        return makeup


def cancel_makeup(ledger: Ledger, makeup_id: int, reason: str = "") -> MakeupCancellation:
    """Cancel a standing makeup (a new row; the booking stays on record). An extra meeting left
    with no one booked into it is cancelled too, freeing its room and staff."""
    with ledger.write() as s:
        return cancel_makeup_in(ledger, s, makeup_id, reason)


def cancel_makeup_in(
    ledger: Ledger, s: Session, makeup_id: int, reason: str = ""
) -> MakeupCancellation:
    """:func:`cancel_makeup` inside the caller's write transaction."""
    makeup = s.get(Makeup, makeup_id)
    if makeup is None:
        raise UnknownMakeupError(f"no makeup {makeup_id} in the ledger")
    target = s.get(DatedSession, makeup.session_id)
    assert target is not None
    ledger.lock(s, f"participant:{makeup.participant}")
    ledger.lock(s, f"date:{target.date}")
    if s.scalar(select(MakeupCancellation.id).where(MakeupCancellation.makeup_id == makeup_id)):
        raise MakeupError(f"makeup {makeup_id} is already cancelled")
    row = MakeupCancellation(makeup_id=makeup_id, reason=reason)
    s.add(row)
    s.flush()
    if target.kind == "extra":
        left = s.scalar(
            select(Makeup.id)
            .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
            .where(Makeup.session_id == target.id, MakeupCancellation.id.is_(None))
            .limit(1)
        )
        cancelled = s.scalar(
            select(SessionCancellation.id).where(SessionCancellation.session_id == target.id)
        )
        if left is None and cancelled is None:
            s.add(
                SessionCancellation(
                    session_id=target.id, reason=f"no one left after makeup {makeup_id}"
                )
            )
            s.flush()
    return row


def as_booked(s: Session, option: MakeupOption, makeup_id: int | None) -> MakeupOption:
    """The option as booked: an extra meeting's section id and session once it exists."""
    if makeup_id is None:
        return option
    makeup = s.get(Makeup, makeup_id)
    target = s.get(DatedSession, makeup.session_id) if makeup is not None else None
    if target is None:
        return option
    return replace(option, section=target.section, session_id=target.id)


def booked_option(ledger: Ledger, option: MakeupOption, makeup_id: int) -> MakeupOption:
    """:func:`as_booked` read from the ledger: what to tell the person who booked ``option``."""
    with ledger.read() as s:
        return as_booked(s, option, makeup_id)
