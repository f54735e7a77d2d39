"""What a makeup question and its answer hold: options, requests, searches, batch bookings,
and the refusals a makeup question or booking can meet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ledger.state import RefusedError
from models import format_time, parse_time
from models.common import DAY_NAMES
from models.dated import weekday
from models.term import GroupType, Participant


class MakeupError(RefusedError):
    """A makeup question or booking the ledger will not answer or make (the message says why)."""


class UnknownMakeupError(MakeupError, LookupError):
    """The session, participant or makeup named is not in the ledger."""


class BookingRefused(MakeupError):  # noqa: N818 - the name the issue gives it
    """A booking that would break a rule or no longer fits; nothing was written."""


class BatchRefused(BookingRefused):
    """A booking of a batch (:func:`book_all_in`) refused; ``index`` is its position in the
    batch (None when no single booking can be blamed)."""

    def __init__(self, message: str, index: int | None) -> None:
        super().__init__(message)
        self.index = index


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


@dataclass(frozen=True)
class Booking:
    """One makeup of a batch: the participant, the session they missed, the option chosen."""

    participant: str
    missed_session_id: int
    option: MakeupOption


def rank(option: MakeupOption) -> tuple:
    """Sooner first, then days the participant comes in anyway, then the same facilitator."""
    return (
        option.date,
        not option.comes_in,
        not option.same_facilitator,
        option.start,
        option.section,
    )


def extra_identity(option: MakeupOption) -> str:
    """A proposed extra meeting's identity: its key, place and staff. Lost sessions that were
    proposed the same meeting share it: the first booking creates it, the others join it."""
    return f"{option.key}:{option.room or option.vehicle or '-'}:{'+'.join(option.staff)}"


def as_dicts(options: Iterable[MakeupOption]) -> list[dict[str, Any]]:
    """Options as contract JSON, numbered from 1 in rank order."""
    return [{"option": n, **o.to_json()} for n, o in enumerate(options, start=1)]
