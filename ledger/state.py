"""Reading the ledger: the term and schedule in force, who is in a session on a date, and the
day view every hard rule is checked on (:func:`models.dated.day_view`)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ledger.schema import (
    SESSION_COLUMNS,
    Closure,
    DatedSession,
    Enrollment,
    EnrollmentEnd,
    Makeup,
    MakeupCancellation,
    Offer,
    OfferResponse,
    ScheduleVersion,
    SessionCancellation,
    TermVersion,
)
from models import Schedule, Term, parse_schedule, parse_term
from models.dated import day_view, weekday
from models.schedule import Meeting, Ride, Section


class NothingPublishedError(LookupError):
    """The ledger holds no published schedule yet."""


class UnknownIdError(LookupError):
    """A participant, group type or section the published term does not have."""


def check_known(
    s: Session,
    pub: Published,
    participant: str | None = None,
    group_type: str | None = None,
    section: str | None = None,
) -> None:
    """:class:`UnknownIdError` for an id the term in force (or, for a section, any dated
    session) does not name: a filter on a typo answers 404, not an empty list."""
    if participant is not None and all(p.id != participant for p in pub.term.participants):
        raise UnknownIdError(f"no participant {participant!r} in the term")
    if group_type is not None and all(g.id != group_type for g in pub.term.group_types):
        raise UnknownIdError(f"no group type {group_type!r} in the term")
    if section is not None and all(x.id != section for x in pub.schedule.sections):
        held = s.scalar(select(DatedSession.id).where(DatedSession.section == section).limit(1))
        if held is None:
            raise UnknownIdError(f"no section {section!r} in the term")


class UnknownVersionError(LookupError):
    """No published schedule version has that number."""


class RefusedError(ValueError):
    """A change or question the ledger refuses; the message names the ids involved and nothing
    was written."""


@dataclass(frozen=True)
class VersionRides:
    """The weekly rides of one published schedule version, from its effective date."""

    number: int
    effective_from: dt.date
    by_day: Mapping[str, tuple[Ride, ...]] = field(compare=False, hash=False)


@dataclass(frozen=True)
class Published:
    version: ScheduleVersion
    term: Term
    schedule: Schedule
    rides: tuple[VersionRides, ...] = ()
    """Every version's weekly rides (empty: only ``schedule``'s are known)."""

    def rides_on(self, day: dt.date) -> list[Ride]:
        """The weekly rides of ``day``'s weekday in the version in force on ``day``: the
        highest-numbered version effective on or before it (the latest when none is). A van
        rider's run can change between versions (an admission, a merge, a discharge), and a
        date is read with the runs of its own version."""
        name = weekday(day)
        best: VersionRides | None = None
        for v in self.rides:
            if v.effective_from <= day and (best is None or v.number > best.number):
                best = v
        if best is None or best.number == self.version.number:
            return [r for r in self.schedule.transport if r.day == name]
        return list(best.by_day.get(name, ()))


def published(session: Session) -> Published:
    """The latest published schedule and its term (and every version's weekly rides)."""
    version = _version(session, None)
    term, schedule = _documents(session, version)
    history = _ride_history(session, version, schedule)
    # Detached with its columns loaded: a later rollback of this session (a refused change)
    # must not expire the row a cached Published keeps.
    session.expunge(version)
    return Published(version, term, schedule, history)


def version_documents(session: Session, number: int | None = None) -> tuple[Term, Schedule]:
    """Published version ``number``'s term and schedule (the latest when None), as published:
    :class:`UnknownVersionError` for a version that does not exist."""
    return _documents(session, _version(session, number))


def _version(session: Session, number: int | None) -> ScheduleVersion:
    """Version ``number`` (the latest when None): :class:`NothingPublishedError` or
    :class:`UnknownVersionError` when there is none."""
    query = select(ScheduleVersion)
    if number is None:
        query = query.order_by(ScheduleVersion.number.desc()).limit(1)
    else:
        query = query.where(ScheduleVersion.number == number)
    version = session.scalars(query).first()
    if version is None and number is None:
        raise NothingPublishedError("nothing is published yet: run `otgroups term publish` first")
    if version is None:
        raise UnknownVersionError(f"no schedule version {number}")
    return version


def _documents(session: Session, version: ScheduleVersion) -> tuple[Term, Schedule]:
    term_row = session.get(TermVersion, version.term_version_id)
    assert term_row is not None
    term = parse_term(json.loads(term_row.document), source=f"term version {term_row.id}")
    return term, parse_schedule(json.loads(version.document), term, f"schedule v{version.number}")


def _ride_history(
    session: Session, latest: ScheduleVersion, schedule: Schedule
) -> tuple[VersionRides, ...]:
    """Each version's rides by weekday (documents of earlier versions read for their
    ``transport`` only)."""

    def by_day(rides: Sequence[Ride]) -> dict[str, tuple[Ride, ...]]:
        out: dict[str, list[Ride]] = defaultdict(list)
        for ride in rides:
            out[ride.day].append(ride)
        return {day: tuple(found) for day, found in out.items()}

    history = [VersionRides(latest.number, latest.effective_from, by_day(schedule.transport))]
    earlier = session.execute(
        select(ScheduleVersion.number, ScheduleVersion.effective_from, ScheduleVersion.document)
        .where(ScheduleVersion.number < latest.number)
        .order_by(ScheduleVersion.number)
    )
    for number, effective_from, document in earlier:
        rides = [Ride.model_validate(r) for r in json.loads(document).get("transport", [])]
        history.append(VersionRides(number, effective_from, by_day(rides)))
    return tuple(sorted(history, key=lambda v: v.number))


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


def weekly_on(session: Session, day: dt.date, pub: Published) -> Schedule:
    """The weekly schedule as it stood on ``day``: each section with members enrolled that date,
    and those members; its meetings, room, vehicle and staff as the version in force on ``day``
    has them (the highest-numbered one effective by then; for a section it lacks, the newest
    version that has it); that version's rides of the people enrolled; the latest waitlist."""
    members = {sid: sorted(pids) for sid, pids in enrolled(session, day).items() if pids}
    rows = session.execute(
        select(ScheduleVersion.effective_from, ScheduleVersion.document).order_by(
            ScheduleVersion.number.desc()
        )
    ).all()
    in_force = next((r for r in rows if r.effective_from <= day), rows[0])
    definitions: dict[str, dict[str, object]] = {}
    for row in [in_force, *rows]:
        if set(members) <= set(definitions):
            break
        for sec in json.loads(row.document)["sections"]:
            definitions.setdefault(sec["id"], sec)
    sections = [
        Section.model_validate({**definitions[sid], "participants": pids})
        for sid, pids in sorted(members.items())
        if sid in definitions
    ]
    riders = {pid for pids in members.values() for pid in pids}
    rides = []
    for doc in json.loads(in_force.document).get("transport", []):
        ride = Ride.model_validate(doc)
        kept = [pid for pid in ride.participants if pid in riders]
        if kept:
            rides.append(ride.model_copy(update={"participants": kept}))
    return pub.schedule.model_copy(update={"sections": sections, "transport": rides})


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
    return assemble_day(
        pub, day, sessions_on(session, day), enrolled(session, day), makeups_on(session, day)
    )


def assemble_day(
    pub: Published,
    day: dt.date,
    dated: Sequence[Any],
    enrolled_on_day: Mapping[str, Sequence[str]],
    makeups: Sequence[Any],
) -> Schedule:
    """:func:`day_schedule` from rows already read: ``dated`` the standing sessions of ``day``
    (ordered by start, section), ``enrolled_on_day`` section → participants enrolled that day,
    ``makeups`` the standing makeups into them. Rows are ORM objects or Core rows with the same
    column names.

    Each standing session is one section of the view, as its dated row says (time, room,
    vehicle, staff): a section re-timed or dropped by a later version keeps its earlier dates as
    they were. The rides are the weekly rides of the version in force that date
    (:meth:`Published.rides_on`), for those who come in, plus makeup riders' runs."""
    name = weekday(day)
    sections: dict[int, Section] = {}
    for s in dated:
        members = list(enrolled_on_day.get(s.section, ())) if s.kind == "regular" else []
        sections[s.id] = Section(
            id=s.section,
            group_type=s.group_type,
            meetings=[Meeting(day=name, start=s.start, end=s.end)],
            room=s.room,
            vehicle=s.vehicle,
            staff=list(s.staff),
            participants=members,
        )
    riders: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for m in makeups:
        target = sections.get(m.session_id)
        if target is None:
            continue
        target.participants.append(m.participant)
        if m.ride_vehicle is not None and m.ride_arrive is not None and m.ride_depart is not None:
            riders[m.ride_vehicle, m.ride_arrive, m.ride_depart].append(m.participant)
    view = day_view(
        pub.schedule.model_copy(update={"sections": [], "transport": []}),
        day,
        None,
        list(sections.values()),
        rides=pub.rides_on(day),
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
                day=name,
                arrive=arrive,
                depart=depart,
                participants=people,
            )
        )
    return view.model_copy(update={"transport": rides})


