"""Waitlists and offers: a place that opens goes to the first waiting request it fits.

**Order.** Standing waitlist entries are ordered by priority (required, recommended, optional),
then the date requested, then entry id (:func:`waitlist`).

**Offers** (:func:`offer_next`). When a place opens in a section (a discharge, a drop, an
offer declined or expired), it is offered to the first waiting request of the section's type
for whom every rule holds with them enrolled in that section from the date: the weekly schedule
(:func:`models.validation.join_violations`: requested, eligible, available, no clash, acuity,
single program, keep-apart, a van run with a seat) and each of the section's dates from then on
(:func:`ledger.weekly.dated_views`: the date as it will read, makeups and extra meetings
included, validated with ``validate_day``). A request already holding an open offer is passed
over, and so is a section the request declined (or let expire) before. An offer holds its place
until it is answered: while it is open no other offer and no makeup (:mod:`ledger.makeups`)
takes that place, on any date from its ``from_date``
(:func:`ledger.state.open_holds`). It expires ``expires_in`` after it is made (48 hours by
default); :func:`expire_offers` records expiry and offers the place to the next request.

**Accepting** (:func:`accept`) publishes a new schedule version from the date with the
participant in the section (and on a van run when they ride), which ends their waitlist entry
("enrolled"), starts their enrollment, and makes every later date include them
(:mod:`ledger.weekly`). It is refused, with nothing written, if a rule no longer holds then.
Responses are rows (:class:`~ledger.schema.OfferResponse`): ``accepted``, ``declined``,
``expired``, or ``withdrawn`` (the participant was discharged).

Locks (PostgreSQL): ``publish`` first, then participants, then dates (:func:`ledger.weekly.
lock_change`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.marks import discharged
from ledger.schema import Offer, OfferResponse, WaitlistEntry, WaitlistExit, as_utc
from ledger.state import (
    Days,
    Published,
    RefusedError,
    check_known,
    open_holds,
    published_cached,
)
from ledger.store import Ledger
from ledger.weekly import (
    assign_rides,
    check_start,
    dated_views,
    lock_change,
    new_violations,
    republish,
    rules_term,
    seats,
    term_days,
    with_members,
)
from models.dated import clinic_time
from models.schedule import Schedule, Section
from models.term import PRIORITIES, Term
from models.validation import join_violations, schedule_index

RANK: dict[str, int] = {p: i for i, p in enumerate(PRIORITIES)}
ANSWERED_NO = ("declined", "expired")
"""A request that declined (or let expire) an offer of a section is not offered it again."""
DEFAULT_EXPIRY = dt.timedelta(hours=48)


class OfferError(RefusedError):
    """An offer question or answer the ledger refuses (the message says why)."""


class UnknownOfferError(OfferError, LookupError):
    """No offer, section or group type has this id."""


@dataclass(frozen=True)
class Waiting:
    """A standing waitlist entry, with the open offer it holds (if any)."""

    entry_id: int
    participant: str
    group_type: str
    priority: str
    requested_on: dt.date
    reasons: tuple[str, ...]
    offer_id: int | None = None

    def sort_key(self) -> tuple[int, dt.date, int]:
        return (RANK.get(self.priority, len(RANK)), self.requested_on, self.entry_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "participant": self.participant,
            "group_type": self.group_type,
            "priority": self.priority,
            "requested_on": self.requested_on.isoformat(),
            "reasons": list(self.reasons),
            "offer_id": self.offer_id,
        }


@dataclass(frozen=True)
class OfferInfo:
    """An offer as it stands: open (no response yet), or answered."""

    offer_id: int
    entry_id: int
    participant: str
    group_type: str
    section: str
    from_date: dt.date
    expires_at: dt.datetime
    response: str | None
    expired: bool
    """No response yet and past ``expires_at``: it still holds the place until
    :func:`expire_offers` records the expiry."""
    timezone: str = "UTC"
    """The clinic's zone, in which :meth:`label` tells the expiry (``expires_at`` is UTC)."""

    @property
    def expires(self) -> str:
        """The expiry in the clinic's zone, as people read it (``2027-01-10 06:00 CST``)."""
        return f"{self.expires_at.astimezone(ZoneInfo(self.timezone)):%Y-%m-%d %H:%M %Z}"

    def label(self) -> str:
        state = self.response or ("past its expiry" if self.expired else "open")
        return (
            f"offer {self.offer_id}: {self.section} from {self.from_date} to {self.participant} "
            f"({self.group_type}), expires {self.expires}, {state}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "offer_id": self.offer_id,
            "entry_id": self.entry_id,
            "participant": self.participant,
            "group_type": self.group_type,
            "section": self.section,
            "from_date": self.from_date.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "response": self.response,
            "expired": self.expired,
        }


