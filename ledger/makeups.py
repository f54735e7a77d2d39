"""Makeups (contract section 3): where a participant can make up a missed session, and booking.

**Options.** For a missed dated session, the candidates are the standing dated sessions of the
same group type after it and within ``within_days``, not on a closure day, not in the past, and
not the participant's own (already on the roster that date). A candidate is an option when every
hard rule still holds on that date with the participant added to its roster: the date's
:func:`~ledger.state.day_schedule` (enrolled members, makeups already booked, extra meetings and
rides) is checked with :func:`models.validation.validate_day` before and after the participant is
added, and the option stands when adding them breaks nothing new. A ``van`` rider who does not
come in that date also needs a run of that day covering their day (travel included) with a free
seat (and wheelchair seat); the first run that keeps every rule is recorded with the option.

Adding one person to one section can only change H1 (that section's seats, room capacity,
vehicle seats), H7 (that person's sections that day), H8-H10 (that section's company) and H11
(that person's run and its seats); adding an extra section also H3-H6 for it and for the
sections sharing its room, vehicle or staff that date. The search therefore validates just the
sections those rules read — the candidate section, the person's other sections that date, those
sharing the extra section's room, vehicle or staff, and every ride of the date — before and
after (``full=False``, fast), and so does booking, inside its write transaction: the whole
date (``full=True``) costs ten times as much and holds every other writer back meanwhile. A
test checks the two agree on every option of a demo date, and the term replay validates every
date whole after every booking.

Options are ranked sooner first (date), then days the participant already comes in (no extra van
trip), then the missed session's facilitator, then start time. Since coming in is a property of
the date, the second key only separates options once the first is coarser than a date.

**Extra meeting.** When no dated session fits, one extra meeting is proposed: the first clinic
day in the window (not a closure, not past) and start on the slot grid where one meeting of the
type fits (opening hours, the type's windows) and the participant is free and available, in a
free room with the type's features (not blocked, not used then) or, off site, a free vehicle,
led by qualified staff free then and under their daily and weekly loads — checked with
``validate_day`` on the date plus the extra section holding only the participant.

**Booking** (:func:`book`) is one write transaction: it locks the participant, the week (extra
meetings) and the date (:meth:`ledger.store.Ledger.lock`, in that order; SQLite writers are
serialised already), re-checks the option against the state at that moment, and inserts the
:class:`~ledger.schema.Makeup` (and the extra :class:`~ledger.schema.DatedSession`). Any failure
raises :class:`BookingRefused` and writes nothing. :func:`book_in` does the same inside a
caller's transaction; :func:`book_all_in` books several (a closed day's) in one transaction,
each re-checked against the state including the ones before it and every date touched validated
whole once at the end.

**Offers hold places.** A place offered to a waiting request (:mod:`ledger.waitlists`) is taken
until the offer is answered: seats left count the section's open offers from their date on, in
the search and when booking (``full (5 of 6, 1 held by an open offer)``).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.attendance import current_mark, on_roster
from ledger.schema import DatedSession, Makeup, MakeupCancellation, SessionCancellation
from ledger.state import Days, Published, RefusedError, days_cached, published_cached
from ledger.store import Ledger
from models import format_time, parse_time
from models.common import DAY_NAMES
from models.dated import weekday
from models.schedule import Meeting, Ride, Schedule, Section
from models.term import GroupType, Participant, Term
from models.validation import Violation, join_violations, schedule_index, validate_day
from models.validation.spans import Span, busy_span, inside_one
from optimizer.patterns import candidate_patterns

PAUSE_ENV = "OTGROUPS_TEST_BOOK_PAUSE"
"""Test hook: seconds :func:`book` waits inside its transaction after writing its rows (the
interrupted-write test kills the process there). Unset in normal use."""


class MakeupError(RefusedError):
    """A makeup question or booking the ledger will not answer or make (the message says why)."""


class UnknownMakeupError(MakeupError, LookupError):
    """The session, participant or makeup named is not in the ledger."""


class BookingRefused(MakeupError):  # noqa: N818 - the name the issue gives it
    """A booking that would break a rule or no longer fits; nothing was written."""


@dataclass(frozen=True)
class Run:
    """A van run of one day: the vehicle, when it brings riders and when it takes them home."""

    vehicle: str
    arrive: int
    depart: int

    def label(self) -> str:
        return f"{self.vehicle} {format_time(self.arrive)}-{format_time(self.depart)}"


@dataclass(frozen=True)
class MakeupOption:
    """One place a missed session can be made up: a dated session (``session_id``) or, with
    ``extra``, a proposed one-off meeting that booking creates."""

    section: str
    group_type: str
    date: dt.date
    start: int
    end: int
    room: str | None
    vehicle: str | None
    staff: tuple[str, ...]
    seats_left: int
    """min(max_size, room capacity or vehicle seats less staff) less the roster that date."""
    session_id: int | None = None
    extra: bool = False
    """A proposed extra meeting: no dated session exists until it is booked."""
    kind: str = "regular"
    """The dated session's kind: ``regular``, or ``extra`` (an extra meeting booked before)."""
    ride: Run | None = None
    """The van run a rider takes that date (riders who do not come in that date otherwise)."""
    comes_in: bool = False
    """The participant already comes in that date."""
    same_facilitator: bool = False
    """Led by (one of) the missed session's staff."""

    @property
    def key(self) -> str:
        """A stable identity: ``session:<id>``, or ``extra:<type>:<date>:<start>`` proposed."""
        if self.session_id is not None:
            return f"session:{self.session_id}"
        return f"extra:{self.group_type}:{self.date}:{format_time(self.start)}"

    def label(self, seats: bool = True) -> str:
        where = self.room or self.vehicle or "-"
        what = "extra meeting " if self.extra else ""
        left = f", {self.seats_left} seat(s) left" if seats else ""
        ride = f", van {self.ride.label()}" if self.ride else ""
        return (
            f"{what}{self.section} {DAY_NAMES[weekday(self.date)]} {self.date} "
            f"{format_time(self.start)}-{format_time(self.end)} in {where} with "
            f"{', '.join(self.staff)}{left}{ride}"
        )

    def to_json(self) -> dict[str, Any]:
        """The contract's option ``{section, date, start, end, room, seats_left}`` and the
        otgroups extension fields."""
        return {
            "section": self.section,
            "date": self.date.isoformat(),
            "start": format_time(self.start),
            "end": format_time(self.end),
            "room": self.room,
            "seats_left": self.seats_left,
            "group_type": self.group_type,
            "vehicle": self.vehicle,
            "staff": list(self.staff),
            "session_id": self.session_id,
            "extra": self.extra,
            "kind": self.kind,
            "ride": None
            if self.ride is None
            else {
                "vehicle": self.ride.vehicle,
                "arrive": format_time(self.ride.arrive),
                "depart": format_time(self.ride.depart),
            },
            "comes_in": self.comes_in,
            "same_facilitator": self.same_facilitator,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> MakeupOption:
        ride = doc.get("ride")
        return cls(
            section=doc["section"],
            group_type=doc["group_type"],
            date=dt.date.fromisoformat(doc["date"]),
            start=parse_time(doc["start"]),
            end=parse_time(doc["end"]),
            room=doc.get("room"),
            vehicle=doc.get("vehicle"),
            staff=tuple(doc.get("staff", ())),
            seats_left=int(doc.get("seats_left", 0)),
            session_id=doc.get("session_id"),
            extra=bool(doc.get("extra", False)),
            kind=doc.get("kind", "regular"),
            ride=None
            if not ride
            else Run(ride["vehicle"], parse_time(ride["arrive"]), parse_time(ride["depart"])),
            comes_in=bool(doc.get("comes_in", False)),
            same_facilitator=bool(doc.get("same_facilitator", False)),
        )


@dataclass(frozen=True)
class MissedRef:
    """The missed dated session, as read when the request was checked."""

    session_id: int
    section: str
    group_type: str
    date: dt.date
    start: int
    end: int
    room: str | None
    staff: tuple[str, ...]
    cancelled: bool

    @classmethod
    def of(cls, row: Any, cancelled: bool) -> MissedRef:
        """From a dated-session row (a ``DatedSession`` or a row selecting its columns)."""
        return cls(
            row.id,
            row.section,
            row.group_type,
            row.date,
            row.start,
            row.end,
            row.room,
            tuple(row.staff),
            cancelled,
        )

    def label(self) -> str:
        return (
            f"session {self.session_id} ({self.section} {self.date} "
            f"{format_time(self.start)}-{format_time(self.end)})"
        )


@dataclass(frozen=True)
class MakeupRequest:
    """A checked makeup request: the participant, the session they missed and its type."""

    participant: Participant
    missed: MissedRef
    group_type: GroupType


@dataclass
class Search:
    """The answer to a makeup request: options best first, and why other candidates are not."""

    request: MakeupRequest
    options: list[MakeupOption]
    rejected: list[tuple[str, str]] = field(default_factory=list)
    """(candidate, first reason) for dated sessions of the type in the window that do not fit,
    and the reason no extra meeting could be proposed when that was tried."""


def clinic_now(term: Term) -> dt.datetime:
    """The clinic's local wall-clock time (naive)."""
    return dt.datetime.now(ZoneInfo(term.clinic.timezone)).replace(tzinfo=None)


def _local(term: Term, now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return clinic_now(term)
    if now.tzinfo is not None:
        return now.astimezone(ZoneInfo(term.clinic.timezone)).replace(tzinfo=None)
    return now


def _minutes(moment: dt.datetime) -> int:
    return moment.hour * 60 + moment.minute


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _seats(term: Term, gt: GroupType, room: str | None, vehicle: str | None) -> int:
    """How many participants one meeting holds: max_size, room capacity, vehicle seats."""
    cap = gt.max_size
    if gt.offsite and vehicle is not None:
        cap = min(cap, term.vehicle(vehicle).seats - gt.staff.count)
    elif not gt.offsite and room is not None:
        cap = min(cap, term.room(room).capacity)
    return cap


def _with_rider(day: Schedule, name: str, pid: str, run: Run | None) -> list[Ride]:
    """The date's rides, with the participant added to ``run`` (a new entry if none yet);
    ``name`` is the date's weekday."""
    if run is None:
        return list(day.transport)
    rides, placed = [], False
    for ride in day.transport:
        if not placed and (ride.vehicle, ride.arrive, ride.depart) == (
            run.vehicle,
            run.arrive,
            run.depart,
        ):
            ride = ride.model_copy(update={"participants": [*ride.participants, pid]})
            placed = True
        rides.append(ride)
    if not placed:
        rides.append(
            Ride(
                vehicle=run.vehicle,
                day=name,
                arrive=run.arrive,
                depart=run.depart,
                participants=[pid],
            )
        )
    return rides


class MakeupPlanner:
    """Answers makeup requests against one transaction's view of the ledger.

    Day schedules are read once per date (:class:`ledger.state.Days`) and reused across
    requests, so a caller with many requests (a closed day's) builds one planner. The planner
    does not see changes made after it read a date: build a new one to check a booking.
    With ``cached`` (a read transaction, or a write transaction that has written nothing yet)
    the dates are shared with earlier planners while the ledger is unchanged
    (:func:`ledger.state.days_cached`).
    """

    def __init__(
        self, session: Session, pub: Published | None = None, cached: bool = False
    ) -> None:
        self.s = session
        self.pub = pub or published_cached(session)
        self.term = self.pub.term
        self.cached = cached
        self.people = {p.id: p for p in self.term.participants}
        self.types = {gt.id: gt for gt in self.term.group_types}
        self._days: Days | None = None

    # -- reading -----------------------------------------------------------------------------

    def days(self, first: dt.date, last: dt.date) -> Days:
        """The ledger's dated state over at least ``first``-``last`` (read once, widened when a
        later question needs more dates)."""
        have = self._days
        if have is not None and have.first <= first and last <= have.last:
            return have
        if have is not None:
            first, last = min(first, have.first), max(last, have.last)
        if self.cached:
            self._days = days_cached(self.s, self.pub, first, last)
        else:
            self._days = Days(self.s, self.pub, first, last)
        return self._days

    def request(self, participant: str, missed_session_id: int) -> MakeupRequest:
        """Check a request: the session exists, the participant was on its roster that date and
        did not attend it, and has no standing makeup for it yet (:class:`MakeupError`)."""
        row = self.s.get(DatedSession, missed_session_id)
        if row is None:
            raise UnknownMakeupError(f"no session {missed_session_id} in the ledger")
        person = self.people.get(participant)
        if person is None:
            raise UnknownMakeupError(f"{participant} is not a participant of the published term")
        gt = self.types.get(row.group_type)
        if gt is None:
            raise MakeupError(
                f"session {row.id} has group type {row.group_type}, which the term lacks"
            )
        cancelled = (
            self.s.scalar(
                select(SessionCancellation.id).where(SessionCancellation.session_id == row.id)
            )
            is not None
        )
        missed = MissedRef.of(row, cancelled)
        if not on_roster(self.s, row, participant):
            raise MakeupError(
                f"{participant} was not on the roster of {missed.label()}: nothing to make up"
            )
        mark = current_mark(self.s, row.id, participant)
        if mark is not None and mark.status in ("present", "late"):
            raise MakeupError(
                f"{participant} attended {missed.label()} (marked {mark.status}): nothing to "
                "make up"
            )
        booked = self.s.execute(
            select(Makeup.id, DatedSession.section, DatedSession.date)
            .join(DatedSession, Makeup.session_id == DatedSession.id)
            .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
            .where(
                Makeup.participant == participant,
                Makeup.missed_session_id == row.id,
                MakeupCancellation.id.is_(None),
            )
        ).first()
        if booked is not None:
            raise MakeupError(
                f"{participant} already has makeup {booked.id} for {missed.label()} "
                f"({booked.section} on {booked.date}); cancel it first to book another"
            )
        return MakeupRequest(person, missed, gt)

    # -- checking ----------------------------------------------------------------------------

    def _baseline_of(
        self, day: dt.date, view: Schedule, keep: tuple[str, ...] | None
    ) -> frozenset[Violation]:
        """The violations the date (or the kept sections of it) has before any change."""
        assert self._days is not None
        memo = self._days.memo(day)
        key = ("violations", keep)
        if key not in memo:
            whole = ("violations", None)
            if keep is not None and whole not in memo:
                memo[whole] = frozenset(validate_day(self.term, self._days.schedule(day)))
            if keep is not None and not memo[whole]:
                # Part of a date that keeps every rule keeps them too (fewer sections: fewer
                # clashes, loads and shared rooms; every ride is kept): no need to look.
                memo[key] = frozenset()
            else:
                memo[key] = frozenset(validate_day(self.term, view))
        return memo[key]

    def added_violations(
        self,
        day: dt.date,
        view: Schedule,
        pid: str,
        section_id: str | None,
        run: Run | None,
        extra: Section | None = None,
        full: bool = True,
        memo: bool = True,
    ) -> list[Violation]:
        """What adding ``pid`` to ``section_id`` (or an ``extra`` section holding only them) on
        ``day`` breaks that was not broken before: ``validate_day`` of the whole date, or with
        ``full=False`` of the sections the change can touch (see the module docstring).
        ``memo=False``: ``view`` is not the date as read (a caller's view with changes of its
        own), so its violations before the change are computed, not taken from the memo."""
        if not full and extra is None and section_id is not None:
            return self._join_violations(day, view, pid, section_id, run, memo)
        keep: tuple[str, ...] | None = None
        base = view
        if not full:
            keep = tuple(s.id for s in view.sections if _touches(s, pid, section_id, extra))
            base = view.model_copy(
                update={"sections": [s for s in view.sections if s.id in set(keep)]}
            )
        sections = [
            s.model_copy(update={"participants": [*s.participants, pid]})
            if s.id == section_id
            else s
            for s in base.sections
        ]
        if extra is not None:
            sections.append(extra)
        after = base.model_copy(
            update={"sections": sections, "transport": _with_rider(base, weekday(day), pid, run)}
        )
        before = (
            self._baseline_of(day, base, keep) if memo else frozenset(validate_day(self.term, base))
        )
        return [v for v in validate_day(self.term, after) if v not in before]

    def _join_violations(
        self, day: dt.date, view: Schedule, pid: str, section_id: str, run: Run | None, memo: bool
    ) -> list[Violation]:
        """What adding ``pid`` to the date's section ``section_id`` breaks, by the validator's
        own join check (H1, H7-H11 for that person and section: nothing else can change), plus
        the makeup's van rule: a rider who already rides that date keeps their run, which must
        cover their day with the new meeting (a new rider's ``run`` comes from
        :meth:`_runs_for`, which only offers runs that cover it with a seat)."""
        if memo:  # ``view`` is the date as read: its index is kept with the date's memo
            assert self._days is not None
            cached = self._days.memo(day)
            if "index" not in cached:
                cached["index"] = schedule_index(self.term, view)
            index = cached["index"]
        else:
            index = schedule_index(self.term, view)
        found = join_violations(self.term, view, pid, section_id, index)
        person = self.people[pid]
        if run is None and person.transport == "van":
            ride = next((r for r in view.transport if pid in r.participants), None)
            if ride is not None:
                section = next(s for s in view.sections if s.id == section_id)
                new = [busy_span(m, self.types.get(section.group_type)) for m in section.meetings]
                first, last = self._day_span(view, pid, new)
                if not ride.arrive <= first or not last <= ride.depart:
                    found.append(
                        Violation(
                            "H11",
                            pid,
                            f"{pid}'s van run {ride.vehicle} {format_time(ride.arrive)}-"
                            f"{format_time(ride.depart)} does not cover "
                            f"{format_time(first)}-{format_time(last)} with {section_id}",
                        )
                    )
        return found

    def _day_span(self, view: Schedule, pid: str, new: list[Span]) -> tuple[int, int]:
        """First start and last end (travel included) of the participant's day on ``view``
        with the ``new`` meetings added."""
        spans = list(new)
        for s in view.sections:
            if pid in s.participants:
                gt = self.types.get(s.group_type)
                spans.extend(busy_span(m, gt) for m in s.meetings)
        return min(sp.start for sp in spans), max(sp.end for sp in spans)

    def _runs_for(
        self, view: Schedule, person: Participant, spans: Iterable[Span]
    ) -> list[Run] | None:
        """None when the participant needs no new run that date (not a van rider, or already
        riding); else the runs of the day covering their day span with a free seat."""
        if person.transport != "van":
            return None
        if any(person.id in r.participants for r in view.transport):
            return None
        spans = list(spans)
        first, last = self._day_span(view, person.id, spans)
        day = spans[0].day
        load: dict[tuple[str, int, int], list[str]] = {}
        for ride in view.transport:
            load.setdefault((ride.vehicle, ride.arrive, ride.depart), []).extend(ride.participants)
        out = []
        for vehicle in self.term.vehicles:
            for run in vehicle.runs:
                if run.day != day or run.arrive > first or run.depart < last:
                    continue
                riders = set(load.get((vehicle.id, run.arrive, run.depart), []))
                if len(riders) >= vehicle.seats:
                    continue
                chairs = sum(1 for r in riders if r in self.people and self.people[r].wheelchair)
                if person.wheelchair and chairs >= vehicle.wheelchair_seats:
                    continue
                out.append(Run(vehicle.id, run.arrive, run.depart))
        return out

    def fit(
        self,
        request: MakeupRequest,
        day: dt.date,
        view: Schedule,
        section: Section,
        extra: bool = False,
        prefer: Run | None = None,
        full: bool = True,
        memo: bool = True,
    ) -> tuple[Run | None, list[Violation]]:
        """Whether the participant can join ``section`` of the date (an existing one, or with
        ``extra`` a new one holding only them): the run they take (riders new that day) and
        the violations adding them makes (empty: it fits). ``prefer`` is tried first."""
        person = request.participant
        gt = request.group_type
        spans = [busy_span(m, gt) for m in section.meetings]
        runs = self._runs_for(view, person, spans)
        trials: list[Run | None] = [None]
        if runs is not None:
            trials = sorted(runs, key=lambda r: r != prefer) if runs else [None]
        first: list[Violation] | None = None
        for run in trials:
            found = self.added_violations(
                day,
                view,
                person.id,
                None if extra else section.id,
                run,
                extra=section if extra else None,
                full=full,
                memo=memo,
            )
            if not found:
                return run, []
            if first is None:
                first = found
        return None, first or []

    # -- searching ---------------------------------------------------------------------------

    def search(
        self,
        request: MakeupRequest,
        within_days: int = 14,
        now: dt.datetime | None = None,
        propose_extra: bool = True,
        full: bool = False,
        after: dt.date | None = None,
        limit: int | None = None,
    ) -> Search:
        """Options for the request, best first; one proposed extra meeting when none fits.
        ``after``: only dates after this one (a closed day's recovery); ``limit``: stop
        looking at later dates once this many options are found."""
        if within_days < 0:
            raise MakeupError(f"within_days must be 0 or more, not {within_days}")
        missed = request.missed
        gt = request.group_type
        pid = request.participant.id
        moment = _local(self.term, now)
        last = min(missed.date + dt.timedelta(days=within_days), self.term.term.end)
        days = self.days(_monday(missed.date), last + dt.timedelta(days=6 - last.weekday()))
        options: list[MakeupOption] = []
        rejected: list[tuple[str, str]] = []
        for day in _dates(missed.date, last):
            if day in days.closed or (after is not None and day <= after):
                continue
            if limit is not None and len(options) >= limit:
                break
            for row in days.sessions_of(day, gt.id):
                if row.id == missed.session_id:
                    continue
                if not _after(missed, day, row.start) or not _future(moment, day, row.start):
                    continue
                view = days.schedule(day)
                section = _section(view, row.section)
                if section is None or pid in section.participants:
                    continue
                label = f"{row.section} on {day} {format_time(row.start)}"
                seats = _seats(self.term, gt, row.room, row.vehicle)
                held = days.held(row.section, day) if row.kind == "regular" else 0
                if len(section.participants) + held >= seats:
                    rejected.append((label, _full(len(section.participants), held, seats)))
                    continue
                span = busy_span(Meeting(day=weekday(day), start=row.start, end=row.end), gt)
                if not inside_one(request.participant.available, span):
                    # what the whole check would say first; ruled out before it, for speed
                    why = f"{pid} is not available {span.label()} for section {row.section}"
                    rejected.append((label, why))
                    continue
                run, found = self.fit(request, day, view, section, full=full)
                if found:
                    rejected.append((label, found[0].message))
                    continue
                options.append(
                    MakeupOption(
                        section=row.section,
                        group_type=gt.id,
                        date=day,
                        start=row.start,
                        end=row.end,
                        room=row.room,
                        vehicle=row.vehicle,
                        staff=tuple(row.staff),
                        seats_left=seats - len(section.participants) - held,
                        session_id=row.id,
                        kind=row.kind,
                        ride=run,
                        comes_in=_comes_in(view, pid),
                        same_facilitator=bool(set(row.staff) & set(missed.staff)),
                    )
                )
        options.sort(key=rank)
        if not options and propose_extra:
            proposal, why = self.propose_extra(request, last, moment, full=full, after=after)
            if proposal is not None:
                options.append(proposal)
            else:
                rejected.append(("extra meeting", why))
        return Search(request, options, rejected)

    def propose_extra(
        self,
        request: MakeupRequest,
        last: dt.date,
        now: dt.datetime,
        full: bool = False,
        after: dt.date | None = None,
        memo: bool = True,
    ) -> tuple[MakeupOption | None, str]:
        """The first extra meeting (sooner first, then earlier start) that keeps every rule, or
        None and why not (``after``: only on dates after it; ``memo``: as in :meth:`fit`)."""
        term = self.term
        gt = request.group_type
        person = request.participant
        missed = request.missed
        days = self.days(_monday(missed.date), last + dt.timedelta(days=6 - last.weekday()))
        one = gt.model_copy(update={"meetings_per_week": 1})
        starts: dict[str, list[int]] = {}
        for pattern in candidate_patterns(term.calendar, one):
            starts.setdefault(pattern.days[0], []).append(pattern.start)
        leaders = [
            st
            for st in term.staff
            if st.role in gt.staff.roles and all(k in st.skills for k in gt.staff.skills)
        ]
        leaders.sort(key=lambda st: st.id not in missed.staff)
        if len(leaders) < gt.staff.count:
            return None, f"fewer than {gt.staff.count} staff can lead {gt.label}"
        if gt.offsite:
            places = [
                v.id
                for v in term.vehicles
                if v.seats >= gt.staff.count + 1 and (not person.wheelchair or v.wheelchair_seats)
            ]
        else:
            places = [r.id for r in term.rooms if all(f in r.features for f in gt.room_features)]
            places.sort(key=lambda r: r != missed.room)
        if not places:
            return None, f"no {'vehicle' if gt.offsite else 'room'} suits {gt.label}"
        reached = 0
        why = ""
        for day in _dates(missed.date, last):
            name = weekday(day)
            if day in days.closed or name not in term.calendar.days:
                continue
            if after is not None and day <= after:
                continue
            view = days.schedule(day)
            if any(
                sec.group_type == gt.id and person.id in sec.participants for sec in view.sections
            ):
                continue  # in a section of the type that date already (H7: one per type)
            week = _week_load(days, day)
            for start in starts.get(name, []):
                if not _future(now, day, start) or not _after(missed, day, start):
                    continue
                meeting = Meeting(day=name, start=start, end=start + gt.duration_minutes)
                span = busy_span(meeting, gt)
                if not inside_one(person.available, span) or _busy(view, person.id, span, self):
                    continue
                reached = max(reached, 1)
                runs = self._runs_for(view, person, [span])
                if runs is not None and not runs:
                    continue
                reached = max(reached, 2)
                place = next(
                    (p for p in places if self._place_free(view, gt, p, meeting, span)), None
                )
                if place is None:
                    continue
                reached = max(reached, 3)
                staff = [
                    st.id
                    for st in leaders
                    if inside_one(st.available, span)
                    and not _staff_busy(view, st.id, span, self)
                    and _led(view, st.id) < st.max_sessions_per_day
                    and week.get(st.id, 0) < st.max_sessions_per_week
                ][: gt.staff.count]
                if len(staff) < gt.staff.count:
                    continue
                reached = 4
                section = Section(
                    id=_extra_id(days, gt.id, day),
                    group_type=gt.id,
                    meetings=[meeting],
                    room=None if gt.offsite else place,
                    vehicle=place if gt.offsite else None,
                    staff=staff,
                    participants=[person.id],
                )
                run, found = self.fit(request, day, view, section, extra=True, full=full, memo=memo)
                if found:
                    why = why or found[0].message
                    continue
                return (
                    MakeupOption(
                        section=section.id,
                        group_type=gt.id,
                        date=day,
                        start=meeting.start,
                        end=meeting.end,
                        room=section.room,
                        vehicle=section.vehicle,
                        staff=tuple(staff),
                        seats_left=_seats(term, gt, section.room, section.vehicle),
                        extra=True,
                        kind="extra",
                        ride=run,
                        comes_in=_comes_in(view, person.id),
                        same_facilitator=bool(set(staff) & set(missed.staff)),
                    ),
                    "",
                )
        if why:
            return None, f"no extra meeting keeps every rule: {why}"
        pid = person.id
        stages = (
            f"{pid} is not free and available for a whole {gt.label} meeting on any clinic day "
            "of the window other than days they already have one",
            f"no van run with a free seat covers a {gt.label} meeting {pid} could attend",
            f"no {'vehicle' if gt.offsite else 'room'} for {gt.label} is free when {pid} is",
            f"no qualified staff member is free, within their daily and weekly loads, when {pid} "
            f"and a {'vehicle' if gt.offsite else 'room'} are",
        )
        return None, stages[reached]

    def _place_free(
        self, view: Schedule, gt: GroupType, place: str, meeting: Meeting, span: Span
    ) -> bool:
        """The room (on site) or vehicle (off site) is free for the meeting that date."""
        if gt.offsite:
            vehicle = self.term.vehicle(place)
            if not inside_one(vehicle.available, span):
                return False
            for run in vehicle.runs:
                if run.day == span.day and (
                    span.start <= run.arrive <= span.end or span.start <= run.depart <= span.end
                ):
                    return False
            for s in view.sections:
                if s.vehicle == place:
                    other = self.types.get(s.group_type)
                    if any(_overlap(busy_span(m, other), span) for m in s.meetings):
                        return False
            return True
        room = self.term.room(place)
        own = Span(meeting.day, meeting.start, meeting.end)
        if any(w.overlaps(own.day, own.start, own.end) for w in room.blocked):
            return False
        return not any(
            s.room == place and any(_overlap(Span(m.day, m.start, m.end), own) for m in s.meetings)
            for s in view.sections
        )


def _full(roster: int, held: int, seats: int) -> str:
    """``full (6 of 6)``, or with places held by open offers ``full (5 of 6, 1 held by an
    open offer)``."""
    if not held:
        return f"full ({roster} of {seats})"
    offers = "an open offer" if held == 1 else "open offers"
    return f"full ({roster} of {seats}, {held} held by {offers})"


def rank(option: MakeupOption) -> tuple:
    """Sooner first, then days the participant comes in anyway, then the same facilitator."""
    return (
        option.date,
        not option.comes_in,
        not option.same_facilitator,
        option.start,
        option.section,
    )


def _dates(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _after(missed: MissedRef, day: dt.date, start: int) -> bool:
    """After the missed meeting: a later date, or later the same day."""
    return day > missed.date or (day == missed.date and start >= missed.end)


def _future(now: dt.datetime, day: dt.date, start: int) -> bool:
    return (day, start) > (now.date(), _minutes(now))


def _section(view: Schedule, section_id: str) -> Section | None:
    return next((s for s in view.sections if s.id == section_id), None)


def _comes_in(view: Schedule, pid: str) -> bool:
    return any(pid in s.participants for s in view.sections)


def _touches(section: Section, pid: str, section_id: str | None, extra: Section | None) -> bool:
    """Whether a rule about ``section`` can change when ``pid`` joins ``section_id`` or the
    ``extra`` section is added: it is that section, holds the participant, or shares the extra
    section's room, vehicle or staff (H4-H6 read those together; every ride is kept anyway)."""
    if section.id == section_id or pid in section.participants:
        return True
    if extra is None:
        return False
    return (
        (extra.room is not None and section.room == extra.room)
        or (extra.vehicle is not None and section.vehicle == extra.vehicle)
        or bool(set(section.staff) & set(extra.staff))
    )


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _busy(view: Schedule, pid: str, span: Span, planner: MakeupPlanner) -> bool:
    """The participant is in a section overlapping ``span`` (travel included both sides)."""
    return any(
        _overlap(busy_span(m, planner.types.get(s.group_type)), span)
        for s in view.sections
        if pid in s.participants
        for m in s.meetings
    )


def _staff_busy(view: Schedule, staff_id: str, span: Span, planner: MakeupPlanner) -> bool:
    return any(
        _overlap(busy_span(m, planner.types.get(s.group_type)), span)
        for s in view.sections
        if staff_id in s.staff
        for m in s.meetings
    )


def _led(view: Schedule, staff_id: str) -> int:
    return sum(len(s.meetings) for s in view.sections if staff_id in s.staff)


def _week_load(days: Days, day: dt.date) -> dict[str, int]:
    """Standing sessions each staff member leads in the calendar week (Mon-Sun) of ``day``."""
    load: dict[str, int] = {}
    monday = _monday(day)
    for offset in range(7):
        date = monday + dt.timedelta(days=offset)
        if days.first <= date <= days.last:
            for row in days.sessions(date):
                for staff_id in row.staff:
                    load[staff_id] = load.get(staff_id, 0) + 1
    return load


def _extra_id(days: Days, type_id: str, day: dt.date) -> str:
    """``<type>-extra-<date>-<n>``, n one more than any extra of the type that date."""
    prefix = f"{type_id}-extra-{day.isoformat()}-"
    taken = [
        int(r.section[len(prefix) :])
        for r in days.all_sessions.get(day, [])
        if r.section.startswith(prefix) and r.section[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(taken, default=0) + 1}"


# -- the public API ------------------------------------------------------------------------------


def makeup_options(
    ledger: Ledger,
    participant: str,
    missed_session_id: int,
    within_days: int = 14,
    now: dt.datetime | None = None,
) -> list[MakeupOption]:
    """The contract's answer to a makeup request, best first (see the module docstring).
    ``now`` (the clinic's local time when naive; default the clock) rules out past meetings."""
    return search(ledger, participant, missed_session_id, within_days, now).options


def search(
    ledger: Ledger,
    participant: str,
    missed_session_id: int,
    within_days: int = 14,
    now: dt.datetime | None = None,
) -> Search:
    """:func:`makeup_options` with the reasons other candidates were ruled out."""
    with ledger.read() as s:
        planner = MakeupPlanner(s, cached=True)
        request = planner.request(participant, missed_session_id)
        return planner.search(request, within_days, now)


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
        ledger.lock(s, f"week:{_monday(option.date)}")
    ledger.lock(s, f"date:{option.date}")
    planner = MakeupPlanner(s, cached=fresh)
    try:
        request = planner.request(participant, missed_session_id)
    except MakeupError as exc:
        raise BookingRefused(str(exc)) from None
    gt = request.group_type
    day = option.date
    where = f"{option.section} on {day}"
    if option.group_type != gt.id:
        raise BookingRefused(
            f"{where} is {option.group_type}, but {request.missed.label()} is {gt.id}"
        )
    if not _after(request.missed, day, option.start):
        raise BookingRefused(f"{where} is not after {request.missed.label()}")
    if option.extra:  # the week, for the staff's weekly loads
        days = planner.days(_monday(day), _monday(day) + dt.timedelta(days=6))
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
    section = _section(view, row.section)
    if section is None:
        raise BookingRefused(f"session {row.id} ({where}) does not meet that date")
    if participant in section.participants:
        raise BookingRefused(f"{participant} is already on the roster of {where}")
    seats = _seats(term, gt, row.room, row.vehicle)
    held = days.held(row.section, day) if row.kind == "regular" else 0
    if len(section.participants) + held >= seats:
        raise BookingRefused(f"session {where} is {_full(len(section.participants), held, seats)}")
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
    week = _week_load(days, day)
    for staff_id in option.staff:
        member = next((st for st in term.staff if st.id == staff_id), None)
        if member is not None and week.get(staff_id, 0) >= member.max_sessions_per_week:
            raise BookingRefused(
                f"cannot book {where}: staff member {staff_id} already leads "
                f"{week.get(staff_id, 0)} sessions that week (max {member.max_sessions_per_week})"
            )
    section = Section(
        id=_extra_id(days, gt.id, day),
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
    meeting = section.meetings[0]
    session = DatedSession(
        section=section.id,
        group_type=section.group_type,
        date=day,
        start=meeting.start,
        end=meeting.end,
        room=section.room,
        vehicle=section.vehicle,
        staff=list(section.staff),
        kind="extra",
        schedule_version_id=planner.pub.version.id,
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


@dataclass(frozen=True)
class Booking:
    """One makeup of a batch: the participant, the session they missed, the option chosen."""

    participant: str
    missed_session_id: int
    option: MakeupOption


class BatchRefused(BookingRefused):
    """A booking of a batch (:func:`book_all_in`) refused; ``index`` is its position in the
    batch (None when no single booking can be blamed)."""

    def __init__(self, message: str, index: int | None) -> None:
        super().__init__(message)
        self.index = index


def extra_identity(option: MakeupOption) -> str:
    """A proposed extra meeting's identity: its key, place and staff. Lost sessions that were
    proposed the same meeting share it: the first booking creates it, the others join it."""
    return f"{option.key}:{option.room or option.vehicle or '-'}:{'+'.join(option.staff)}"


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
    for monday in sorted({_monday(b.option.date) for b in bookings if b.option.extra}):
        ledger.lock(s, f"week:{monday}")
    dates = sorted({b.option.date for b in bookings})
    for day in dates:
        ledger.lock(s, f"date:{day}")
    planner = MakeupPlanner(s)
    term = planner.term
    batch = _Batch(
        planner, Days(s, planner.pub, _monday(dates[0]), _monday(dates[-1]) + dt.timedelta(6))
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
        if not _after(request.missed, option.date, option.start):
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
        rides = _with_rider(view, weekday(day), participant, run)
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
        week = _week_load(self.days, day)
        for staff_id in option.staff:
            member = next((st for st in term.staff if st.id == staff_id), None)
            load = week.get(staff_id, 0) + self.new_load.get((staff_id, _monday(day)), 0)
            if member is not None and load >= member.max_sessions_per_week:
                raise BookingRefused(
                    f"cannot book {where}: staff member {staff_id} already leads {load} "
                    f"sessions that week (max {member.max_sessions_per_week})"
                )
        taken = self.new_ids.setdefault(day, [])
        prefix = f"{gt.id}-extra-{day.isoformat()}-"
        highest = int(_extra_id(self.days, gt.id, day)[len(prefix) :]) - 1  # rows before
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
            key = (staff_id, _monday(day))
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
        rides = _with_rider(view, weekday(day), request.participant.id, run)
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


def as_dicts(options: Iterable[MakeupOption]) -> list[dict[str, Any]]:
    """Options as contract JSON, numbered from 1 in rank order."""
    return [{"option": n, **o.to_json()} for n, o in enumerate(options, start=1)]


__all__ = [
    "PAUSE_ENV",
    "BatchRefused",
    "Booking",
    "BookingRefused",
    "MakeupError",
    "MakeupOption",
    "MakeupPlanner",
    "MakeupRequest",
    "Run",
    "Search",
    "UnknownMakeupError",
    "as_dicts",
    "book",
    "book_all_in",
    "book_in",
    "cancel_makeup",
    "cancel_makeup_in",
    "extra_identity",
    "makeup_options",
    "rank",
    "search",
]