_PUBLISHED_CACHE: OrderedDict[tuple[str, int, int, str], Published] = OrderedDict()
_PUBLISHED_CACHE_SIZE = 8
_PUBLISHED_LOCK = threading.Lock()


def published_cached(session: Session) -> Published:
    """:func:`published`, with the parsed term and schedule kept per (database, schedule version)
    so repeated questions do not re-parse the documents (rows are append-only, so a version's
    documents never change)."""
    row = session.execute(
        select(ScheduleVersion.id, ScheduleVersion.term_version_id, ScheduleVersion.created_at)
        .order_by(ScheduleVersion.number.desc())
        .limit(1)
    ).first()
    if row is None:
        return published(session)
    key = (str(session.get_bind().engine.url), row.id, row.term_version_id, str(row.created_at))
    with _PUBLISHED_LOCK:
        hit = _PUBLISHED_CACHE.get(key)
        if hit is not None:
            _PUBLISHED_CACHE.move_to_end(key)
            return hit
    pub = published(session)
    with _PUBLISHED_LOCK:
        _PUBLISHED_CACHE[key] = pub
        while len(_PUBLISHED_CACHE) > _PUBLISHED_CACHE_SIZE:
            _PUBLISHED_CACHE.popitem(last=False)
    return pub


def closed_days(session: Session, pub: Published) -> set[dt.date]:
    """The term's closures and the days closed after publication."""
    return set(pub.term.term.closures) | set(session.scalars(select(Closure.date)))