@dataclass
class OfferResult:
    """What :func:`offer_next` did: the offer made (or None, and why), and the requests passed
    over with the rule that would break."""

    target: str
    from_date: dt.date
    offer: OfferInfo | None
    open_sections: list[str] = field(default_factory=list)
    passed_over: list[tuple[str, str]] = field(default_factory=list)
    reason: str = ""

    def label(self) -> str:
        if self.offer is not None:
            skipped = f" ({len(self.passed_over)} passed over)" if self.passed_over else ""
            return f"{self.offer.label()}{skipped}"
        return f"no offer for {self.target} from {self.from_date}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "from_date": self.from_date.isoformat(),
            "offer": self.offer.to_json() if self.offer else None,
            "open_sections": self.open_sections,
            "passed_over": [{"request": r, "reason": why} for r, why in self.passed_over],
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Accepted:
    offer: OfferInfo
    version: int
    from_date: dt.date


# -- time -----------------------------------------------------------------------------------------


def utc(moment: dt.datetime | None, term: Term | None = None) -> dt.datetime:
    """An aware UTC instant: the clock when None; a naive time is the clinic's local time
    (as ``--now`` everywhere), or UTC when no term is given; stored naive values are UTC."""
    if moment is None:
        return dt.datetime.now(dt.UTC)
    return as_utc(clinic_time(term, moment) if term is not None else moment)


# -- reading --------------------------------------------------------------------------------------


def waitlist_in(s: Session) -> list[Waiting]:
    """Standing entries, in offer order (priority, date requested, id)."""
    rows = s.execute(
        select(WaitlistEntry)
        .outerjoin(WaitlistExit, WaitlistExit.entry_id == WaitlistEntry.id)
        .where(WaitlistExit.id.is_(None))
    ).scalars()
    holding = {
        offer.entry_id: offer.offer_id for offer in offers_in(s, None) if offer.response is None
    }
    out = [
        Waiting(
            w.id,
            w.participant,
            w.group_type,
            w.priority,
            w.requested_on,
            tuple(w.reasons or ()),
            holding.get(w.id),
        )
        for w in rows
    ]
    return sorted(out, key=Waiting.sort_key)


def waitlist(ledger: Ledger, group_type: str | None = None) -> list[Waiting]:
    """The standing waitlist (of one group type), in offer order."""
    with ledger.read() as s:
        if group_type is not None:
            check_known(s, published_cached(s), group_type=group_type)
        found = waitlist_in(s)
    return [w for w in found if group_type is None or w.group_type == group_type]


def offers_in(s: Session, now: dt.datetime | None, open_only: bool = False) -> list[OfferInfo]:
    """Every offer (or only those still open: unanswered and not past expiry), by id."""
    rows = s.execute(
        select(Offer, WaitlistEntry, OfferResponse.response)
        .join(WaitlistEntry, WaitlistEntry.id == Offer.entry_id)
        .outerjoin(OfferResponse, OfferResponse.offer_id == Offer.id)
        .order_by(Offer.id)
    ).all()
    if not rows:  # nothing offered (perhaps nothing published): no term to read
        return []
    term = published_cached(s).term
    moment = utc(now, term if now is not None and now.tzinfo is None else None)
    out = []
    for offer, entry, response in rows:
        expires = as_utc(offer.expires_at)
        info = OfferInfo(
            offer.id,
            entry.id,
            entry.participant,
            entry.group_type,
            offer.section,
            offer.from_date,
            expires,
            response,
            response is None and expires <= moment,
            term.clinic.timezone,
        )
        if not open_only or (response is None and not info.expired):
            out.append(info)
    return out


def open_offers(ledger: Ledger, now: dt.datetime | None = None) -> list[OfferInfo]:
    """Offers not yet answered and not past their expiry, by id."""
    with ledger.read() as s:
        return offers_in(s, now, open_only=True)


# -- offering -------------------------------------------------------------------------------------


def _targets(pub: Published, target: str) -> tuple[str, list[Section]]:
    """The group type and its sections (one, when ``target`` names a section)."""
    for sec in pub.schedule.sections:
        if sec.id == target:
            return sec.group_type, [sec]
    if any(gt.id == target for gt in pub.term.group_types):
        return target, sorted(
            (sec for sec in pub.schedule.sections if sec.group_type == target),
            key=lambda sec: sec.id,
        )
    raise UnknownOfferError(
        f"{target} is neither a section nor a group type of schedule v{pub.version.number}"
    )


@dataclass
class _Context:
    """What one offer decision reads: the published state, dates from the offer's date, the
    places held by open offers."""

    pub: Published
    rules: Term
    days: Days
    holds: dict[str, list[dt.date]]
    start: dt.date

    def held(self, section: str, day: dt.date | None = None) -> int:
        return sum(1 for d in self.holds.get(section, ()) if day is None or d <= day)


