"""What a closure reports: the sessions lost, those recovered and those not, with why."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ledger.makeups import MakeupOption
from ledger.state import RefusedError
from models import format_time


class ClosureError(RefusedError):
    """A closure the ledger refuses (nothing was written)."""


@dataclass(frozen=True)
class LostSession:
    """One participant's session lost to the closure."""

    participant: str
    session_id: int
    """The session to make up: the cancelled one, or the missed session a cancelled makeup was
    booked for."""
    section: str
    group_type: str
    date: dt.date
    start: int
    end: int
    priority: str
    weight: int
    cancelled_makeup: int | None = None

    @property
    def key(self) -> str:
        return f"{self.participant}:{self.session_id}"

    def label(self) -> str:
        via = f" (makeup {self.cancelled_makeup} cancelled)" if self.cancelled_makeup else ""
        return (
            f"{self.participant} {self.section} {self.date} "
            f"{format_time(self.start)}-{format_time(self.end)}{via}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "session_id": self.session_id,
            "section": self.section,
            "group_type": self.group_type,
            "date": self.date.isoformat(),
            "start": format_time(self.start),
            "end": format_time(self.end),
            "priority": self.priority,
            "weight": self.weight,
            "cancelled_makeup": self.cancelled_makeup,
        }


@dataclass(frozen=True)
class Recovered:
    lost: LostSession
    option: MakeupOption
    makeup_id: int | None = None
    """The makeup booked (None in a dry run)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "participant": self.lost.participant,
            "from": self.lost.to_json(),
            "to": self.option.to_json(),
            "makeup_id": self.makeup_id,
        }


@dataclass(frozen=True)
class Unrecovered:
    lost: LostSession
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "participant": self.lost.participant,
            "from": self.lost.to_json(),
            "reasons": list(self.reasons),
        }


@dataclass
class ClosureReport:
    date: dt.date
    reason: str
    booked: bool
    closure_id: int | None = None
    cancelled_sessions: list[int] = field(default_factory=list)
    cancelled_makeups: list[int] = field(default_factory=list)
    lost: list[LostSession] = field(default_factory=list)
    recovered: list[Recovered] = field(default_factory=list)
    unrecovered: list[Unrecovered] = field(default_factory=list)
    attempts: int = 0
    booking_error: str = ""
    """Why the choice could not be booked (both attempts refused), else empty."""

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "reason": self.reason,
            "booked": self.booked,
            "closure_id": self.closure_id,
            "cancelled_sessions": self.cancelled_sessions,
            "cancelled_makeups": self.cancelled_makeups,
            "lost": [x.to_json() for x in self.lost],
            "recovered": [x.to_json() for x in self.recovered],
            "unrecovered": [x.to_json() for x in self.unrecovered],
            "attempts": self.attempts,
            "booking_error": self.booking_error,
        }