class Days:
    """The ledger's dated state from ``first`` to ``last``, read in a few queries: per date the
    standing sessions, who is enrolled, the standing makeups and the :func:`day_schedule`
    (built once per date). Reflects the database as of construction: build a new one after a
    change (inside a write transaction, after the lock, to check against the latest state).

    ``reuse``: an earlier instance over the same dates, and ``changed`` the parts of the ledger
    changed since it was read (``sessions``, ``members``, ``closures``, ``makeups``,
    ``offers``): the other parts are taken over from it, and a date whose sessions and makeups
    are unchanged (and enrollments, when ``members`` is unchanged) keeps its schedule and memo.
    """

    PARTS: frozenset[str] = frozenset({"sessions", "members", "closures", "makeups", "offers"})

    def __init__(
        self,
        session: Session,
        pub: Published,
        first: dt.date,
        last: dt.date,
        reuse: Days | None = None,
        changed: frozenset[str] = PARTS,
    ) -> None:
        self.pub = pub
        self.first, self.last = first, last
        self._schedules: dict[dt.date, Schedule] = {}
        self._memo: dict[dt.date, dict[Any, Any]] = {}
        self.all_sessions: dict[dt.date, list[Any]] = defaultdict(list)
        """Every session of each date, cancelled ones included (``cancellation_id`` set)."""
        self.by_id: dict[int, Any] = {}
        self._members: dict[str, list[tuple[str, dt.date, dt.date | None]]] = defaultdict(list)
        self._makeups: dict[dt.date, list[Any]] = defaultdict(list)
        self._holds: dict[str, list[dt.date]] = defaultdict(list)
        self._by_type: dict[tuple[str, dt.date], dict[str, list[Any]]] = {}
        self.closed: set[dt.date] = set()
        if reuse is None or (reuse.first, reuse.last, reuse.pub) != (first, last, pub):
            reuse, changed = None, self.PARTS
        if reuse is None or "sessions" in changed:
            self._read_sessions(session)
        else:
            self.all_sessions, self.by_id = reuse.all_sessions, reuse.by_id
        self._member_sections: frozenset[str] = frozenset(
            r.section for rows in self.all_sessions.values() for r in rows if r.kind == "regular"
        )
        if reuse is None or "members" in changed or self._member_sections - reuse._member_sections:
            self._read_members(session)
        else:
            self._members, self._member_sections = reuse._members, reuse._member_sections
        self.closed = (
            closed_days(session, pub) if reuse is None or "closures" in changed else reuse.closed
        )
        if reuse is None or "makeups" in changed:
            self._read_makeups(session)
        else:
            self._makeups = reuse._makeups
        if reuse is None or "offers" in changed:
            self._holds = open_holds(session)
        else:
            self._holds = reuse._holds
        if reuse is not None and self._members is reuse._members:
            for day, schedule in reuse._schedules.items():
                if self._signature(day) == reuse._signature(day):
                    self._schedules[day] = schedule
                    if day in reuse._memo:
                        self._memo[day] = reuse._memo[day]

    def _signature(self, day: dt.date) -> tuple[tuple[int, bool], ...]:
        """What a date's schedule is built from besides enrollments: its sessions (cancelled
        or not) and the makeups into them."""
        return (
            *((r.id, r.cancellation_id is None) for r in self.all_sessions.get(day, [])),
            *((m.id, True) for m in self._makeups.get(day, [])),
        )

    def _read_sessions(self, session: Session) -> None:
        rows = (
            session.connection()
            .execute(
                select(
                    *SESSION_COLUMNS,
                    SessionCancellation.id.label("cancellation_id"),
                )
                .outerjoin(SessionCancellation, SessionCancellation.session_id == DatedSession.id)
                .where(DatedSession.date >= self.first, DatedSession.date <= self.last)
                .order_by(DatedSession.start, DatedSession.section)
            )
            .all()
        )
        for r in rows:
            self.all_sessions[r.date].append(r)
            self.by_id[r.id] = r

    def _read_members(self, session: Session) -> None:
        """Enrollments in the sections meeting in the range, open at some point of it."""
        if not self._member_sections:
            return
        for e in session.connection().execute(
            select(
                Enrollment.participant,
                Enrollment.section,
                Enrollment.from_date,
                EnrollmentEnd.to_date,
            )
            .outerjoin(EnrollmentEnd, EnrollmentEnd.enrollment_id == Enrollment.id)
            .where(
                Enrollment.from_date <= self.last,
                Enrollment.section.in_(sorted(self._member_sections)),
            )
            .order_by(Enrollment.id)
        ):
            if e.to_date is None or e.to_date >= self.first:
                self._members[e.section].append((e.participant, e.from_date, e.to_date))

    def _read_makeups(self, session: Session) -> None:
        for m in session.connection().execute(
            select(
                Makeup.id,
                Makeup.participant,
                Makeup.group_type,
                Makeup.missed_session_id,
                Makeup.session_id,
                Makeup.ride_vehicle,
                Makeup.ride_arrive,
                Makeup.ride_depart,
                DatedSession.date,
            )
            .join(DatedSession, Makeup.session_id == DatedSession.id)
            .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
            .where(
                MakeupCancellation.id.is_(None),
                DatedSession.date >= self.first,
                DatedSession.date <= self.last,
            )
            .order_by(Makeup.id)
        ):
            self._makeups[m.date].append(m)

    def sessions_of(self, day: dt.date, group_type: str) -> list[Any]:
        """Standing sessions of ``day`` of one group type (indexed once per date)."""
        key = ("by-type", day)
        index = self._by_type.get(key)
        if index is None:
            index = self._by_type[key] = defaultdict(list)
            for r in self.sessions(day):
                index[r.group_type].append(r)
        return index.get(group_type, [])

    def held(self, section: str, day: dt.date) -> int:
        """Places of ``section`` held on ``day`` by open offers (:func:`open_holds`)."""
        return sum(1 for start in self._holds.get(section, ()) if start <= day)

    def _inside(self, day: dt.date) -> None:
        if not self.first <= day <= self.last:
            raise ValueError(f"{day} is outside the dates read ({self.first} to {self.last})")

    def sessions(self, day: dt.date) -> list[Any]:
        """Standing (not cancelled) sessions of ``day``, by start then section."""
        self._inside(day)
        return [r for r in self.all_sessions.get(day, []) if r.cancellation_id is None]

    def enrolled(self, day: dt.date, section: str) -> list[str]:
        """Participants enrolled in ``section`` on ``day``."""
        self._inside(day)
        return [
            pid
            for pid, start, end in self._members.get(section, [])
            if start <= day and (end is None or end >= day)
        ]

    def makeups(self, day: dt.date) -> list[Any]:
        """Standing makeups into sessions of ``day`` (cancelled sessions' included)."""
        self._inside(day)
        return list(self._makeups.get(day, []))

    def schedule(self, day: dt.date) -> Schedule:
        """:func:`day_schedule` of ``day``, built once."""
        if day not in self._schedules:
            dated = self.sessions(day)
            regular = {r.section for r in dated if r.kind == "regular"}
            enrolled_on_day = {section: self.enrolled(day, section) for section in regular}
            self._schedules[day] = assemble_day(
                self.pub, day, dated, enrolled_on_day, self.makeups(day)
            )
        return self._schedules[day]

    def add_pending(self, day: dt.date, section: Section) -> None:
        """Count a proposed section (an extra meeting not booked yet) in ``day``'s schedule,
        so later proposals see its room, staff and time as taken (a closed day's recovery
        proposes several at once). The date's memo is dropped; its rows are unchanged."""
        view = self.schedule(day)
        self._schedules[day] = view.model_copy(update={"sections": [*view.sections, section]})
        self._memo.pop(day, None)

    def memo(self, day: dt.date) -> dict[Any, Any]:
        """A place for what callers derive from ``day``'s state (e.g. its violations); kept
        with the date's schedule while that date is unchanged."""
        self._inside(day)
        return self._memo.setdefault(day, {})