def _context(s: Session, pub: Published, start: dt.date, skip_offer: int | None = None) -> _Context:
    return _Context(
        pub,
        rules_term(pub.term, pub.schedule),
        term_days(s, pub, start),
        open_holds(s, skip_offer),
        start,
    )


def free_places(ctx: _Context, section: Section) -> int:
    """Weekly places left in the section: its seats less members and open offers' holds."""
    return seats(ctx.pub.term, section) - len(section.participants) - ctx.held(section.id)


def joined_schedule(ctx: _Context, pid: str, section: Section) -> Schedule:
    """The weekly schedule with ``pid`` in ``section`` and on a van run if they ride."""
    weekly = with_members(ctx.pub.schedule, [(pid, None, section.id)])
    return assign_rides(ctx.pub.term, weekly, [pid])


def refusal(ctx: _Context, pid: str, section: Section) -> str | None:
    """Why ``pid`` cannot be enrolled in ``section`` from ``ctx.start`` (None: every rule
    holds, on the weekly schedule and on each of its dates, places held by offers counted)."""
    if free_places(ctx, section) <= 0:
        return f"{section.id} has no free place"
    index = schedule_index(ctx.rules, ctx.pub.schedule)
    found = join_violations(ctx.rules, ctx.pub.schedule, pid, section.id, index)
    if found:
        return f"{section.id}: {found[0].message}"
    new = joined_schedule(ctx, pid, section)
    cap = seats(ctx.pub.term, section)
    for change in dated_views(ctx.pub, ctx.days, new, ctx.start):
        here = next((sec for sec in change.after.sections if sec.id == section.id), None)
        if here is not None and len(here.participants) + ctx.held(section.id, change.day) > cap:
            return f"{section.id} on {change.day} is full ({len(here.participants) - 1} of {cap})"
        problems = new_violations(ctx.pub.term, change)
        if problems:
            return f"{section.id} on {change.day}: {problems[0].message}"
    return None


def offer_next(
    ledger: Ledger,
    target: str,
    from_date: dt.date,
    expires_in: dt.timedelta = DEFAULT_EXPIRY,
    now: dt.datetime | None = None,
) -> OfferResult:
    """Offer a free place of ``target`` (a section, or any section of a group type) from
    ``from_date`` to the first waiting request it fits (see the module docstring); one offer,
    in one transaction."""
    with ledger.write() as s:
        return offer_next_in(ledger, s, target, from_date, expires_in, now)


def offer_next_in(
    ledger: Ledger,
    s: Session,
    target: str,
    from_date: dt.date,
    expires_in: dt.timedelta = DEFAULT_EXPIRY,
    now: dt.datetime | None = None,
) -> OfferResult:
    """:func:`offer_next` inside the caller's write transaction."""
    pub = published_cached(s)
    lock_change(ledger, s, pub, (), from_date)
    type_id, sections = _targets(pub, target)
    check_start(pub, from_date)
    ctx = _context(s, pub, from_date)
    result = OfferResult(target, from_date, None)
    open_sections = [sec for sec in sections if free_places(ctx, sec) > 0]
    result.open_sections = [sec.id for sec in open_sections]
    if not open_sections:
        result.reason = f"no free place in {target} (places held by open offers count as taken)"
        return result
    people = {p.id: p for p in pub.term.participants}
    waiting = [w for w in waitlist_in(s) if w.group_type == type_id]
    answered = {(o.entry_id, o.section): o for o in offers_in(s, now) if o.response in ANSWERED_NO}
    if not waiting:
        result.reason = f"no one is waiting for {type_id}"
        return result
    for w in waiting:
        label = f"{w.participant} ({w.priority}, entry {w.entry_id})"
        person = people.get(w.participant)
        if person is None or discharged(person):
            result.passed_over.append((label, f"{w.participant} is discharged"))
            continue
        if w.offer_id is not None:
            result.passed_over.append((label, f"already holds offer {w.offer_id}"))
            continue
        reasons = []
        for sec in open_sections:
            before = answered.get((w.entry_id, sec.id))
            if before is not None:
                reasons.append(f"{before.response} offer {before.offer_id} of {sec.id}")
                continue
            why = refusal(ctx, w.participant, sec)
            if why is None:
                offer = Offer(
                    entry_id=w.entry_id,
                    section=sec.id,
                    from_date=from_date,
                    expires_at=utc(now, pub.term) + expires_in,
                )
                s.add(offer)
                s.flush()
                result.offer = _info(s, offer.id, now)
                return result
            reasons.append(why)
        result.passed_over.append((label, "; ".join(reasons)))
    result.reason = f"no waiting request for {type_id} fits {', '.join(result.open_sections)}"
    return result


