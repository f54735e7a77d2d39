"""Answering makeup requests (:class:`MakeupPlanner`): dated sessions that still fit with the
participant added, an extra meeting when none does, ranked best first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.attendance import current_mark, on_roster
from ledger.makeups.clock import after_missed, dates_between, in_future, local_time
from ledger.makeups.options import (
    MakeupError,
    MakeupOption,
    MakeupRequest,
    MissedRef,
    Run,
    Search,
    UnknownMakeupError,
    rank,
)
from ledger.schema import DatedSession, Makeup, MakeupCancellation, SessionCancellation
from ledger.state import Days, Published, days_cached, published_cached
from ledger.store import Ledger
from models import format_time
from models.dated import monday_of, weekday
from models.schedule import Meeting, Ride, Schedule, Section
from models.term import GroupType, Participant
from models.validation import Violation, join_violations, schedule_index, validate_day
from models.validation.spans import Span, busy_span, inside_one
from optimizer.patterns import candidate_patterns


def with_rider(day: Schedule, name: str, pid: str, run: Run | None) -> list[Ride]:
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
            update={"sections": sections, "transport": with_rider(base, weekday(day), pid, run)}
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
            for _, run in vehicle.distinct_runs():
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
        moment = local_time(self.term, now)
        last = min(missed.date + dt.timedelta(days=within_days), self.term.term.end)
        days = self.days(monday_of(missed.date), last + dt.timedelta(days=6 - last.weekday()))
        options: list[MakeupOption] = []
        rejected: list[tuple[str, str]] = []
        for day in dates_between(missed.date, last):
            if day in days.closed or (after is not None and day <= after):
                continue
            if limit is not None and len(options) >= limit:
                break
            for row in days.sessions_of(day, gt.id):
                if row.id == missed.session_id:
                    continue
                if not after_missed(missed, day, row.start) or not in_future(
                    moment, day, row.start
                ):
                    continue
                view = days.schedule(day)
                section = find_section(view, row.section)
                if section is None or pid in section.participants:
                    continue
                label = f"{row.section} on {day} {format_time(row.start)}"
                seats = self.term.seats(gt, row.room, row.vehicle)
                held = days.held(row.section, day) if row.kind == "regular" else 0
                if len(section.participants) + held >= seats:
                    rejected.append((label, full_reason(len(section.participants), held, seats)))
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
        days = self.days(monday_of(missed.date), last + dt.timedelta(days=6 - last.weekday()))
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
        for day in dates_between(missed.date, last):
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
            week = week_load(days, day)
            for start in starts.get(name, []):
                if not in_future(now, day, start) or not after_missed(missed, day, start):
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
                    id=extra_section_id(days, gt.id, day),
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
                        seats_left=term.seats(gt, section.room, section.vehicle),
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


def full_reason(roster: int, held: int, seats: int) -> str:
    """``full (6 of 6)``, or with places held by open offers ``full (5 of 6, 1 held by an
    open offer)``."""
    if not held:
        return f"full ({roster} of {seats})"
    offers = "an open offer" if held == 1 else "open offers"
    return f"full ({roster} of {seats}, {held} held by {offers})"


def find_section(view: Schedule, section_id: str) -> Section | None:
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


def week_load(days: Days, day: dt.date) -> dict[str, int]:
    """Standing sessions each staff member leads in the calendar week (Mon-Sun) of ``day``."""
    load: dict[str, int] = {}
    monday = monday_of(day)
    for offset in range(7):
        date = monday + dt.timedelta(days=offset)
        if days.first <= date <= days.last:
            for row in days.sessions(date):
                for staff_id in row.staff:
                    load[staff_id] = load.get(staff_id, 0) + 1
    return load


def extra_section_id(days: Days, type_id: str, day: dt.date) -> str:
    """``<type>-extra-<date>-<n>``, n one more than any extra of the type that date: booked
    (cancelled ones too, their ids stay in the ledger) or proposed and not booked yet
    (:meth:`ledger.state.Days.add_pending`, a closure's recovery)."""
    prefix = f"{type_id}-extra-{day.isoformat()}-"
    names = [r.section for r in days.all_sessions.get(day, [])]
    names += [section.id for section in days.schedule(day).sections]
    taken = [
        int(name[len(prefix) :])
        for name in names
        if name.startswith(prefix) and name[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(taken, default=0) + 1}"


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