def open_holds(session: Session, skip_offer: int | None = None) -> dict[str, list[dt.date]]:
    """section → the from-dates of its unanswered offers. An offer holds its place in the
    section on every date from its ``from_date`` until it is answered (accepted, declined,
    withdrawn, or marked expired by :func:`ledger.waitlists.expire_offers`), so neither another
    offer nor a makeup takes that place meanwhile."""
    query = (
        select(Offer.id, Offer.section, Offer.from_date)
        .outerjoin(OfferResponse, OfferResponse.offer_id == Offer.id)
        .where(OfferResponse.id.is_(None))
        .order_by(Offer.id)
    )
    out: dict[str, list[dt.date]] = defaultdict(list)
    for offer_id, section, from_date in session.execute(query):
        if offer_id != skip_offer:
            out[section].append(from_date)
    return out


_PARTS: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("versions", (TermVersion, ScheduleVersion)),
    ("sessions", (DatedSession, SessionCancellation)),
    ("members", (Enrollment, EnrollmentEnd)),
    ("closures", (Closure,)),
    ("makeups", (Makeup, MakeupCancellation)),
    ("offers", (Offer, OfferResponse)),
)
_DAYS_CACHE: OrderedDict[str, tuple[tuple[int, ...], Days]] = OrderedDict()
_DAYS_REBUILD: dict[str, threading.Lock] = {}
_DAYS_CACHE_SIZE = 4