def _info(s: Session, offer_id: int, now: dt.datetime | None) -> OfferInfo:
    for info in offers_in(s, now):
        if info.offer_id == offer_id:
            return info
    raise UnknownOfferError(f"no offer {offer_id} in the ledger")


# -- answering ------------------------------------------------------------------------------------


def _open_offer(s: Session, offer_id: int, now: dt.datetime | None) -> OfferInfo:
    info = _info(s, offer_id, now)
    if info.response is not None:
        raise OfferError(f"offer {offer_id} was already {info.response}")
    return info


def accept(
    ledger: Ledger,
    offer_id: int,
    from_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Accepted:
    """Accept an open offer: the participant is enrolled in its section from ``from_date``
    (default the offer's date, not earlier) in a new schedule version, in one transaction."""
    with ledger.write() as s:
        pub = published_cached(s)
        info = _open_offer(s, offer_id, now)
        if info.expired:
            raise OfferError(
                f"offer {offer_id} expired at {info.expires_at:%Y-%m-%d %H:%M} UTC: it can no "
                "longer be accepted"
            )
        start = from_date or info.from_date
        if start < info.from_date:
            raise OfferError(
                f"offer {offer_id} is for {info.section} from {info.from_date}, not {start}"
            )
        lock_change(ledger, s, pub, [info.participant], start)
        check_start(pub, start)
        section = next((sec for sec in pub.schedule.sections if sec.id == info.section), None)
        if section is None:
            raise OfferError(
                f"section {info.section} of offer {offer_id} no longer runs in schedule "
                f"v{pub.version.number}"
            )
        ctx = _context(s, pub, start, skip_offer=offer_id)
        why = refusal(ctx, info.participant, section)
        if why is not None:
            raise OfferError(f"offer {offer_id} cannot be accepted now: {why}")
        new = joined_schedule(ctx, info.participant, section)
        new = new.model_copy(
            update={
                "waitlist": [
                    w
                    for w in new.waitlist
                    if (w.participant, w.group_type) != (info.participant, info.group_type)
                ]
            }
        )
        s.add(OfferResponse(offer_id=offer_id, response="accepted"))
        number = republish(
            ledger,
            s,
            pub,
            pub.term,
            new,
            start,
            f"offer {offer_id} accepted: {info.participant} into {info.section}",
        )
        return Accepted(_info(s, offer_id, now), number, start)


def respond_in(s: Session, offer_id: int, response: str) -> None:
    s.add(OfferResponse(offer_id=offer_id, response=response))
    s.flush()


def decline(
    ledger: Ledger,
    offer_id: int,
    now: dt.datetime | None = None,
    expires_in: dt.timedelta = DEFAULT_EXPIRY,
) -> tuple[OfferInfo, OfferResult]:
    """Decline an open offer and offer the place to the next waiting request, in one
    transaction."""
    with ledger.write() as s:
        info = _open_offer(s, offer_id, now)
        respond_in(s, offer_id, "declined")
        nxt = _reoffer(ledger, s, info, expires_in, now)
        return _info(s, offer_id, now), nxt


def _reoffer(
    ledger: Ledger,
    s: Session,
    info: OfferInfo,
    expires_in: dt.timedelta,
    now: dt.datetime | None,
) -> OfferResult:
    pub = published_cached(s)
    start = max(info.from_date, pub.version.effective_from)
    if not any(sec.id == info.section for sec in pub.schedule.sections):
        return OfferResult(info.section, start, None, reason=f"{info.section} no longer runs")
    return offer_next_in(ledger, s, info.section, start, expires_in, now)


def expire_offers(
    ledger: Ledger, now: dt.datetime | None = None, expires_in: dt.timedelta = DEFAULT_EXPIRY
) -> list[tuple[OfferInfo, OfferResult]]:
    """Record every unanswered offer past its expiry as ``expired`` and offer each place to the
    next waiting request, in one transaction."""
    with ledger.write() as s:
        out = []
        for info in offers_in(s, now):
            if info.response is None and info.expired:
                respond_in(s, info.offer_id, "expired")
                out.append((info, _reoffer(ledger, s, info, expires_in, now)))
        return [(_info(s, info.offer_id, now), nxt) for info, nxt in out]


def withdraw_in(s: Session, participant: str, now: dt.datetime | None = None) -> list[int]:
    """Withdraw the participant's unanswered offers (a discharge); their ids."""
    out = []
    for info in offers_in(s, now):
        if info.participant == participant and info.response is None:
            respond_in(s, info.offer_id, "withdrawn")
            out.append(info.offer_id)
    return out