def fingerprint(session: Session) -> tuple[int, ...]:
    """Row counts of every table a date's state is read from, in :data:`_PARTS` order. The
    tables are append-only and a transaction's visible rows only ever grow, so equal counts
    mean equal contents."""
    tables = [t for _, group in _PARTS for t in group]
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in tables]
    return tuple(session.execute(select(*counts)).one())


def _changed(before: tuple[int, ...], after: tuple[int, ...]) -> frozenset[str]:
    out, i = set(), 0
    for name, group in _PARTS:
        if before[i : i + len(group)] != after[i : i + len(group)]:
            out.add(name)
        i += len(group)
    return frozenset(out)


def days_cached(session: Session, pub: Published, first: dt.date, last: dt.date) -> Days:
    """A :class:`Days` over at least ``first``-``last``, reused across read transactions while
    the ledger is unchanged (:func:`fingerprint`), so repeated questions read nothing again;
    after a change only the changed parts are read again and only the dates they touch are
    rebuilt. Inside a write transaction, only before it has written anything: its own
    uncommitted rows must not be cached.
    """
    url = str(session.get_bind().engine.url)
    mark = fingerprint(session)
    with _PUBLISHED_LOCK:
        hit = _DAYS_CACHE.get(url)
        rebuilding = _DAYS_REBUILD.setdefault(url, threading.Lock())
    if _fits(hit, pub, mark, first, last):
        return hit[1]  # type: ignore[index]
    # One rebuild at a time per database: after a change, concurrent readers with the same
    # mark wait for the first one's dates instead of each reading them again.
    with rebuilding:
        with _PUBLISHED_LOCK:
            hit = _DAYS_CACHE.get(url)
        if _fits(hit, pub, mark, first, last):
            return hit[1]  # type: ignore[index]
        reuse, changed = None, Days.PARTS
        if hit is not None and hit[1].pub is pub:
            days = hit[1]
            if days.first <= first and last <= days.last:
                changed = _changed(hit[0], mark)
                reuse, first, last = days, days.first, days.last
            else:
                first, last = min(first, days.first), max(last, days.last)
        days = Days(session, pub, first, last, reuse=reuse, changed=changed)
        with _PUBLISHED_LOCK:
            _DAYS_CACHE[url] = (mark, days)
            _DAYS_CACHE.move_to_end(url)
            while len(_DAYS_CACHE) > _DAYS_CACHE_SIZE:
                _DAYS_CACHE.popitem(last=False)
        return days


def _fits(
    hit: tuple[tuple[int, ...], Days] | None,
    pub: Published,
    mark: tuple[int, ...],
    first: dt.date,
    last: dt.date,
) -> bool:
    """The cached dates answer for ``pub`` at ``mark`` over ``first``-``last``."""
    return (
        hit is not None
        and hit[1].pub is pub
        and hit[0] == mark
        and hit[1].first <= first
        and last <= hit[1].last
    )
